#include "results_summary.h"

#include <cmath>
#include <functional>
#include <optional>

namespace qs::ui {

QMap<QString, double> cost_by_row(const ResultsGrid& grid, int64_t run_id, const QMap<QString, double>& cost_by_precision) {
    QMap<QString, double> out;
    for (const ResultRow& row : grid.rows())
        if (row.run_id == run_id && cost_by_precision.contains(row.precision)) out[row.label] = cost_by_precision[row.precision];
    return out;
}
namespace {

using Kind = SummaryColumn::Kind;

bool any_row_has(const ResultsGrid& g, int col) {
    for (int r = 0; r < g.rows().size(); ++r)
        if (g.cell(r, col)) return true;
    return false;
}

SummaryCell metric_cell(const Metric& m, int min_significant = 4) {
    SummaryCell cell;
    cell.text = m.has_stderr() ? value_pm_text(m.value, m.stderr_, min_significant) : number_text(m.value, NAN, min_significant);
    cell.sort = m.value;
    return cell;
}

}  // namespace

QString SummaryColumn::group() const {
    switch (kind) {
    case Kind::Bits:
    case Kind::Size: return "Size";
    case Kind::PromptSpeed:
    case Kind::GenSpeed: return "Speed";
    case Kind::Cost: return "Cost";
    default: return dataset;
    }
}

QString ResultsSummary::row_title(int row) const {
    const QString& label = grid_.rows()[row].label;
    if (!grid_.is_compared_baseline(row)) return label;
    return label + (grid_.cross_model_reference() ? " (reference)" : " (baseline)");
}

QString ResultsSummary::header(int col) const {
    const SummaryColumn& c = columns_[col];
    if (c.dataset.isEmpty()) return c.title;
    int same = 0;
    QStringList datasets;
    for (const auto& o : columns_)
        if (o.kind == c.kind && !datasets.contains(o.dataset)) datasets << o.dataset, ++same;
    return same > 1 ? c.title + "\n" + c.dataset : c.title;
}

QString ResultsSummary::caption() const {
    QStringList texts, tasks;
    for (const auto& c : columns_) {
        if ((c.kind == Kind::Ppl || c.kind == Kind::Kld) && !texts.contains(c.dataset)) texts << c.dataset;
        if (c.kind == Kind::Acc && !tasks.contains(c.dataset)) tasks << c.dataset;
    }
    QStringList parts;
    if (!texts.isEmpty()) parts << "Perplexity and KLD on " + texts.join(", ");
    QStringList task_parts;
    for (const QString& t : tasks) {
        double items = NAN;
        for (int r = 0; r < grid_.rows().size() && std::isnan(items); ++r)
            if (const Metric* m = grid_.find(r, "items", t)) items = m->value;
        task_parts << (std::isnan(items) ? t : QString("%1 (%2 items)").arg(t).arg(items, 0, 'f', 0));
    }
    if (!task_parts.isEmpty()) parts << "accuracy on " + task_parts.join(", ");
    if (parts.isEmpty()) return {};
    QString s = parts.join("; ") + ".";
    s = s.left(1).toUpper() + s.mid(1);
    // eval --until-decided: say which rows stopped early, and that their differences are paired.
    QStringList stopped;
    for (int r = 0; r < grid_.rows().size(); ++r) {
        QStringList counts;
        for (const QString& d : grid_.datasets_with("decided_after"))
            if (const Metric* m = grid_.find(r, "decided_after", d))
                counts << QString("%1 %2").arg(m->value, 0, 'f', 0).arg(tasks.contains(d) ? "items" : "chunks");
        if (!counts.isEmpty()) stopped << grid_.rows()[r].label + " after " + counts.join(" / ");
    }
    if (!stopped.isEmpty())
        s += " Stopped when decided (differences paired on what each scored): " + stopped.join(", ") + ".";
    return s;
}

ResultsSummary ResultsSummary::build(const ResultsGrid& grid, const SummaryExtras& extras) {
    ResultsSummary s;
    s.grid_ = grid;
    const ResultsGrid& g = s.grid_;
    const int rows = int(g.rows().size());

    // Each column: its header and a function from row to cell.
    struct Builder {
        SummaryColumn column;
        std::function<SummaryCell(int)> cell;
    };
    std::vector<Builder> builders;

    // Size: measured by bench where it ran, else the recipe's estimate.
    auto estimate_or = [&](int r, std::string_view key, const QMap<QString, double>& estimates) -> std::optional<double> {
        if (const Metric* m = g.find(r, key)) return m->value;
        if (estimates.contains(g.rows()[r].precision)) return estimates[g.rows()[r].precision];
        return std::nullopt;
    };
    auto any_estimate = [&](std::string_view key, const QMap<QString, double>& estimates) {
        for (int r = 0; r < rows; ++r)
            if (estimate_or(r, key, estimates)) return true;
        return false;
    };
    if (any_estimate("bits_per_weight", extras.bits_per_weight))
        builders.push_back({{Kind::Bits, "Bits/weight", {}, "bits per weight of the tensors used"}, [&](int r) {
                                SummaryCell c;
                                if (auto v = estimate_or(r, "bits_per_weight", extras.bits_per_weight)) {
                                    c.text = QString::number(*v, 'f', 2);
                                    c.sort = *v;
                                }
                                return c;
                            }});
    if (any_estimate("weight_bytes", extras.weight_bytes))
        builders.push_back({{Kind::Size, "Size", {}, "weight bytes"}, [&](int r) {
                                SummaryCell c;
                                if (auto v = estimate_or(r, "weight_bytes", extras.weight_bytes)) {
                                    c.text = bytes_text(*v);
                                    c.sort = *v;
                                }
                                return c;
                            }});

    // Perplexity per text, with its change in % of the baseline's.
    for (const QString& text : g.datasets_with("ppl")) {
        const int col = g.column_of("ppl", text, "perplexity") >= 0 ? g.column_of("ppl", text, "perplexity") : g.column_of("ppl", text);
        if (col < 0 || !any_row_has(g, col)) continue;
        builders.push_back({{Kind::Ppl, "PPL", text, "perplexity ± standard error"}, [&, col](int r) {
                                const Metric* m = g.cell(r, col);
                                return m ? metric_cell(*m) : SummaryCell{};
                            }});
        builders.push_back({{Kind::PplDelta, QString::fromUtf8("Δ PPL"), text, "change against the baseline, % of its perplexity"},
                            [&, col](int r) {
                                SummaryCell c;
                                const ResultComparison cmp = g.compare(r, col);
                                if (std::isnan(cmp.delta_pct)) return c;
                                c.text = percent_change_text(cmp.delta_pct);
                                c.sort = cmp.delta_pct;
                                c.significant_loss = cmp.significant && cmp.loss;
                                c.tooltip = c.significant_loss ? "larger than 1.96 standard errors of the difference" : QString();
                                return c;
                            }});
    }
    // Mean KL divergence against the baseline: already a comparison, no Δ.
    for (const QString& text : g.datasets_with("kld_mean")) {
        const int col = g.column_of("kld_mean", text);
        builders.push_back({{Kind::Kld, "KLD", text, "mean KL divergence from the baseline, nats"}, [&, col](int r) {
                                const Metric* m = g.cell(r, col);
                                return m ? metric_cell(*m, 3) : SummaryCell{};
                            }});
    }
    // Accuracy per task with the paired difference in points and its interval.
    for (const QString& task : g.tasks()) {
        const int col = g.accuracy_column(task);
        if (col < 0) continue;
        // A generation task's score says what it is: pass@1 or exact match, not an accuracy.
        const std::string& key = g.columns()[col].key;
        const QString score = is_generation_score(key) ? generation_score_name(key) : "Acc";
        builders.push_back({{Kind::Acc, score + " %", task, metric_label(key).toLower() + " ± standard error"},
                            [&, col](int r) {
                                const Metric* m = g.cell(r, col);
                                return m ? metric_cell(*m, 3) : SummaryCell{};
                            }});
        builders.push_back({{Kind::AccDelta, QString::fromUtf8("Δ ") + (score == "Acc" ? QString("acc") : score) + " (95 % CI)", task,
                             "change against the baseline in percentage points; interval from the paired bootstrap"},
                            [&, col](int r) {
                                SummaryCell c;
                                const ResultComparison cmp = g.compare(r, col);
                                if (std::isnan(cmp.delta)) return c;
                                c.text = points_text(cmp.delta);
                                if (!std::isnan(cmp.ci_low))  // "+0.8 [−1.7, +4.2] pp": the unit once
                                    c.text = c.text.chopped(3) + " " + points_interval_text(cmp.ci_low, cmp.ci_high);
                                c.sort = cmp.delta;
                                c.significant_loss = cmp.significant && cmp.loss;
                                if (c.significant_loss) c.tooltip = "the 95 % interval of the difference lies below 0";
                                return c;
                            }});
    }
    // Speed measured by bench on this machine.
    auto speed = [&](Kind kind, const char* key, const char* title) {
        const int col = g.column_of(key, QString(), "bench");
        if (col < 0 || !any_row_has(g, col)) return;
        builders.push_back({{kind, title, {}, "tokens/s on the machine that ran the bench, ± sd"}, [&, col](int r) {
                                const Metric* m = g.cell(r, col);
                                return m ? metric_cell(*m, 3) : SummaryCell{};
                            }});
    };
    speed(Kind::PromptSpeed, "pp_tps", "Prompt tok/s");
    speed(Kind::GenSpeed, "tg_tps", "Gen tok/s");
    if (!extras.cost_note.isEmpty() && !extras.cost_per_mtok.isEmpty())
        builders.push_back({{Kind::Cost, "$/Mtok", {}, extras.cost_note}, [&](int r) {
                                SummaryCell c;
                                const QString& label = g.rows()[r].label;
                                if (!extras.cost_per_mtok.contains(label)) return c;
                                c.sort = extras.cost_per_mtok[label];
                                c.text = usd_text(c.sort);
                                return c;
                            }});

    for (const auto& b : builders) s.columns_.push_back(b.column);
    s.cells_.assign(size_t(rows), std::vector<SummaryCell>(builders.size()));
    for (int r = 0; r < rows; ++r)
        for (size_t c = 0; c < builders.size(); ++c) s.cells_[size_t(r)][c] = builders[c].cell(r);
    return s;
}

}  // namespace qs::ui
