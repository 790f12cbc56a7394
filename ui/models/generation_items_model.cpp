#include "generation_items_model.h"

#include <QColor>

namespace qs::ui {

QColor verdict_color(const QString& verdict) {
    if (verdict == "pass") return QColor("#c8ecc8");
    if (verdict == "fail") return QColor("#f6c4c4");
    if (verdict == "timeout") return QColor("#f9dcb0");
    if (verdict == "error") return QColor("#dddddd");
    return {};
}

GenerationItemsModel::GenerationItemsModel(QObject* parent) : QAbstractTableModel(parent) {}

void GenerationItemsModel::set_outputs(const GenerationOutputs& outputs) {
    beginResetModel();
    outputs_ = outputs;
    refilter();
    endResetModel();
}

void GenerationItemsModel::set_filter(Filter filter) {
    beginResetModel();
    filter_ = filter;
    refilter();
    endResetModel();
}

void GenerationItemsModel::refilter() {
    shown_.clear();
    for (int i = 0; i < outputs_.rows.size(); ++i) {
        const OutputRow& r = outputs_.rows[i];
        if (filter_ == Filter::VerdictsDiffer && !r.verdicts_differ) continue;
        if (filter_ == Filter::Broken && !r.broken) continue;
        shown_ << i;
    }
}

int GenerationItemsModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(shown_.size()); }

int GenerationItemsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : 1 + int(outputs_.precisions.size());
}

QVariant GenerationItemsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const OutputRow& row = output_row(index.row());
    if (index.column() == 0) {
        if (role == Qt::DisplayRole) return row.item_id.isEmpty() ? QString::number(row.item) : row.item_id;
        if (role == Qt::ToolTipRole)
            return row.broken ? tr("The baseline passed this item and another precision did not")
                              : row.verdicts_differ ? tr("The precisions' verdicts differ") : QVariant();
        return {};
    }
    const OutputCell& cell = row.cells[index.column() - 1];
    switch (role) {
        case Qt::DisplayRole: return cell.present ? cell.verdict : QStringLiteral("—");
        case Qt::BackgroundRole: return cell.present ? QVariant(verdict_color(cell.verdict)) : QVariant();
        case Qt::ForegroundRole: return cell.present ? QVariant(QColor(Qt::black)) : QVariant();
        case Qt::ToolTipRole: return cell.detail.isEmpty() ? QVariant() : QVariant(cell.detail);
        case Qt::TextAlignmentRole: return int(Qt::AlignCenter);
        default: return {};
    }
}

QVariant GenerationItemsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    if (section == 0) return tr("Item");
    const QString p = outputs_.precisions.value(section - 1);
    if (section != 1 || outputs_.precisions.size() < 2) return p;  // one precision: nothing is compared
    return outputs_.first_is_baseline ? tr("%1 (baseline)").arg(p) : tr("%1 (reference)").arg(p);
}

}  // namespace qs::ui
