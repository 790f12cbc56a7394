#include "results_summary_model.h"

#include <QBrush>
#include <QColor>
#include <QFont>

namespace qs::ui {

ResultsSummaryModel::ResultsSummaryModel(QObject* parent) : QAbstractTableModel(parent) {}

void ResultsSummaryModel::set_summary(ResultsSummary summary) {
    beginResetModel();
    summary_ = std::move(summary);
    endResetModel();
}

int ResultsSummaryModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : summary_.row_count(); }

int ResultsSummaryModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : 1 + int(summary_.columns().size());
}

QVariant ResultsSummaryModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= columnCount()) return {};
    const int row = index.row();
    if (index.column() == 0) {
        switch (role) {
        case Qt::DisplayRole: return summary_.row_title(row);
        case SortRole: return row;  // run order: the baseline first
        case Qt::FontRole: {
            if (!summary_.grid().is_baseline(row)) return {};
            QFont f;
            f.setBold(true);
            return f;
        }
        default: return {};
        }
    }
    const SummaryCell& cell = summary_.cell(row, index.column() - 1);
    switch (role) {
    case Qt::DisplayRole: return cell.text;
    case SortRole: return cell.sort;
    case SignificantLossRole: return cell.significant_loss;
    case Qt::BackgroundRole: return cell.significant_loss ? QVariant(QBrush(QColor(255, 205, 205))) : QVariant();
    case Qt::TextAlignmentRole: return int(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ToolTipRole: return cell.tooltip.isEmpty() ? QVariant() : QVariant(cell.tooltip);
    default: return {};
    }
}

QVariant ResultsSummaryModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation == Qt::Vertical) return role == Qt::DisplayRole ? QVariant(section + 1) : QVariant();
    if (section == 0) return role == Qt::DisplayRole ? QVariant(tr("Precision")) : QVariant();
    if (section - 1 >= summary_.columns().size()) return {};
    const SummaryColumn& c = summary_.columns()[section - 1];
    if (role == Qt::DisplayRole) return summary_.header(section - 1);
    if (role == Qt::ToolTipRole) return c.dataset.isEmpty() ? c.unit_note : c.dataset + ": " + c.unit_note;
    return {};
}

}  // namespace qs::ui
