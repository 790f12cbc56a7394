#include "results_table_model.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <cmath>

#include "eval/sequential_decision.h"
#include "metric_text.h"

namespace qs::ui {

ResultsTableModel::ResultsTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void ResultsTableModel::rebuild() {
    grid_ = ResultsGrid::from_runs(runs_, baseline_, reference_);
    layout_.clear();
    for (int c = 0; c < grid_.columns().size(); ++c) {
        // The stored comparisons (acc_delta, retention) are what the Δ and retention columns show.
        const std::string& key = grid_.columns()[c].key;
        if (key == "acc_delta" || key == "retention") continue;
        // A stopped comparison (eval --until-decided) is one column: verdict, items, difference.
        if (key == "decided_after" || key == "decision_delta") continue;
        if (key == "decision") {
            layout_.append({c, Decision});
            continue;
        }
        if (const MetricInfo* info = metric_info(key); !info || info->better == Better::Neither) continue;  // counts
        const DeltaKind kind = delta_kind(key);
        layout_.append({c, Value});
        if (kind != DeltaKind::None) layout_.append({c, Delta});
        if (kind == DeltaKind::Points) {
            const MetricInfo* info = metric_info(grid_.columns()[c].key);
            if (info && info->better == Better::Higher) layout_.append({c, Retention});
        }
    }
}

void ResultsTableModel::set_runs(const std::vector<RunRecord>& runs, const QString& baseline, const QString& reference) {
    beginResetModel();
    runs_ = runs;
    baseline_ = baseline;
    reference_ = reference;
    rebuild();
    endResetModel();
}

void ResultsTableModel::set_baseline(const QString& precision) {
    beginResetModel();
    baseline_ = precision;
    rebuild();
    endResetModel();
}

void ResultsTableModel::set_reference(const QString& row_label) {
    beginResetModel();
    reference_ = row_label;
    rebuild();
    endResetModel();
}

int ResultsTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(grid_.rows().size()); }

int ResultsTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : 1 + int(layout_.size());
}

bool ResultsTableModel::column_part(int column, int* grid_column, Part* part) const {
    if (column < 1 || column >= columnCount()) return false;
    *grid_column = layout_[column - 1].first;
    *part = layout_[column - 1].second;
    return true;
}

QString ResultsTableModel::column_family(int column) const {
    int col = 0;
    Part part = Value;
    if (!column_part(column, &col, &part)) return {};
    const ResultColumn& c = grid_.columns()[col];
    const std::string& key = c.key;
    if (key.rfind("cost", 0) == 0) return tr("Cost");
    if (c.evaluator == "perplexity") return tr("Perplexity");
    if (c.evaluator == "kld") return tr("KL divergence");
    if (c.evaluator == "bench")
        return key == "weight_bytes" || key == "bits_per_weight" || key == "kv_bytes" || key == "peak_rss_bytes" ? tr("Memory")
                                                                                                                : tr("Speed");
    if (key == "ece" || key == "ece_mass" || key == "mce" || key == "rmsce" || key == "brier") return tr("Calibration");
    return tr("Task");
}

