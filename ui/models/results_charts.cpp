#include "results_charts.h"

#include <algorithm>

#include "cost/cost_model.h"

#include "pareto.h"

namespace qs::ui {
namespace {

using charts::ChartPoint;
using charts::ChartSeries;
using charts::ChartSpec;
using charts::SeriesKind;

ChartPoint point_of(const QString& label, const Metric& x, const Metric& y) {
    ChartPoint p;
    p.x = x.value;
    p.y = y.value;
    p.x_err = x.has_stderr() ? x.stderr_ : NAN;
    p.y_err = y.has_stderr() ? y.stderr_ : NAN;
    p.label = label;
    return p;
}

const Metric* first_of(const ResultsGrid& g, int row, std::initializer_list<std::string_view> keys) {
    for (auto k : keys)
        if (const Metric* m = g.find(row, k)) return m;
    return nullptr;
}

// One bar series: a bar per row that has `key` (or a fallback value).
ChartSeries bar_series(const ResultsGrid& g, const QString& name, std::string_view key, double scale,
                       const QMap<QString, double>& fallback = {}) {
    ChartSeries s{name, SeriesKind::Bar};
    for (int r = 0; r < g.rows().size(); ++r) {
        const auto& row = g.rows()[r];
        if (const Metric* m = g.find(r, key)) s.points.push_back({0, m->value * scale, NAN, NAN, row.label});
        else if (fallback.contains(row.precision)) s.points.push_back({0, fallback[row.precision] * scale, NAN, NAN, row.label});
    }
    return s;
}

// The column each task is judged by, in the order the tasks appear: lm-eval's acc_norm or acc for
// log-likelihood tasks, pass@1 for code, exact match (GSM8K's strict-match) for answers.
QVector<QPair<int, std::string>> task_accuracy_columns(const ResultsGrid& g) {
    static const std::string_view keys[] = {"acc_norm", "acc", "pass_at_1", "exact_match"};
    QVector<QPair<int, std::string>> out;
    QStringList seen;
    for (const ResultColumn& column : g.columns()) {
        if (column.dataset.isEmpty() || seen.contains(column.dataset)) continue;
        for (const std::string_view key : keys) {
            const auto it = std::find_if(g.columns().begin(), g.columns().end(), [&](const ResultColumn& c) {
                return c.dataset == column.dataset && c.key == key;
            });
            if (it == g.columns().end()) continue;
            out.push_back({int(it - g.columns().begin()), std::string(key)});
            seen.push_back(column.dataset);
            break;
        }
    }
    return out;
}

}  // namespace


ChartSpec chart_ppl_vs_accuracy(const ChartInputs& in) {
    ChartSpec c{"ppl_vs_accuracy", "Perplexity against accuracy", {"Perplexity"}, {"Accuracy / pass@1 (%)"}};
    c.empty_message = "needs perplexity and a task accuracy for the same precision";
    const ResultsGrid& g = *in.grid;
    // One series per task: perplexity can hold while pass@1 falls, and a single series would hide
    // which task moved.
    for (const auto& [col, key] : task_accuracy_columns(g)) {
        ChartSeries s{g.columns()[col].dataset + " (" + QString::fromStdString(key) + ")", SeriesKind::Scatter};
        for (int r = 0; r < g.rows().size(); ++r) {
            const Metric* ppl = g.find(r, "ppl");
            const Metric* acc = g.cell(r, col);
            if (ppl && acc) s.points.push_back(point_of(g.rows()[r].label, *ppl, *acc));
        }
        if (!s.points.isEmpty()) c.series.push_back(s);
    }
    if (c.series.size() == 1) {
        c.series.front().name = "Precisions";
        c.series.push_back({"Pareto frontier", SeriesKind::Line, charts::pareto_frontier(c.series.front().points, true, true),
                            QColor(120, 120, 120), true});
    }
    return c;
}

ChartSpec chart_kld_vs_bits(const ChartInputs& in) {
    ChartSpec c{"kld_vs_bits", "KL divergence against bits per weight", {"Bits per weight"}, {"Mean KL divergence (nats)"}};
    c.empty_message = "needs KL-divergence jobs";
    const ResultsGrid& g = *in.grid;
    ChartSeries s{"Precisions", SeriesKind::Scatter};
    for (int r = 0; r < g.rows().size(); ++r) {
        const Metric* kld = g.find(r, "kld_mean");
        if (!kld) continue;
        Metric bits;
        if (const Metric* b = g.find(r, "bits_per_weight")) bits = *b;
        else if (in.bits_per_weight.contains(g.rows()[r].precision)) bits.value = in.bits_per_weight[g.rows()[r].precision];
        else continue;
        s.points.push_back(point_of(g.rows()[r].label, bits, *kld));
    }
    if (s.points.isEmpty()) return c;
    c.series.push_back(s);
    c.series.push_back({"Pareto frontier", SeriesKind::Line, charts::pareto_frontier(s.points, true, false), QColor(120, 120, 120), true});
    return c;
}

ChartSpec chart_throughput(const ChartInputs& in) {
    ChartSpec c{"throughput", "Throughput", {"Precision"}, {"Tokens per second"}};
    c.empty_message = "needs speed (bench) jobs";
    for (auto s : {bar_series(*in.grid, "Prompt processing", "pp_tps", 1), bar_series(*in.grid, "Generation", "tg_tps", 1)})
        if (!s.points.isEmpty()) c.series.push_back(s);
    return c;
}

ChartSpec chart_ttft(const ChartInputs& in) {
    ChartSpec c{"ttft", "Time to first token", {"Precision"}, {"Milliseconds"}};
    c.empty_message = "needs speed (bench) jobs";
    auto s = bar_series(*in.grid, "Time to first token", "ttft_ms", 1);
    if (!s.points.isEmpty()) c.series.push_back(s);
    return c;
}

ChartSpec chart_memory(const ChartInputs& in) {
    ChartSpec c{"memory", "Memory", {"Precision"}, {"MiB"}};
    c.empty_message = "needs a loaded model or bench jobs";
    const double mib = 1.0 / (1024.0 * 1024.0);
    auto measured = bar_series(*in.grid, "Peak resident memory", "peak_rss_bytes", mib);
    if (!measured.points.isEmpty()) c.series.push_back(measured);
    auto weights = bar_series(*in.grid, measured.points.isEmpty() ? "Estimated memory" : "Weights", "weight_bytes", mib, in.memory_bytes);
    if (!weights.points.isEmpty()) c.series.push_back(weights);
    return c;
}

ChartSpec chart_cost(const ChartInputs& in) {
    ChartSpec c{"cost", "Cost per million generated tokens", {"Precision / API"}, {"USD per Mtok"}};
    c.empty_message = "needs generation throughput (bench jobs) and a hardware price";
    const ResultsGrid& g = *in.grid;
    ChartSeries self{"Self-hosted", SeriesKind::Bar};
    ChartSeries api{"API", SeriesKind::Bar};
    for (int r = 0; r < g.rows().size(); ++r) {
        double usd = NAN;
        if (const Metric* m = g.find(r, "cost_per_mtok")) usd = m->value;
        else if (const Metric* tg = g.find(r, "tg_tps")) usd = tg->value > 0 && in.hardware_price_per_hour >= 0 ? qs::cost_per_mtok(tg->value, in.hardware_price_per_hour) : NAN;
        if (!std::isnan(usd)) {
            self.points.push_back({0, usd, NAN, NAN, g.rows()[r].label});
            api.points.push_back({0, 0, NAN, NAN, g.rows()[r].label});
        }
    }
    if (self.points.isEmpty()) return c;
    // Bar sets share categories: each API gets its own category with a zero self-hosted bar.
    for (const auto& [name, price] : in.api_prices) {
        self.points.push_back({0, 0, NAN, NAN, name});
        api.points.push_back({0, price, NAN, NAN, name});
    }
    c.series = {self, api};
    return c;
}

ChartSpec chart_reliability(const ChartInputs& in) {
    ChartSpec c{"reliability", "Reliability diagram", {"Confidence (%)", false, 0, 100}, {"Accuracy (%)", false, 0, 100}};
    c.empty_message = "needs multiple-choice task jobs (generation tasks have no confidence to calibrate)";
    if (!in.runs) return c;
    QString dataset;
    for (const auto& run : *in.runs)
        for (const auto& job : run.jobs) {
            if (job.calibration.empty()) continue;
            const QString d = QString::fromStdString(job.dataset);
            if (dataset.isEmpty()) dataset = d;
            if (d != dataset) continue;  // one dataset per diagram: bins of different tasks do not mix
            ChartSeries s{QString::fromStdString(precision_label(job)), SeriesKind::Line};
            for (const auto& b : job.calibration)
                if (b.count > 0) s.points.push_back({100 * b.mean_confidence, 100 * b.accuracy, NAN, NAN, {}});
            if (!s.points.isEmpty()) c.series.push_back(s);
        }
    if (c.series.isEmpty()) return c;
    c.title += " (" + dataset + ")";
    c.series.push_back({"Perfect calibration", SeriesKind::Line, {{0, 0}, {100, 100}}, QColor(150, 150, 150), true});
    return c;
}

QVector<ChartSpec> all_charts(const ChartInputs& in) {
    return {chart_ppl_vs_accuracy(in), chart_kld_vs_bits(in), chart_throughput(in), chart_ttft(in),
            chart_memory(in),         chart_cost(in),        chart_reliability(in)};
}

}  // namespace qs::ui
