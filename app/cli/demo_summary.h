// The demo's headline figures: one row per precision gathered from the run's jobs (perplexity,
// KLD against the baseline, task accuracy and calibration, speed) plus what generating a million
// tokens costs on the chosen hardware. No Qt: printed by `quantscope-cli demo` in every build and
// written as summary.md, the table the README quotes.
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cost/cost_model.h"
#include "cost/price_table.h"
#include "cost/profile_speeds.h"
#include "cost/run_recommendation.h"
#include "eval/decision.h"
#include "store/run_record.h"

namespace qs::cli {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Figures of one precision (NaN where the run has no such job or it failed).
struct DemoFigures {
    std::string precision;
    double ppl = kNaN, ppl_se = kNaN;
    double kld = kNaN, kld_se = kNaN;        // mean KL divergence against the baseline, nats
    double acc = kNaN, acc_se = kNaN;        // task accuracy, % (0..100): the task's primary score, which
                                             // calibration and retention also use
    double acc_norm = kNaN, acc_norm_se = kNaN;  // length-normalised accuracy, % (the charts plot it when present)
    double ece = kNaN;                       // expected calibration error, %
    double retention = kNaN;                 // accuracy retention against the baseline, %
    double pp_tps = kNaN, tg_tps = kNaN;     // bench throughput, tokens/s
    double bits_per_weight = kNaN;
    double cost_per_mtok = kNaN;             // USD per million generated tokens
};

// Rows in the run's precision order (first appearance in the plan).
std::vector<DemoFigures> demo_figures(const RunRecord& run);

// Adds cost_per_mtok (and cost_per_mtok_prompt) at `usd_per_hour` to every finished bench job that
// measured a generation throughput; returns the indexes (in run.jobs) of the jobs it changed.
std::vector<size_t> demo_add_cost_metrics(RunRecord& run, double usd_per_hour);

// What the demo recommends and what it costs on the hardware profile `hw`: the profile's speeds
// (this machine's measured ones only when `hw` is this machine, else its roofline estimate;
// cost/profile_speeds.h), their costs, and the recommendation rule's answer (eval/decision.h: the
// cheapest precision whose paired accuracy interval clears the margin; min_retention_pct, when not
// NaN, is an extra requirement, never enough alone).
struct DemoVerdict : RunVerdict {
    std::string text;  // the paragraph summary.md and the console show
};
DemoVerdict demo_recommendation(const RunRecord& run, const HardwarePrice& hw, const RooflineParams& roofline, double margin_pp,
                                double min_retention_pct);

// The figure table as GitHub Markdown ("| precision | PPL | ... |"); the cost column comes from
// `verdict.costs` and its heading names the profile, its price and where the speed came from.
std::string demo_figures_markdown(const std::vector<DemoFigures>& rows, const HardwarePrice& hw, const DemoVerdict& verdict);

}  // namespace qs::cli