QVariant ResultsTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= columnCount()) return {};
    const int row = index.row();
    int col = 0;
    Part part = Value;
    if (!column_part(index.column(), &col, &part)) {
        const auto& r = grid_.rows()[row];
        if (role == Qt::DisplayRole || role == SortRole)
            return grid_.is_compared_baseline(row) ? r.label + (grid_.cross_model_reference() ? " (reference)" : " (baseline)") : r.label;
        if (role == Qt::FontRole && grid_.is_baseline(row)) {
            QFont f;
            f.setBold(true);
            return f;
        }
        return {};
    }
    if (part == Decision) return decision_data(row, col, role);
    const Metric* m = grid_.cell(row, col);
    if (!m) return role == Qt::DisplayRole ? QVariant(QString()) : QVariant();
    const ResultComparison cmp = grid_.compare(row, col);
    const MetricInfo* info = metric_info(m->key);
    const std::string_view unit = info ? info->unit : std::string_view();
    const bool marked = cmp.significant && cmp.loss;
    switch (role) {
    case Qt::DisplayRole:
        if (part == Value) return metric_text(*m);
        if (grid_.is_baseline(row)) return QString();
        if (part == Delta) {
            switch (cmp.kind) {
            case DeltaKind::Points:
                return std::isnan(cmp.ci_low) ? points_text(cmp.delta)
                                              : points_text(cmp.delta).chopped(3) + " " + points_interval_text(cmp.ci_low, cmp.ci_high);
            case DeltaKind::Relative: return percent_change_text(cmp.delta_pct);
            case DeltaKind::Absolute: return std::isnan(cmp.delta) ? QString() : (cmp.delta >= 0 ? "+" : "") + value_text(cmp.delta, unit);
            case DeltaKind::None: return QString();
            }
        }
        return std::isnan(cmp.retention) ? QString() : QString::number(cmp.retention, 'f', 1) + " %";
    case SortRole:
        if (part == Value) return m->value;
        if (part == Delta) return cmp.kind == DeltaKind::Relative ? cmp.delta_pct : cmp.delta;
        return cmp.retention;
    case SignificantLossRole: return marked;
    case Qt::BackgroundRole:
        if (marked) return QBrush(QColor(255, 205, 205));
        return {};
    case Qt::TextAlignmentRole: return int(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ToolTipRole: {
        QString t = grid_.columns()[col].title() + ": " + metric_text(*m);
        if (m->has_interval()) t += QString("\n95 % interval [%1, %2]").arg(number_text(m->ci_low), number_text(m->ci_high));
        if (marked) t += std::isnan(cmp.ci_low) ? "\nSignificant loss against the baseline (|Δ| > 1.96 σ)"
                                                : "\nSignificant loss: the paired 95 % interval lies below 0";
        return t;
    }
    default: return {};
    }
}

// "non-inferior after 212 items", its sort key (the items) and a tooltip with the difference and its
// time-uniform interval (engine/eval/sequential_decision.h).
QVariant ResultsTableModel::decision_data(int row, int col, int role) const {
    const ResultColumn& c = grid_.columns()[col];
    const Metric* verdict = grid_.cell(row, col);
    const int after_col = grid_.column_of("decided_after", c.dataset, c.evaluator);
    const int delta_col = grid_.column_of("decision_delta", c.dataset, c.evaluator);
    const Metric* after = after_col >= 0 ? grid_.cell(row, after_col) : nullptr;
    const Metric* delta = delta_col >= 0 ? grid_.cell(row, delta_col) : nullptr;
    if (!verdict || !after) return role == Qt::DisplayRole ? QVariant(QString()) : QVariant();
    const QString unit = c.evaluator == "task" ? tr("items") : tr("chunks");
    const int n = int(after->value);
    const auto v = SequentialVerdict(int(verdict->value));
    const QString text = v == SequentialVerdict::Undecided
                             ? tr("not decided after %1 %2").arg(n).arg(unit)
                             : tr("%1 after %2 %3").arg(QString::fromUtf8(sequential_verdict_name(v))).arg(n).arg(unit);
    switch (role) {
    case Qt::DisplayRole: return text;
    case SortRole: return after->value;
    case Qt::TextAlignmentRole: return int(Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::ToolTipRole: {
        if (!delta) return text;
        const QString what = c.evaluator == "task" ? tr("accuracy points") : tr("% of perplexity, lower perplexity positive");
        const QString signed_delta = (delta->value >= 0 ? "+" : "") + number_text(delta->value);
        return text + tr("\nDifference from the baseline %1 %2, time-uniform 95 % interval [%3, %4]: valid however often the "
                         "run looked, so stopping early does not bias it")
                          .arg(signed_delta, what, number_text(delta->ci_low), number_text(delta->ci_high));
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
    if (part == Retention) return "Retention " + title;
    if (part == Decision) return tr("Decided (%1)").arg(grid_.columns()[col].dataset);
    const DeltaKind kind = delta_kind(grid_.columns()[col].key);
    return "Δ " + title + (kind == DeltaKind::Points ? " (pp)" : kind == DeltaKind::Relative ? " (%)" : "");
}

}  // namespace qs::ui
