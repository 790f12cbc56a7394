// The Datasets page's list: built-in datasets (found under the shared data folder) and files the
// user adds. Each file is inspected before any run: its format detected (dataset_detect_format),
// loaded once to count items and collect bad lines, and its first items kept for the preview, so
// errors show here, not halfway through a run. A per-dataset limit caps the items (task sets,
// a fixed-seed sample) or the 512-token chunks (perplexity texts) a run evaluates.
#pragma once

#include <QAbstractTableModel>
#include <QStringList>

namespace qs::ui {

// Perplexity texts have no item format of their own.
inline const QString kTextFormat = QStringLiteral("text");

struct DatasetEntry {
    QString name;           // shown and stored as the job's dataset ("arc-easy", "wiki.test.raw")
    QString path;
    QString format;         // a dataset_formats() name or kTextFormat; "" until inspected
    QString format_source;  // why that format: "detected: question.stem with ids like '7-980'"
    bool builtin = false;
    bool checked = false;
    bool inspected = false;
    qint64 items = 0;       // task items, or bytes of a text
    qint64 limit = 0;       // 0 = all
    QString error;          // why it cannot be used (shown before running)
    QStringList warnings;   // skipped lines "FILE:LINE: what"
    QStringList preview;    // the first items exactly as scored: context and quoted continuations
    // Generation tasks: the first items' prompts before any chat template (preview has the rest:
    // stop strings, token limit, how the answer is checked); the page wraps them as the run will.
    QStringList generation_prompts;
    bool is_text() const { return format == kTextFormat; }
};

// Format, item count, bad lines and preview of a dataset file (never throws: failures go to error).
// The format is detected unless given; detection refuses files whose fields fit two formats
// (the error names both), and the user names the format in the Format column.
DatasetEntry dataset_inspect(const QString& path, const QString& name = {}, const QString& format = {});

// Where the built-in datasets are, found the way the price table is (price_table_default_path):
// $QUANTSCOPE_DATA if set, else the first existing of <exe dir>/../share/quantscope/data,
// <exe dir>/data and the shared/data folder beside the source tree this build was configured from
// (QS_SHARED_DIR, ../shared by default). "" when there is none.
QString builtin_data_dir(const QString& exe_dir);

class DatasetListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Format, Items, Limit, Status, ColumnCount };

    explicit DatasetListModel(QObject* parent = nullptr);

    // Adds the built-in datasets present under data_dir (the shared/data layout); not inspected
    // until inspect() (loading HellaSwag or MMLU takes a moment).
    void add_builtins(const QString& data_dir);
    // Adds and inspects a user file (checked when usable); returns its row.
    int add_file(const QString& path, const QString& name = {});
    void remove_row(int row);
    void inspect(int row);
    void set_limit(int row, qint64 limit);
    // Reads the file again as `format` (a dataset_formats() name), e.g. after detection refused it.
    void set_format(int row, const QString& format);
    void set_checked(int row, bool checked);

    const QVector<DatasetEntry>& entries() const { return entries_; }
    QVector<DatasetEntry> checked_entries() const;
    int row_of_path(const QString& path) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

signals:
    void checked_changed();

private:
    void row_changed(int row);
    QVector<DatasetEntry> entries_;
};

}  // namespace qs::ui
