#include "demo_summary.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "cost/run_recommendation.h"

namespace qs::cli {
namespace {

// value and standard error of `key` in a finished job, or leaves them NaN.
void take(const JobRecord& job, const char* key, double& value, double* se = nullptr) {
    const Metric* m = metric_find(job.metrics, key);
    if (!m) return;
    value = m->value;
    if (se) *se = m->stderr_;
}

DemoFigures& row_of(std::vector<DemoFigures>& rows, const std::string& precision) {
    for (DemoFigures& r : rows)
        if (r.precision == precision) return r;
    rows.push_back({});
    rows.back().precision = precision;
    return rows.back();
}

// Rounded to `decimals`, without the "-0.0000" a value a hair below zero (F16's KLD) would print.
std::string num(double v, int decimals) {
    if (std::isnan(v)) return "—";
    if (std::fabs(v) < 0.5 * std::pow(10.0, -decimals)) v = 0;
    return fmt::format("{:.{}f}", v, decimals);
}
// Three significant digits: KL divergences span 1e-7 (F16) to 1e-2 (Q2_K).
std::string sig3(double v) { return std::isnan(v) ? "—" : fmt::format("{:.3g}", v); }
std::string with_se(double v, double se, int decimals) {
    if (std::isnan(v)) return "—";
    return std::isnan(se) ? num(v, decimals) : num(v, decimals) + " ± " + num(se, decimals);
}

}  // namespace

std::vector<DemoFigures> demo_figures(const RunRecord& run) {
    std::vector<DemoFigures> rows;
    for (const JobRecord& j : run.jobs) {
        DemoFigures& r = row_of(rows, j.precision);
        if (j.status != JobStatus::Done) continue;
        switch (j.evaluator) {
            case EvaluatorKind::Perplexity: take(j, "ppl", r.ppl, &r.ppl_se); break;
            case EvaluatorKind::Kld:
                take(j, "kld_mean", r.kld, &r.kld_se);
                if (std::isnan(r.ppl)) take(j, "ppl", r.ppl, &r.ppl_se);  // a KLD job measures PPL too
                break;
            case EvaluatorKind::Task:
                take(j, "acc", r.acc, &r.acc_se);
                take(j, "acc_norm", r.acc_norm, &r.acc_norm_se);
                take(j, "ece", r.ece);
                take(j, "retention", r.retention);
                break;
            case EvaluatorKind::Bench:
                take(j, "pp_tps", r.pp_tps);
                take(j, "tg_tps", r.tg_tps);
                take(j, "bits_per_weight", r.bits_per_weight);
                take(j, "cost_per_mtok", r.cost_per_mtok);
                break;
        }
    }
    return rows;
}

std::vector<size_t> demo_add_cost_metrics(RunRecord& run, double usd_per_hour) {
    std::vector<size_t> changed;
    for (size_t i = 0; i < run.jobs.size(); ++i) {
        JobRecord& j = run.jobs[i];
        if (j.evaluator != EvaluatorKind::Bench || j.status != JobStatus::Done) continue;
        const Metric* tg = metric_find(j.metrics, "tg_tps");
        const Metric* pp = metric_find(j.metrics, "pp_tps");
        if (!tg || !(tg->value > 0) || metric_find(j.metrics, "cost_per_mtok")) continue;
        PrecisionCost cost;
        cost.precision = j.precision;
        cost.cost_per_mtok_gen = cost_per_mtok(tg->value, usd_per_hour);
        const bool has_pp = pp && pp->value > 0;
        if (has_pp) cost.cost_per_mtok_prompt = cost_per_mtok(pp->value, usd_per_hour);
        for (const Metric& m : cost_metrics(cost, has_pp)) j.metrics.push_back(m);
        changed.push_back(i);
    }
    return changed;
}

DemoVerdict demo_recommendation(const RunRecord& run, const HardwarePrice& hw, const RooflineParams& roofline, double margin_pp,
                                double min_retention_pct) {
    DecisionOptions o;
    o.margin_pp = margin_pp;
    o.min_retention_pct = min_retention_pct;
    DemoVerdict v{run_verdict(run, &hw, roofline, o), {}};
    v.text = v.by_size ? fmt::format("{}.\n\nRanked by size (bits per weight): no cost figures for {}: {}.\n", decision_summary(v.decision),
                                      hw.name, v.speeds.why)
                        : fmt::format("{}.\n\nCosts on {} (${}/h) use speeds {}.\n", decision_summary(v.decision), hw.name, hw.usd_per_hour,
                                      v.speeds.why);
    return v;
}

std::string demo_figures_markdown(const std::vector<DemoFigures>& input_rows, const HardwarePrice& hw, const DemoVerdict& verdict) {
    std::vector<DemoFigures> rows = input_rows;
    for (DemoFigures& r : rows) {
        r.cost_per_mtok = kNaN;
        for (const PrecisionCost& c : verdict.costs)
            if (c.precision == r.precision) r.cost_per_mtok = c.cost_per_mtok_gen;
    }
    const std::string source = verdict.speeds.ok ? speed_source_name(verdict.speeds.source) : "no speed";
    std::string t = fmt::format("| precision | bits/weight | PPL | KLD (nats) | acc (%) | acc_norm (%) | ECE (%) | prompt tok/s (this machine) | gen tok/s (this machine) | USD per Mtok ({}, ${}/h, {}) |\n",
                                hw.name, hw.usd_per_hour, source);
    t += "|---|---|---|---|---|---|---|---|---|---|\n";
    for (const DemoFigures& r : rows)
        t += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", r.precision, num(r.bits_per_weight, 2),
                         with_se(r.ppl, r.ppl_se, 2), std::isnan(r.kld) ? sig3(r.kld) : sig3(r.kld) + " ± " + sig3(r.kld_se), with_se(r.acc, r.acc_se, 1),
                         with_se(r.acc_norm, r.acc_norm_se, 1), num(r.ece, 1), num(r.pp_tps, 0), num(r.tg_tps, 0), num(r.cost_per_mtok, 4));
    return t;
}

}  // namespace qs::cli
