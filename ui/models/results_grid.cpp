#include "results_grid.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "metric_text.h"

namespace qs::ui {

QString ResultColumn::title() const {
    QString t = metric_label(key);
    if (!dataset.isEmpty()) t += " (" + dataset + ")";
    return t;
}

ResultsGrid ResultsGrid::from_runs(const std::vector<RunRecord>& runs, const QString& baseline) {
    ResultsGrid g;
    const bool several = runs.size() > 1;
    const auto& catalog = metric_catalog();
    auto catalog_pos = [&](const std::string& key) {
        auto it = std::find_if(catalog.begin(), catalog.end(), [&](const MetricInfo& m) { return m.key == key; });
        return int(it - catalog.begin());
    };
    auto row_of = [&](const RunRecord& run, const JobRecord& job) {
        const QString precision = QString::fromStdString(job.precision);
        const QString shown = QString::fromStdString(precision_label(job));  // the user's name when given
        const QString label = several ? QString("run %1: %2").arg(run.id).arg(shown) : shown;
        for (int i = 0; i < g.rows_.size(); ++i)
            if (g.rows_[i].label == label) return i;
        g.rows_.push_back({label, precision, run.id});
        g.cells_.emplace_back();
        return int(g.rows_.size() - 1);
    };
    auto column_of = [&](const ResultColumn& c) {
        for (int i = 0; i < g.columns_.size(); ++i) {
            const auto& o = g.columns_[i];
            if (o.key == c.key && o.dataset == c.dataset && o.evaluator == c.evaluator) return i;
        }
        g.columns_.push_back(c);
        return int(g.columns_.size() - 1);
    };
    for (const auto& run : runs)
        for (const auto& job : run.jobs) {
            const int r = row_of(run, job);
            for (const auto& m : job.metrics) {
                const MetricInfo* info = metric_info(m.key);
                if (!info || info->better == Better::Neither) continue;
                const int c = column_of({QString(evaluator_name(job.evaluator)), QString::fromStdString(job.dataset), m.key});
                auto& row = g.cells_[r];
                if (int(row.size()) <= c) row.resize(c + 1);
                row[c] = m;
            }
        }
    // Columns grouped by evaluator and dataset in first-seen order, metrics in catalogue order.
    QVector<int> order(g.columns_.size());
    std::iota(order.begin(), order.end(), 0);
    QVector<int> group(g.columns_.size());  // first column of the same evaluator x dataset
    for (int i = 0; i < group.size(); ++i) {
        group[i] = i;
        for (int j = 0; j < i; ++j)
            if (g.columns_[j].evaluator == g.columns_[i].evaluator && g.columns_[j].dataset == g.columns_[i].dataset) {
                group[i] = group[j];
                break;
            }
    }
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        if (group[a] != group[b]) return group[a] < group[b];
        return catalog_pos(g.columns_[a].key) < catalog_pos(g.columns_[b].key);
    });
    {
        QVector<ResultColumn> cols;
        std::vector<std::vector<std::optional<Metric>>> cells(g.rows_.size(), std::vector<std::optional<Metric>>(order.size()));
        for (int i = 0; i < order.size(); ++i) {
            cols.push_back(g.columns_[order[i]]);
            for (int r = 0; r < g.rows_.size(); ++r)
                if (order[i] < int(g.cells_[r].size())) cells[r][i] = g.cells_[r][order[i]];
        }
        g.columns_ = cols;
        g.cells_ = std::move(cells);
    }
    g.baseline_row_ = g.rows_.isEmpty() ? -1 : 0;
    for (int i = 0; i < g.rows_.size(); ++i)
        if (!baseline.isEmpty() && g.rows_[i].precision == baseline) {
            g.baseline_row_ = i;
            break;
        }
    return g;
}

const Metric* ResultsGrid::cell(int row, int col) const {
    if (row < 0 || row >= rows_.size() || col < 0 || col >= columns_.size()) return nullptr;
    const auto& c = cells_[row][col];
    return c ? &*c : nullptr;
}

const Metric* ResultsGrid::find(int row, std::string_view key) const {
    for (int c = 0; c < columns_.size(); ++c)
        if (columns_[c].key == key)
            if (const Metric* m = cell(row, c)) return m;
    return nullptr;
}

ResultComparison ResultsGrid::compare(int row, int col) const {
    ResultComparison r;
    const Metric* m = cell(row, col);
    const Metric* b = cell(baseline_row_, col);
    if (!m || !b) return r;
    const MetricInfo* info = metric_info(m->key);
    const bool higher = info && info->better == Better::Higher;
    r.delta = m->value - b->value;
    if (higher && b->value != 0) r.retention = 100.0 * m->value / b->value;
    if (!higher && m->value != 0) r.retention = 100.0 * b->value / m->value;
    r.loss = higher ? r.delta < 0 : r.delta > 0;
    if (m->has_stderr() && b->has_stderr() && row != baseline_row_) {
        const double se = std::sqrt(m->stderr_ * m->stderr_ + b->stderr_ * b->stderr_);
        r.significant = se > 0 && std::abs(r.delta) > 1.959963984540054 * se;
    }
    return r;
}

}  // namespace qs::ui
