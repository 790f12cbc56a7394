#include "results_table_model.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <cmath>

#include "metric_text.h"

namespace qs::ui {

ResultsTableModel::ResultsTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void ResultsTableModel::set_runs(const std::vector<RunRecord>& runs, const QString& baseline) {
    beginResetModel();
    runs_ = runs;
    baseline_ = baseline;
    grid_ = ResultsGrid::from_runs(runs_, baseline_);
    endResetModel();
}

void ResultsTableModel::set_baseline(const QString& precision) {
    beginResetModel();
    baseline_ = precision;
    grid_ = ResultsGrid::from_runs(runs_, baseline_);
    endResetModel();
}

int ResultsTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(grid_.rows().size()); }

int ResultsTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : 1 + 3 * int(grid_.columns().size());
}

bool ResultsTableModel::column_part(int column, int* grid_column, Part* part) const {
    if (column < 1 || column >= columnCount()) return false;
    *grid_column = (column - 1) / 3;
    *part = Part((column - 1) % 3);
    return true;
}

QVariant ResultsTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= columnCount()) return {};
    const int row = index.row();
    int col = 0;
    Part part = Value;
    if (!column_part(index.column(), &col, &part)) {
        const auto& r = grid_.rows()[row];
        if (role == Qt::DisplayRole || role == SortRole)
            return row == grid_.baseline_row() ? r.label + " (baseline)" : r.label;
        if (role == Qt::FontRole && row == grid_.baseline_row()) {
            QFont f;
            f.setBold(true);
            return f;
        }
        return {};
    }
    const Metric* m = grid_.cell(row, col);
    if (!m) return role == Qt::DisplayRole ? QVariant(QString()) : QVariant();
    const ResultComparison cmp = grid_.compare(row, col);
    const MetricInfo* info = metric_info(m->key);
    const std::string_view unit = info ? info->unit : std::string_view();
    const bool marked = cmp.significant && cmp.loss;
    switch (role) {
    case Qt::DisplayRole:
        if (part == Value) return metric_text(*m);
        if (row == grid_.baseline_row()) return QString();
        if (part == Delta) return std::isnan(cmp.delta) ? QString() : (cmp.delta >= 0 ? "+" : "") + value_text(cmp.delta, unit);
        return std::isnan(cmp.retention) ? QString() : QString::number(cmp.retention, 'f', 2) + " %";
    case SortRole:
        if (part == Value) return m->value;
        return part == Delta ? cmp.delta : cmp.retention;
    case SignificantLossRole: return marked;
    case Qt::BackgroundRole:
        if (marked) return QBrush(QColor(255, 205, 205));
        return {};
    case Qt::TextAlignmentRole: return int(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ToolTipRole: {
        QString t = grid_.columns()[col].title() + ": " + metric_text(*m);
        if (m->has_interval()) t += QString("\n95 % interval [%1, %2]").arg(m->ci_low, 0, 'g', 5).arg(m->ci_high, 0, 'g', 5);
        if (marked) t += "\nSignificant loss against the baseline (|Δ| > 1.96 σ)";
        return t;
    }
    default: return {};
    }
}

QVariant ResultsTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (role != Qt::DisplayRole) return QAbstractTableModel::headerData(section, orientation, role);
    if (orientation == Qt::Vertical) return section + 1;
    int col = 0;
    Part part = Value;
    if (!column_part(section, &col, &part)) return section == 0 ? QVariant("Precision") : QVariant();
    const QString title = grid_.columns()[col].title();
    if (part == Value) return title;
    return part == Delta ? "Δ " + title : "Retention " + title;
}

}  // namespace qs::ui
