#include "results_grid.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <nlohmann/json.hpp>

#include "store/study_cell.h"

namespace qs::ui {
namespace {

constexpr double kZ95 = 1.959963984540054;

// The scores a task is judged by: a multiple-choice task's accuracies (lm-eval's), then a
// generation task's checked outputs (pass@1 for code, exact match for answers).
constexpr std::string_view kTaskScores[] = {"acc", "acc_per_token", "acc_norm", "pass_at_1", "exact_match"};

bool is_task_score(std::string_view key) {
    return std::find(std::begin(kTaskScores), std::end(kTaskScores), key) != std::end(kTaskScores);
}

QString model_key_of(const RunRecord& run) {
    return QString::fromStdString(!run.model_hash.empty() ? run.model_hash : run.model_path.empty() ? run.model_name : run.model_path);
}

QString model_name_of(const RunRecord& run) {
    if (!run.model_name.empty()) return QString::fromStdString(run.model_name);
    const QString path = QString::fromStdString(run.model_path);
    return path.section('/', -1);
}

}  // namespace

std::string primary_accuracy_key(const JobRecord& job) {
    const auto settings = nlohmann::json::parse(job.settings_json, nullptr, false);
    if (settings.is_object() && settings.value("format", std::string()) == "hellaswag-llamacpp") return "acc_per_token";
    // A generation task's acc_delta is paired on its items' verdicts: the score they make up.
    for (const char* key : {"pass_at_1", "exact_match"})
        if (std::any_of(job.metrics.begin(), job.metrics.end(), [&](const Metric& m) { return m.key == key; })) return key;
    return "acc";
}

bool is_generation_score(std::string_view key) { return key == "pass_at_1" || key == "exact_match"; }

QString generation_score_name(std::string_view key) { return key == "pass_at_1" ? "pass@1" : "Exact match"; }

QString ResultColumn::title() const {
    QString t = metric_label(key);
    if (!dataset.isEmpty()) t += " (" + dataset + ")";
    return t;
}

ResultsGrid ResultsGrid::from_runs(const std::vector<RunRecord>& runs, const QString& baseline, const QString& reference) {
    ResultsGrid g;
    const auto& catalog = metric_catalog();
    auto catalog_pos = [&](const std::string& key) {
        auto it = std::find_if(catalog.begin(), catalog.end(), [&](const MetricInfo& m) { return m.key == key; });
        return int(it - catalog.begin());
    };
    // Models in first-seen order; several runs of one model are told apart by run id.
    QStringList model_keys;
    QVector<int> runs_per_model;
    for (const auto& run : runs) {
        const QString key = model_key_of(run);
        if (!model_keys.contains(key)) {
            model_keys << key;
            g.models_ << model_name_of(run);
            runs_per_model << 0;
        }
        ++runs_per_model[model_keys.indexOf(key)];
    }
    g.several_runs_ = std::any_of(runs_per_model.begin(), runs_per_model.end(), [](int n) { return n > 1; });
    const bool several_models = model_keys.size() > 1;

    auto row_of = [&](const RunRecord& run, const JobRecord& job) {
        const QString precision = QString::fromStdString(job.precision);
        const QString shown = QString::fromStdString(precision_label(job));  // the user's name when given
        const QString key = model_key_of(run);
        const int model = int(model_keys.indexOf(key));
        QString label = shown;
        if (g.several_runs_) label = QString("run %1 · %2").arg(run.id).arg(shown);
        if (several_models) label = g.models_[model] + QString::fromUtf8(" · ") + label;
        for (int i = 0; i < g.rows_.size(); ++i)
            if (g.rows_[i].label == label) return i;
        g.rows_.push_back({label, precision, shown, g.models_[model], key, model, run.id});
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
            if (job_is_study_cell(job)) continue;  // a study's cells are its heatmap (sensitivity_heatmap.h, calibration_heatmap.h), not rows
            const int r = row_of(run, job);
            if (job.evaluator == EvaluatorKind::Task) g.primary_[{r, QString::fromStdString(job.dataset)}] = primary_accuracy_key(job);
            for (const auto& m : job.metrics) {
                if (!metric_info(m.key)) continue;
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
    // Each model's baseline: the chosen precision, else what its (first) run recorded, else its first row.
    g.model_baseline_.fill(-1, int(model_keys.size()));
    auto find_row = [&](int model, const QString& precision) {
        for (int i = 0; i < g.rows_.size(); ++i)
            if (g.rows_[i].model_index == model && g.rows_[i].precision == precision) return i;
        return -1;
    };
    for (int model = 0; model < model_keys.size(); ++model) {
        int row = baseline.isEmpty() ? -1 : find_row(model, baseline);
        for (const auto& run : runs)
            if (row < 0 && model_key_of(run) == model_keys[model] && !run.baseline.empty())
                row = find_row(model, QString::fromStdString(run.baseline));
        for (int i = 0; row < 0 && i < g.rows_.size(); ++i)
            if (g.rows_[i].model_index == model) row = i;
        g.model_baseline_[model] = row;
    }
    for (int i = 0; i < g.rows_.size() && !reference.isEmpty(); ++i)
        if (g.rows_[i].label == reference) g.reference_row_ = i;
    return g;
}

int ResultsGrid::baseline_row_of(int row) const {
    if (row < 0 || row >= rows_.size()) return -1;
    if (reference_row_ >= 0) return reference_row_;
    return model_baseline_.value(rows_[row].model_index, -1);
}

const Metric* ResultsGrid::cell(int row, int col) const {
    if (row < 0 || row >= rows_.size() || col < 0 || col >= columns_.size()) return nullptr;
    const auto& c = cells_[row][col];
    return c ? &*c : nullptr;
}

const Metric* ResultsGrid::find(int row, std::string_view key, const QString& dataset) const {
    for (int c = 0; c < columns_.size(); ++c)
        if (columns_[c].key == key && (dataset.isEmpty() || columns_[c].dataset == dataset))
            if (const Metric* m = cell(row, c)) return m;
    return nullptr;
}

QStringList ResultsGrid::datasets_with(std::string_view key) const {
    QStringList out;
    for (int c = 0; c < columns_.size(); ++c) {
        if (columns_[c].key != key || out.contains(columns_[c].dataset)) continue;
        for (int r = 0; r < rows_.size(); ++r)
            if (cell(r, c)) {
                out << columns_[c].dataset;
                break;
            }
    }
    return out;
}

int ResultsGrid::column_of(std::string_view key, const QString& dataset, const QString& evaluator) const {
    for (int c = 0; c < columns_.size(); ++c) {
        const auto& col = columns_[c];
        if (col.key == key && col.dataset == dataset && (evaluator.isEmpty() || col.evaluator == evaluator)) return c;
    }
    return -1;
}

int ResultsGrid::accuracy_column(const QString& task) const {
    for (auto it = primary_.begin(); it != primary_.end(); ++it)
        if (it.key().second == task)
            if (const int c = column_of(it.value(), task, "task"); c >= 0) return c;  // the paired score
    for (const std::string_view key : kTaskScores)
        if (const int c = column_of(key, task, "task"); c >= 0) return c;
    return -1;
}

QStringList ResultsGrid::tasks() const {
    QStringList out;
    for (const auto& c : columns_)
        if (c.evaluator == "task" && is_task_score(c.key) && !out.contains(c.dataset))
            out << c.dataset;
    return out;
}

ResultComparison ResultsGrid::compare(int row, int col) const {
    ResultComparison r;
    const int base_row = baseline_row_of(row);
    const Metric* m = cell(row, col);
    const Metric* b = cell(base_row, col);
    if (!m || !b || row == base_row) return r;
    r.kind = delta_kind(m->key);
    if (r.kind == DeltaKind::None) return r;
    const MetricInfo* info = metric_info(m->key);
    const bool higher = info && info->better == Better::Higher;
    r.delta = m->value - b->value;
    if (b->value != 0) r.delta_pct = 100.0 * r.delta / b->value;
    if (r.kind == DeltaKind::Points && higher && b->value != 0) r.retention = 100.0 * m->value / b->value;
    r.loss = higher ? r.delta < 0 : r.delta > 0;
    // The run's paired interval (task jobs store acc_delta against the run's own baseline): only
    // valid for the score it was paired on, and when this row's baseline is the run's (then the
    // stored difference equals this one).
    const ResultColumn& column = columns_[col];
    const bool same_run = rows_[row].run_id == rows_[base_row].run_id;
    // A row stopped when decided (eval --until-decided) scored a random subset of the baseline's
    // chunks or items: its value against the baseline's all-item value is no difference, only the
    // paired one on that subset (which the run stored) is.
    const int decided_col = same_run ? column_of("decided_after", column.dataset, column.evaluator) : -1;
    const bool stopped = decided_col >= 0 && cell(row, decided_col);
    const bool primary = column.evaluator == "task" && primary_.value({row, column.dataset}) == column.key;
    const Metric* paired = primary && same_run ? find(row, "acc_delta", column.dataset) : nullptr;
    if (stopped && column.evaluator == "perplexity") {
        const int d_col = column_of("decision_delta", column.dataset, column.evaluator);
        const Metric* d = d_col >= 0 ? cell(row, d_col) : nullptr;
        if (!d || (m->key != "ppl" && m->key != "nll_mean")) return {};  // no paired figure for it: no Δ
        // d = -100 x (mean NLL - the baseline's) on the same chunks (lower perplexity positive).
        const double d_nll = -d->value / 100.0;
        r.delta_pct = 100.0 * std::expm1(d_nll);
        r.delta = m->key == "ppl" ? m->value - m->value / (1.0 + r.delta_pct / 100.0) : d_nll;
        r.loss = r.delta > 0;
        if (d->has_interval()) r.significant = d->ci_low > 0 || d->ci_high < 0;
        return r;
    }
    if (stopped && !paired) return {};  // a task score the run did not pair: its Δ would mix item sets
    if (stopped && paired) {
        r.delta = paired->value;
        r.retention = m->value - r.delta != 0 ? 100.0 * m->value / (m->value - r.delta) : NAN;
        r.loss = higher ? r.delta < 0 : r.delta > 0;
    }
    if (paired && paired->has_interval() && std::abs(paired->value - r.delta) < 1e-6 * std::max(1.0, std::abs(r.delta))) {
        r.ci_low = paired->ci_low;
        r.ci_high = paired->ci_high;
        r.significant = r.ci_low > 0 || r.ci_high < 0;
    } else if (m->has_stderr() && b->has_stderr()) {
        const double se = std::sqrt(m->stderr_ * m->stderr_ + b->stderr_ * b->stderr_);
        r.significant = se > 0 && std::abs(r.delta) > kZ95 * se;
    }
    return r;
}

}  // namespace qs::ui
