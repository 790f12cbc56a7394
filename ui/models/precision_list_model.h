// The Precisions page's checklist: every preset of precision_presets() plus the user's named
// custom recipes, each with its bits per weight, estimated file size and memory for the loaded
// model (PrecisionRecipe::estimate reads only the header: nothing is quantized) and a one-line
// note. A precision that cannot apply to the loaded model (a row length no type fits, a recipe
// pattern that matches no tensor, a source type that cannot be requantized) is greyed out,
// unchecked and not runnable, and its note says why; the user's tick is kept for other models.
#pragma once

#include <QAbstractTableModel>
#include <QStringList>
#include <map>
#include <memory>
#include <string>

#include "model/model_summary.h"
#include "quant/precision_recipe.h"

namespace qs {
class GgufFile;
}

namespace qs::ui {

struct PrecisionEntry {
    PrecisionRecipe recipe;
    QString name;           // preset name or the user's name for a custom recipe
    bool custom = false;
    bool checked = false;
    bool estimated = false; // false until a model is loaded (or the estimate failed)
    RecipeEstimate estimate;
    uint64_t memory_bytes = 0;  // weights + F16 KV cache at the evaluation context + logits
    QString error;          // why it cannot apply to this model (the estimate's message, without the model's path)
    bool applicable() const { return error.isEmpty(); }
};

class PrecisionListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Recipe, BitsPerWeight, FileSize, Memory, Note, ColumnCount };
    enum Role { SortRole = Qt::UserRole + 1 };

    explicit PrecisionListModel(QObject* parent = nullptr);

    // Re-estimates every row for this model (nullptr: clears the estimates).
    void set_model(std::shared_ptr<const GgufFile> file, int eval_n_ctx = 512);
    // Adds (or replaces, same name) a custom recipe. Throws qs::Error for a bad recipe string.
    void add_custom(const QString& name, const QString& spec);
    void remove_custom(const QString& name);

    QStringList checked_specs() const;       // recipe strings of the ticked rows (applicable or not), in table order
    void set_checked_specs(const QStringList& specs);  // checks exactly these (by spec or name)
    QStringList runnable_specs() const;      // the ticked rows that apply to the loaded model: what a run gets
    QStringList not_runnable() const;        // the ticked rows that do not, as "NAME: reason"
    std::map<std::string, std::string> names() const;  // recipe string -> name, where the name differs
    QList<QPair<QString, QString>> custom_recipes() const;  // (name, spec)
    const QVector<PrecisionEntry>& entries() const { return entries_; }
    int row_of(const QString& name_or_spec) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

signals:
    void checked_changed();

private:
    void estimate_row(PrecisionEntry& e) const;
    QVector<PrecisionEntry> entries_;
    std::shared_ptr<const GgufFile> file_;
    ModelSummary summary_;
    int n_ctx_ = 512;
};

// Memory a precision needs to evaluate at n_ctx: its weights, the F16 KV cache
// (2 x layers x n_ctx x kv width x 2 bytes) and one row of f32 logits per context position.
uint64_t precision_memory_bytes(const ModelSummary& model, uint64_t weight_bytes, int n_ctx);

}  // namespace qs::ui
