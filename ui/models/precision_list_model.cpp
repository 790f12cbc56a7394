#include "precision_list_model.h"

#include <QColor>

#include "core/error.h"
#include "gguf/gguf_file.h"
#include "metric_text.h"

namespace qs::ui {

uint64_t precision_memory_bytes(const ModelSummary& m, uint64_t weight_bytes, int n_ctx) {
    // F16 K and V for every layer and position (head_dim, not n_embd / n_head: qwen3 and gemma differ).
    const uint64_t kv = 2ull * uint64_t(m.n_layer) * uint64_t(n_ctx) * uint64_t(m.head_dim * m.n_head_kv) * 2ull;
    const uint64_t logits = uint64_t(n_ctx) * uint64_t(m.n_vocab) * 4ull;
    return weight_bytes + kv + logits;
}

PrecisionListModel::PrecisionListModel(QObject* parent) : QAbstractTableModel(parent) {
    for (const auto& r : precision_presets()) {
        PrecisionEntry e;
        e.recipe = r;
        e.name = QString::fromStdString(r.name);
        entries_.push_back(e);
    }
}

void PrecisionListModel::estimate_row(PrecisionEntry& e) const {
    e.estimated = false;
    e.error.clear();
    if (!file_) return;
    try {
        e.estimate = e.recipe.estimate(*file_);
        e.memory_bytes = precision_memory_bytes(summary_, e.estimate.tensor_bytes, n_ctx_);
        e.estimated = true;
    } catch (const std::exception& ex) {
        // The message names the model file first; the page already shows which model is loaded.
        e.error = QString::fromStdString(ex.what());
        const QString prefix = QString::fromStdString(file_->path()) + ": ";
        if (e.error.startsWith(prefix)) e.error.remove(0, prefix.size());
        e.error = e.error.simplified();  // llama.cpp's fallback message pads its numbers with spaces
    }
}

void PrecisionListModel::set_model(std::shared_ptr<const GgufFile> file, int eval_n_ctx) {
    beginResetModel();
    file_ = std::move(file);
    n_ctx_ = eval_n_ctx;
    if (file_) summary_ = model_summary_read(*file_);
    for (auto& e : entries_) estimate_row(e);
    endResetModel();
}

void PrecisionListModel::add_custom(const QString& name, const QString& spec) {
    PrecisionEntry e;
    e.recipe = PrecisionRecipe::parse(spec.toStdString());
    e.name = name.trimmed().isEmpty() ? spec : name.trimmed();
    e.custom = true;
    e.checked = true;
    estimate_row(e);
    for (int i = 0; i < entries_.size(); ++i)
        if (entries_[i].custom && entries_[i].name == e.name) {
            entries_[i] = e;
            emit dataChanged(index(i, 0), index(i, ColumnCount - 1));
            emit checked_changed();
            return;
        }
    beginInsertRows({}, int(entries_.size()), int(entries_.size()));
    entries_.push_back(e);
    endInsertRows();
    emit checked_changed();
}

void PrecisionListModel::remove_custom(const QString& name) {
    for (int i = 0; i < entries_.size(); ++i)
        if (entries_[i].custom && entries_[i].name == name) {
            beginRemoveRows({}, i, i);
            entries_.remove(i);
            endRemoveRows();
            emit checked_changed();
            return;
        }
}

QStringList PrecisionListModel::checked_specs() const {
    QStringList out;
    for (const auto& e : entries_)
        if (e.checked) out << QString::fromStdString(e.recipe.to_string());
    return out;
}

QStringList PrecisionListModel::runnable_specs() const {
    QStringList out;
    for (const auto& e : entries_)
        if (e.checked && e.applicable()) out << QString::fromStdString(e.recipe.to_string());
    return out;
}

QStringList PrecisionListModel::not_runnable() const {
    QStringList out;
    for (const auto& e : entries_)
        if (e.checked && !e.applicable()) out << e.name + ": " + e.error;
    return out;
}

std::map<std::string, std::string> PrecisionListModel::names() const {
    std::map<std::string, std::string> out;
    for (const auto& e : entries_) {
        const std::string spec = e.recipe.to_string();
        if (e.name.toStdString() != spec) out[spec] = e.name.toStdString();
    }
    return out;
}

int PrecisionListModel::row_of(const QString& s) const {
    for (int i = 0; i < entries_.size(); ++i)
        if (entries_[i].name == s || QString::fromStdString(entries_[i].recipe.to_string()) == s) return i;
    return -1;
}

void PrecisionListModel::set_checked_specs(const QStringList& specs) {
    for (auto& e : entries_) e.checked = false;
    for (const auto& s : specs) {
        const int r = row_of(s);
        if (r >= 0) entries_[r].checked = true;
    }
    if (!entries_.isEmpty()) emit dataChanged(index(0, 0), index(int(entries_.size()) - 1, 0), {Qt::CheckStateRole});
    emit checked_changed();
}

QList<QPair<QString, QString>> PrecisionListModel::custom_recipes() const {
    QList<QPair<QString, QString>> out;
    for (const auto& e : entries_)
        if (e.custom) out.append({e.name, QString::fromStdString(e.recipe.to_string())});
    return out;
}

int PrecisionListModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(entries_.size()); }
int PrecisionListModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant PrecisionListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount) return {};
    const auto& e = entries_[index.row()];
    // Shown unchecked when it cannot apply (it will not run); the tick is kept for another model.
    if (role == Qt::CheckStateRole && index.column() == Name) return e.checked && e.applicable() ? Qt::Checked : Qt::Unchecked;
    if (role == Qt::ToolTipRole)
        return e.applicable() ? QString::fromStdString(e.recipe.describe()) : tr("Cannot apply to this model: %1").arg(e.error);
    if (role == Qt::ForegroundRole && !e.applicable()) return QColor(index.column() == Note ? QColor(150, 40, 40) : QColor(Qt::gray));
    const bool est = e.estimated;
    if (role == SortRole) {
        switch (index.column()) {
        case Name: return index.row();  // presets are listed most precise first
        case Recipe: return QString::fromStdString(e.recipe.to_string());
        case BitsPerWeight: return est ? e.estimate.bits_per_weight() : 0.0;
        case FileSize: return est ? double(e.estimate.file_bytes) : 0.0;
        case Memory: return est ? double(e.memory_bytes) : 0.0;
        case Note: return e.applicable() ? QString::fromStdString(e.recipe.summary) : e.error;
        }
    }
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
    case Name: return e.custom ? e.name + " (custom)" : e.name;
    case Recipe: return QString::fromStdString(e.recipe.to_string());
    case BitsPerWeight: return est ? QString::number(e.estimate.bits_per_weight(), 'f', 2) : "—";
    case FileSize: return est ? bytes_text(double(e.estimate.file_bytes)) : "—";
    case Memory: return est ? bytes_text(double(e.memory_bytes)) : "—";
    case Note:
        if (!e.applicable()) return tr("cannot apply: %1").arg(e.error);
        return e.recipe.summary.empty() ? QString::fromStdString(e.recipe.describe()) : QString::fromStdString(e.recipe.summary);
    }
    return {};
}

bool PrecisionListModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (!index.isValid() || index.column() != Name || role != Qt::CheckStateRole || index.row() >= rowCount()) return false;
    if (!entries_[index.row()].applicable()) return false;  // greyed out: cannot be run
    entries_[index.row()].checked = value.toInt() == Qt::Checked;
    emit dataChanged(index, index, {Qt::CheckStateRole});
    emit checked_changed();
    return true;
}

Qt::ItemFlags PrecisionListModel::flags(const QModelIndex& index) const {
    if (!index.isValid()) return Qt::NoItemFlags;
    // Not checkable when it cannot apply to the loaded model (drawn grey, see data()); still
    // enabled and selectable, so the note can be read and a custom recipe removed.
    Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    if (index.column() == Name && entries_[index.row()].applicable()) f |= Qt::ItemIsUserCheckable;
    return f;
}

QVariant PrecisionListModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return QAbstractTableModel::headerData(section, orientation, role);
    static const char* titles[] = {"Precision", "Recipe", "Bits/weight", "Est. file size", "Est. memory", "Note"};
    return section >= 0 && section < ColumnCount ? QVariant(titles[section]) : QVariant();
}

}  // namespace qs::ui
