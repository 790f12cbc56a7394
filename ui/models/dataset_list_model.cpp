#include "dataset_list_model.h"

#include <algorithm>

#include <QColor>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include "datasets/task_dataset.h"

namespace qs::ui {
namespace {

const int kPreviewItems = 3;

bool looks_like_text(const QString& path) {
    const QString s = QFileInfo(path).suffix().toLower();
    return s == "raw" || s == "txt";
}

// A string as scored, in quotes so that leading and trailing spaces show; long ones keep their end
// (the part next to the scored text).
QString quoted(const std::string& s, int keep) {
    QString t = QString::fromStdString(s);
    if (t.size() > keep) t = "…" + t.right(keep);
    return "\"" + t + "\"";
}

// The item exactly as the scorer sees it: the context (once when the choices share it, as in
// every format but WinoGrande), then each continuation, the gold one marked.
// A generation item: what ends the generation and how the answer is checked (the prompt itself is
// shown by the page, wrapped in the chosen chat template).
QString generation_preview(const TaskItem& item) {
    const GenerationSpec& g = item.generation;
    QStringList stops;
    for (const std::string& u : g.until)  // stop strings are mostly line breaks: written as escapes, not as breaks
        stops << quoted(u, 40).replace("\n", "\\n").replace("\t", "\\t");
    QString t = QString("id %1; up to %2 tokens").arg(QString::fromStdString(item.id)).arg(g.max_tokens);
    if (!stops.isEmpty()) t += ", stops at " + stops.join(" ");
    t += QString("; checked by %1").arg(generation_scoring_name(g.scoring));
    if (!g.targets.empty() && g.scoring != GenerationScoring::PythonTests) t += ", answer " + quoted(g.targets.front(), 200);
    return t;
}

QString item_preview(const TaskItem& item) {
    if (item.choices.empty()) return generation_preview(item);
    bool shared = true;
    for (const TaskChoice& c : item.choices) shared = shared && c.context == item.choices[0].context;
    QString t = QString("id %1, gold %2\n").arg(QString::fromStdString(item.id)).arg(item.gold);
    if (shared) t += "context: " + quoted(item.choices[0].context, 600) + "\n";
    for (size_t i = 0; i < item.choices.size(); ++i) {
        const TaskChoice& c = item.choices[i];
        t += QString("%1 %2 ").arg(int(i) == item.gold ? "✔" : "·").arg(i);
        if (!shared) t += quoted(c.context, 200) + " + ";
        t += quoted(c.continuation, 200) + "\n";
    }
    return t.trimmed();
}

}  // namespace

DatasetEntry dataset_inspect(const QString& path, const QString& name, const QString& given_format) {
    DatasetEntry e;
    e.path = path;
    e.name = name.isEmpty() ? QFileInfo(path).fileName() : name;
    e.inspected = true;
    std::string format = given_format.toStdString(), detected_by = "given";
    if (format.empty()) {
        try {
            const FormatDetection detection = dataset_detect(path.toStdString());
            format = detection.format;
            detected_by = "detected: " + detection.evidence;
        } catch (const std::exception& ex) {
            if (!looks_like_text(path)) {
                e.error = QString::fromStdString(ex.what());
                return e;
            }
            format = kTextFormat.toStdString();
        }
    }
    e.format = QString::fromStdString(format);
    if (e.is_text()) {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) {
            e.error = path + ": cannot be read";
            return e;
        }
        e.items = f.size();
        e.preview << QString::fromUtf8(f.read(600)).trimmed();
        return e;
    }
    try {
        DatasetOptions opts;
        opts.on_bad_line = BadLinePolicy::Skip;
        const TaskDataset d = dataset_load(format, path.toStdString(), opts);
        e.format_source = QString::fromStdString(detected_by);
        e.items = qint64(d.items.size());
        for (const auto& w : d.warnings) e.warnings << QString::fromStdString(w);
        for (size_t i = 0; i < d.items.size() && int(i) < kPreviewItems; ++i) {
            e.preview << item_preview(d.items[i]);
            if (d.kind == TaskKind::Generation) e.generation_prompts << QString::fromStdString(d.items[i].generation.prompt);
        }
    } catch (const std::exception& ex) {
        e.error = QString::fromStdString(ex.what());
    }
    return e;
}

