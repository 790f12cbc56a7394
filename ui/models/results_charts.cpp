#include "results_charts.h"

#include <algorithm>
#include <cmath>

#include "pareto.h"

namespace qs::ui {
namespace {

using charts::ChartPoint;
using charts::ChartSeries;
using charts::ChartSpec;
using charts::Marker;
using charts::SeriesKind;

const QColor kFrontierGrey(110, 110, 110);

// Distinct precisions in row order (the baseline's model first): the index of a precision's colour.
QStringList precision_order(const ResultsGrid& g) {
    QStringList out;
    for (const auto& r : g.rows())
        if (!out.contains(r.precision)) out << r.precision;
    return out;
}

// "m1 · wiki.test.raw · arc · measured on AMD EPYC (avx512, 2 threads) · 2026-12-01".
QString subtitle(const ChartInputs& in, const QStringList& datasets, bool with_machine) {
    QStringList parts;
    if (in.grid) parts << in.grid->models().join(" vs ");
    for (const QString& d : datasets)
        if (!d.isEmpty()) parts << d;
    QString date, machine;
    if (in.runs)
        for (const auto& run : *in.runs) {
            if (date.isEmpty() && run.started_at.size() >= 10) date = QString::fromStdString(run.started_at.substr(0, 10));
            if (machine.isEmpty()) machine = QString::fromStdString(run.machine);
        }
    if (with_machine && !machine.isEmpty()) parts << "measured on " + machine;
    if (!date.isEmpty()) parts << date;
    return parts.join(QString::fromUtf8(" · "));
}

ChartPoint point_of(const QString& label, double x, double x_se, double y, double y_se) {
    ChartPoint p;
    p.x = x;
    p.y = y;
    p.x_err = x_se;
    p.y_err = y_se;
    p.label = label;
    return p;
}

double se_of(const Metric& m) { return m.has_stderr() ? m.stderr_ : NAN; }

// A row's name on a chart: with several models the precision comes first ("Q8_0 · m1"), so that a
// legend or an axis that elides long names still shows it (the colour already says the model).
QString chart_name(const ResultsGrid& g, int r) {
    const ResultRow& row = g.rows()[r];
    return g.model_count() > 1 ? row.name + QString::fromUtf8(" · ") + row.model : row.label;
}

// A scatter chart: one series per row (a legend entry per precision, or per model x precision),
// and one dashed Pareto frontier per model.
void add_scatter_rows(ChartSpec& c, const ResultsGrid& g, const QVector<std::pair<int, ChartPoint>>& points,
                      bool lower_x_better, bool higher_y_better) {
    for (const auto& [row, p] : points) {
        const RowStyle st = precision_style(g, row);
        ChartSeries s{chart_name(g, row), SeriesKind::Scatter, {p}, st.color};
        // Beside the marker the precision is enough: the colour says the model, the legend both.
        if (g.model_count() > 1) s.points[0].label = g.rows()[row].name;
        s.marker = st.marker;
        c.series.push_back(s);
    }
    for (int model = 0; model < g.model_count(); ++model) {
        QVector<ChartPoint> pts;
        for (const auto& [row, p] : points)
            if (g.rows()[row].model_index == model) pts.push_back(p);
        if (pts.size() < 2) continue;
        ChartSeries frontier{g.model_count() > 1 ? "Pareto frontier (" + g.models()[model] + ")" : QString("Pareto frontier"),
                             SeriesKind::Line, charts::pareto_frontier(pts, lower_x_better, higher_y_better),
                             g.model_count() > 1 ? charts::palette_color(model) : kFrontierGrey,
                             true};
        for (auto& fp : frontier.points) fp.label.clear();  // the markers carry the labels
        if (frontier.points.size() >= 2) c.series.push_back(frontier);
    }
}

// One bar per row that has `key`, coloured as the row, with ± its standard error.
ChartSeries bar_series(const ResultsGrid& g, const QString& name, std::string_view key, double scale,
                       const QMap<QString, double>& fallback = {}) {
    ChartSeries s{name, SeriesKind::Bar};
    for (int r = 0; r < g.rows().size(); ++r) {
        const auto& row = g.rows()[r];
        ChartPoint p;
        p.label = chart_name(g, r);
        p.color = precision_style(g, r).color;
        if (const Metric* m = g.find(r, key)) {
            p.y = m->value * scale;
            p.y_err = m->has_stderr() ? m->stderr_ * scale : NAN;
        } else if (fallback.contains(row.precision)) {
            p.y = fallback[row.precision] * scale;
        } else {
            continue;
        }
        s.points.push_back(p);
    }
    return s;
}

// Whether the task's score is a generation task's (pass@1, exact match) rather than an accuracy.
bool is_generation_task(const ResultsGrid& g, const QString& task) {
    const int col = task.isEmpty() ? -1 : g.accuracy_column(task);
    return col >= 0 && is_generation_score(g.columns()[col].key);
}

ChartSpec speed_chart(const ChartInputs& in, const char* id, const QString& title, const char* key) {
    ChartSpec c{id, title, {"Precision"}, {"Tokens per second"}};
    c.empty_message = "needs speed (bench) jobs";
    c.subtitle = subtitle(in, {}, true);
    c.caption = title + " on the machine that ran the bench (llama-bench's method: mean of the repetitions); "
                        "error bars are ± 1 standard error of the mean. Higher is better. These speeds are this "
                        "machine's: another machine's speed must be measured there or imported.";
    auto s = bar_series(*in.grid, title, key, 1);
    if (!s.points.isEmpty()) c.series.push_back(s);
    return c;
}

}  // namespace

RowStyle precision_style(const ResultsGrid& g, int row) {
    static const Marker markers[] = {Marker::Circle, Marker::Square, Marker::Triangle, Marker::Diamond, Marker::Star, Marker::Pentagon};
    RowStyle st;
    if (row < 0 || row >= g.rows().size()) return st;
    const int precision = int(precision_order(g).indexOf(g.rows()[row].precision));
    if (g.model_count() > 1) {
        st.color = charts::palette_color(g.rows()[row].model_index);
        st.marker = markers[precision % 6];
    } else {
        st.color = charts::palette_color(precision);
    }
    return st;
}

QStringList chart_tasks(const ResultsGrid& grid) { return grid.tasks(); }

ChartSpec chart_ppl_vs_accuracy(const ChartInputs& in) {
    const ResultsGrid& g = *in.grid;
    const QString task = in.task.isEmpty() || !g.tasks().contains(in.task) ? g.tasks().value(0) : in.task;
    const QString text = g.datasets_with("ppl").value(0);
    const int acc_col = task.isEmpty() ? -1 : g.accuracy_column(task);
    const std::string key = acc_col >= 0 ? g.columns()[acc_col].key : std::string("acc");
    const bool generation = is_generation_score(key);  // pass@1 or exact match: named as such
    const QString score = generation ? generation_score_name(key) : acc_col >= 0 ? metric_label(key) : QString("Accuracy");
    ChartSpec c{"ppl_vs_accuracy", "Perplexity against " + (generation ? score : QString("accuracy")) + (task.isEmpty() ? QString() : " (" + task + ")"),
                {"Perplexity (" + (text.isEmpty() ? QString("text") : text) + ")"}, {score + " on " + task + " (%)"}};
    c.empty_message = "needs perplexity and a task accuracy (or a generation task's pass@1) for the same precision";
    c.subtitle = subtitle(in, {text, task}, false);
    c.caption = "Each point is a precision: perplexity on " + text + " (lower is better) against " + score.toLower() +
                " on " + task + " (higher is better); bars are ± 1 standard error. A dashed line, where drawn, is "
                "the Pareto frontier: the precisions that no other beats on both. A precision can keep its perplexity "
                "and still lose accuracy: read both.";
    if (acc_col < 0) return c;
    QVector<std::pair<int, ChartPoint>> points;
    for (int r = 0; r < g.rows().size(); ++r) {
        const Metric* ppl = g.find(r, "ppl", text);
        const Metric* acc = g.cell(r, acc_col);
        if (ppl && acc) points.push_back({r, point_of(g.rows()[r].label, ppl->value, se_of(*ppl), acc->value, se_of(*acc))});
    }
    add_scatter_rows(c, g, points, true, true);
    return c;
}

ChartSpec chart_kld_vs_bits(const ChartInputs& in) {
    const ResultsGrid& g = *in.grid;
    const QString text = g.datasets_with("kld_mean").value(0);
    ChartSpec c{"kld_vs_bits", "KL divergence against bits per weight", {"Bits per weight"},
                {"Mean KLD (nats, log scale)", true}};
    c.empty_message = "needs KL-divergence jobs";
    c.subtitle = subtitle(in, {text}, false);
    c.caption = "How far each precision's next-token distribution moves from the baseline's (mean KL divergence over "
                "the scored tokens of " + text + ", log scale; bars ± 1 standard error) against its size in bits "
                "per weight. Lower is better on both; the dashed line joins the precisions no other beats on both.";
    QVector<std::pair<int, ChartPoint>> points;
    for (int r = 0; r < g.rows().size(); ++r) {
        const Metric* kld = g.find(r, "kld_mean", text);
        if (!kld || kld->value <= 0) continue;  // the baseline against itself has none; log axes need > 0
        double bits = NAN;
        if (const Metric* b = g.find(r, "bits_per_weight")) bits = b->value;
        else if (in.bits_per_weight.contains(g.rows()[r].precision)) bits = in.bits_per_weight[g.rows()[r].precision];
        if (std::isnan(bits)) continue;
        // An error bar reaching below zero cannot be drawn on a log axis: cap it at the value.
        double se = se_of(*kld);
        if (!std::isnan(se)) se = std::min(se, 0.999 * kld->value);
        points.push_back({r, point_of(g.rows()[r].label, bits, NAN, kld->value, se)});
    }
    add_scatter_rows(c, g, points, true, false);
    return c;
}

ChartSpec chart_prompt_speed(const ChartInputs& in) { return speed_chart(in, "prompt_speed", "Prompt processing speed", "pp_tps"); }

ChartSpec chart_generation_speed(const ChartInputs& in) { return speed_chart(in, "generation_speed", "Generation speed", "tg_tps"); }

ChartSpec chart_ttft(const ChartInputs& in) {
    ChartSpec c{"ttft", "Time to first token", {"Precision"}, {"Milliseconds"}};
    c.empty_message = "needs speed (bench) jobs";
    c.subtitle = subtitle(in, {}, true);
    c.caption = "Time from a prompt of the bench's length to the first generated token, on the machine that ran the "
                "bench. Lower is better.";
    auto s = bar_series(*in.grid, "Time to first token", "ttft_ms", 1);
    if (!s.points.isEmpty()) c.series.push_back(s);
    return c;
}

ChartSpec chart_memory(const ChartInputs& in) {
    const ResultsGrid& g = *in.grid;
    ChartSpec c{"memory", "Memory", {"Precision"}, {"MiB"}};
    c.empty_message = "needs a loaded model or bench jobs";
    c.subtitle = subtitle(in, {}, false);
    c.caption = "What serving each precision needs: its weights, the KV cache of the bench's context and the "
                "runtime buffers (activations, logits), stacked. Estimated weights where no bench ran. Not the "
                "process's peak resident memory, which also counts the application and the original file.";
    const double mib = 1.0 / (1024.0 * 1024.0);
    const QColor colors[] = {QColor(0, 114, 178), QColor(230, 159, 0), QColor(0, 158, 115)};
    const char* keys[] = {"weight_bytes", "kv_bytes", "scratch_bytes"};
    const char* names[] = {"Weights", "KV cache", "Runtime buffers"};
    // Every stacked series has a point for every row that has weights, so the bars line up.
    QVector<int> rows;
    for (int r = 0; r < g.rows().size(); ++r)
        if (g.find(r, "weight_bytes") || in.memory_bytes.contains(g.rows()[r].precision)) rows.push_back(r);
    if (rows.isEmpty()) return c;
    for (int k = 0; k < 3; ++k) {
        ChartSeries s{names[k], SeriesKind::StackedBar, {}, colors[k]};
        bool any = false;
        for (int r : rows) {
            double v = 0;
            if (const Metric* m = g.find(r, keys[k])) v = m->value, any = true;
            else if (k == 0) v = in.memory_bytes.value(g.rows()[r].precision), any = true;
            s.points.push_back({0, v * mib, NAN, NAN, chart_name(g, r)});
        }
        if (any) c.series.push_back(s);
    }
    return c;
}

ChartSpec chart_cost(const ChartInputs& in) {
    const ResultsGrid& g = *in.grid;
    ChartSpec c{"cost", "Cost per million generated tokens", {"Precision / API"}, {"USD per Mtok"}};
    c.empty_message = "needs generation throughput for the chosen hardware (bench jobs on this machine, an imported bench "
                      "file or an estimate) and its price";
    c.subtitle = subtitle(in, {}, false) + (in.cost_note.isEmpty() ? QString() : QString::fromUtf8(" · ") + in.cost_note);
    c.caption = "Self-hosted cost per million generated tokens = price per hour / (3600 × generation tokens/s) for each "
                "precision, beside API list prices per million output tokens. " + in.cost_note + ". Lower is better.";
    ChartSeries bars{"USD per Mtok", SeriesKind::Bar};
    for (int r = 0; r < g.rows().size(); ++r) {
        const QString& label = g.rows()[r].label;
        if (!in.cost_per_mtok.contains(label)) continue;
        ChartPoint p{0, in.cost_per_mtok[label], NAN, NAN, chart_name(g, r), precision_style(g, r).color};
        bars.points.push_back(p);
    }
    if (bars.points.isEmpty()) return c;
    double lo = INFINITY, hi = 0;
    for (const auto& p : bars.points) lo = std::min(lo, p.y), hi = std::max(hi, p.y);
    for (const auto& [name, price] : in.api_prices) {
        bars.points.push_back({0, price, NAN, NAN, name, QColor(160, 160, 160)});
        if (price > 0) lo = std::min(lo, price), hi = std::max(hi, price);
    }
    // API prices can be 100x a small model's self-hosted cost: a linear axis would flatten the bars
    // the chart exists to compare.
    if (lo > 0 && hi / lo > 20) {
        c.y.log = true;
        c.y.title = "USD per Mtok (log scale)";
    }
    c.series.push_back(bars);
    return c;
}

ChartSpec chart_reliability(const ChartInputs& in) {
    const ResultsGrid& g = *in.grid;
    const QString task = in.task.isEmpty() || !g.tasks().contains(in.task) ? g.tasks().value(0) : in.task;
    ChartSpec c{"reliability", "Reliability diagram" + (task.isEmpty() ? QString() : " (" + task + ")"),
                {"Confidence (%)", false, 0, 100}, {"Accuracy (%)", false, 0, 100}};
    // A generation task's items are checked, not scored by likelihood: no confidence to calibrate.
    c.empty_message = is_generation_task(g, task) ? "generation tasks have no confidence to calibrate"
                                                   : "needs multiple-choice task jobs";
    c.subtitle = subtitle(in, {task}, false);
    c.caption = "Calibration on " + task + ": items binned by the model's confidence in its answer (15 equal-width "
                "bins), each bin's accuracy against its mean confidence. On the diagonal a precision is as sure as it "
                "is right; below it, overconfident.";
    if (!in.runs || task.isEmpty()) return c;
    for (const auto& run : *in.runs)
        for (const auto& job : run.jobs) {
            if (job.calibration.empty() || QString::fromStdString(job.dataset) != task) continue;
            // The row this job belongs to (labels carry the model/run when several are shown).
            int row = -1;
            for (int r = 0; r < g.rows().size() && row < 0; ++r)
                if (g.rows()[r].run_id == run.id && g.rows()[r].precision == QString::fromStdString(job.precision)) row = r;
            if (row < 0) continue;
            const RowStyle st = precision_style(g, row);
            ChartSeries s{chart_name(g, row), SeriesKind::Line, {}, st.color};
            for (const auto& b : job.calibration)
                if (b.count > 0) s.points.push_back({100 * b.mean_confidence, 100 * b.accuracy, NAN, NAN, {}});
            if (!s.points.isEmpty()) c.series.push_back(s);
        }
    if (c.series.isEmpty()) return c;
    c.series.push_back({"Perfect calibration", SeriesKind::Line, {{0, 0}, {100, 100}}, QColor(150, 150, 150), true});
    return c;
}

QVector<ChartSpec> all_charts(const ChartInputs& in) {
    return {chart_ppl_vs_accuracy(in), chart_kld_vs_bits(in), chart_prompt_speed(in), chart_generation_speed(in),
            chart_ttft(in),            chart_memory(in),      chart_cost(in),         chart_reliability(in)};
}

}  // namespace qs::ui