DatasetListModel::DatasetListModel(QObject* parent) : QAbstractTableModel(parent) {}

QString builtin_data_dir(const QString& exe_dir) {
    const QString env = qEnvironmentVariable("QUANTSCOPE_DATA");
    if (!env.isEmpty()) return env;
    QStringList candidates;
    if (!exe_dir.isEmpty()) candidates << exe_dir + "/../share/quantscope/data" << exe_dir + "/data";
#ifdef QS_SHARED_DATA_DIR
    candidates << QStringLiteral(QS_SHARED_DATA_DIR);
#endif
    for (const QString& c : candidates)
        if (QFileInfo(c).isDir()) return QDir::cleanPath(QFileInfo(c).absoluteFilePath());
    return {};
}

void DatasetListModel::add_builtins(const QString& data_dir) {
    struct Builtin {
        const char* name;
        const char* relative;
    };
    static const Builtin builtins[] = {
        {"wikitext-2 test", "wikitext-2-raw/wiki.test.raw"}, {"tinystories", "tinystories/tinystories_val_head.txt"},
        {"arc-easy", "arc/ARC-Easy-Test.jsonl"},               {"hellaswag", "hellaswag/hellaswag_val_full.txt.bz2"},
        {"winogrande", "winogrande_1.1/dev.jsonl"},             {"piqa", "piqa/valid.jsonl"},
        {"sst2", "sst2/dev.tsv"},                               {"lambada", "lambada/lambada_test_plain_text.txt"},
        {"mmlu", "mmlu/test"},
    };
    for (const auto& b : builtins) {
        const QString path = QDir(data_dir).filePath(b.relative);
        if (!QFileInfo::exists(path) || row_of_path(path) >= 0) continue;
        DatasetEntry e;
        e.name = b.name;
        e.path = path;
        e.builtin = true;
        beginInsertRows({}, int(entries_.size()), int(entries_.size()));
        entries_.push_back(e);
        endInsertRows();
    }
}

int DatasetListModel::add_file(const QString& path, const QString& name) {
    DatasetEntry e = dataset_inspect(path, name);
    e.checked = e.error.isEmpty();
    int row = row_of_path(path);
    if (row >= 0) {
        e.builtin = entries_[row].builtin;
        e.limit = entries_[row].limit;
        entries_[row] = e;
        row_changed(row);
    } else {
        row = int(entries_.size());
        beginInsertRows({}, row, row);
        entries_.push_back(e);
        endInsertRows();
    }
    emit checked_changed();
    return row;
}

void DatasetListModel::remove_row(int row) {
    if (row < 0 || row >= entries_.size()) return;
    beginRemoveRows({}, row, row);
    entries_.remove(row);
    endRemoveRows();
    emit checked_changed();
}

void DatasetListModel::inspect(int row) {
    if (row < 0 || row >= entries_.size() || entries_[row].inspected) return;
    DatasetEntry e = dataset_inspect(entries_[row].path, entries_[row].name);
    e.builtin = entries_[row].builtin;
    e.checked = entries_[row].checked && e.error.isEmpty();
    e.limit = entries_[row].limit;
    entries_[row] = e;
    row_changed(row);
}

void DatasetListModel::set_limit(int row, qint64 limit) {
    if (row < 0 || row >= entries_.size()) return;
    entries_[row].limit = std::max<qint64>(0, limit);
    row_changed(row);
}

void DatasetListModel::set_format(int row, const QString& format) {
    if (row < 0 || row >= entries_.size()) return;
    DatasetEntry e = dataset_inspect(entries_[row].path, entries_[row].name, format);
    e.builtin = entries_[row].builtin;
    e.checked = e.error.isEmpty();
    e.limit = entries_[row].limit;
    entries_[row] = e;
    row_changed(row);
    emit checked_changed();
}

void DatasetListModel::set_checked(int row, bool checked) {
    if (row < 0 || row >= entries_.size()) return;
    if (checked) inspect(row);
    entries_[row].checked = checked && entries_[row].error.isEmpty();
    row_changed(row);
    emit checked_changed();
}

QVector<DatasetEntry> DatasetListModel::checked_entries() const {
    QVector<DatasetEntry> out;
    for (const auto& e : entries_)
        if (e.checked) out.push_back(e);
    return out;
}

int DatasetListModel::row_of_path(const QString& path) const {
    const QString canonical = QFileInfo(path).absoluteFilePath();
    for (int i = 0; i < entries_.size(); ++i)
        if (QFileInfo(entries_[i].path).absoluteFilePath() == canonical) return i;
    return -1;
}

void DatasetListModel::row_changed(int row) { emit dataChanged(index(row, 0), index(row, ColumnCount - 1)); }

int DatasetListModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(entries_.size()); }
int DatasetListModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant DatasetListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount) return {};
    const auto& e = entries_[index.row()];
    if (role == Qt::CheckStateRole && index.column() == Name) return e.checked ? Qt::Checked : Qt::Unchecked;
    if (role == Qt::ForegroundRole && index.column() == Status && !e.error.isEmpty()) return QColor(Qt::red);
    if (role == Qt::ToolTipRole && index.column() == Format && !e.format_source.isEmpty()) return e.format_source;
    if (role == Qt::ToolTipRole) return e.error.isEmpty() ? e.path : e.error;
    if (role == Qt::EditRole && index.column() == Limit) return e.limit;
    if (role == Qt::EditRole && index.column() == Format) return e.format;
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
    case Name: return e.builtin ? e.name + " (built-in)" : e.name;
    case Format: return e.inspected ? e.format : QString("?");
    case Items:
        if (!e.inspected || !e.error.isEmpty()) return QString();
        return e.is_text() ? QString("%1 bytes").arg(e.items) : QString::number(e.items);
    case Limit: return e.limit == 0 ? QString("all") : QString::number(e.limit) + (e.is_text() ? " chunks" : " items");
    case Status:
        if (!e.inspected) return QString("not inspected");
        if (!e.error.isEmpty()) return "error: " + e.error;
        return e.warnings.isEmpty() ? QString("ok") : QString("ok, %1 bad lines skipped").arg(e.warnings.size());
    }
    return {};
}

bool DatasetListModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (!index.isValid() || index.row() >= rowCount()) return false;
    if (index.column() == Name && role == Qt::CheckStateRole) {
        set_checked(index.row(), value.toInt() == Qt::Checked);
        return true;
    }
    if (index.column() == Format && role == Qt::EditRole) {
        const std::string format = value.toString().trimmed().toStdString();
        const auto& known = dataset_formats();
        if (std::find(known.begin(), known.end(), format) == known.end()) return false;
        set_format(index.row(), QString::fromStdString(format));
        return true;
    }
    if (index.column() == Limit && role == Qt::EditRole) {
        bool ok = false;
        const qint64 v = value.toLongLong(&ok);
        if (!ok || v < 0) return false;
        set_limit(index.row(), v);
        return true;
    }
    return false;
}

Qt::ItemFlags DatasetListModel::flags(const QModelIndex& index) const {
    if (!index.isValid()) return Qt::NoItemFlags;
    Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    if (index.column() == Name) f |= Qt::ItemIsUserCheckable;
    if (index.column() == Limit) f |= Qt::ItemIsEditable;
    // A task file's format can be named (needed when detection refuses an ambiguous file).
    if (index.column() == Format && !entries_[index.row()].is_text()) f |= Qt::ItemIsEditable;
    return f;
}

QVariant DatasetListModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return QAbstractTableModel::headerData(section, orientation, role);
    static const char* titles[] = {"Dataset", "Format", "Items", "Limit", "Status"};
    return section >= 0 && section < ColumnCount ? QVariant(titles[section]) : QVariant();
}

}  // namespace qs::ui
