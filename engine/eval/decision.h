// Which precision to recommend, and only when the data support it. THE one place this rule lives:
// `quantscope-cli cost`, the demo's summary, the ROI page and the report all call decide_precision()
// (engine/cost/run_recommendation.h gathers its inputs from a stored run).
//
// The rule (non-inferiority against the baseline precision):
//   - Accuracy, for every task the candidate and the baseline scored on the same items: let
//     [lo, hi] be the paired-bootstrap interval of Δacc = candidate - baseline in percentage points
//     (comparison.h: seeded, two-sided, 95 %), widened to Bonett and Price's adjusted Wald interval
//     for paired proportions when that one is wider: with b and c the discordant counts,
//     p1 = (b+1)/(n+2), p2 = (c+1)/(n+2), Δ' = p2 - p1, se = sqrt((p1 + p2 - Δ'^2)/(n+2)), Δ' ± z se
//     (Bonett & Price 2012). The bootstrap collapses to [0, 0] when no item changed, which would
//     claim certainty 300 identical answers cannot give (a 1 % change rate is still plausible);
//     the adjusted interval does not. With the user's margin M > 0 (points):
//         lo > -M   -> non-inferior on that task (the loss, if any, is smaller than M)
//         hi < -M   -> inferior (the loss is larger than M)
//         otherwise -> undecided (the interval straddles -M)
//   - Perplexity/KLD-only runs (no accuracy comparison), or in addition when a threshold is given:
//     mean KLD (nats) and PPL(Q)/PPL(base) with their standard errors give z-intervals at the same
//     level; non-inferior when the upper bound is below the stated threshold, inferior when the
//     lower bound is above it, undecided otherwise.
//   - Optional point-estimate requirement (`cost --min-retention`, kept as a contract): a candidate
//     whose accuracy retention is below it cannot be picked. Retention alone never makes a pick.
//   - A candidate's verdict: inferior if any criterion is inferior (or below the retention), else
//     non-inferior if every criterion is, else undecided; "no evidence" when nothing applies.
//   - The pick: the cheapest candidate (lowest `price`, strictly cheaper than the baseline when the
//     baseline's price is known) whose verdict is non-inferior. When there is none: if every cheaper
//     candidate is inferior, the baseline itself is the (decided) pick; otherwise nothing is picked
//     and the reason names what is missing.
//
// Items needed (the power estimate for an undecided accuracy comparison): with n paired items, b
// discordant items the baseline got right and c the candidate got right, and the adjusted rates
// p1 = (b+1)/(n+2), p2 = (c+1)/(n+2) (as the interval above), the per-item difference has variance
// s2 = p1 + p2 - d^2 with d = p2 - p1. Planning for a true difference of min(d, 0) (no credit for
// an observed gain), the one-sided test at the interval's level (z_a = 1.96 for 95 %) with power
// 80 % (z_b = 0.8416) needs n* = (z_a + z_b)^2 s2 / (min(d,0) + M)^2 items; "needs about n* - n
// more items". When min(d,0) <= -M no number of items is expected to show non-inferiority
// (items_needed = -1).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "eval/statistics.h"

namespace qs {

// One paired accuracy comparison of a candidate with the baseline (same items, same order).
struct PairedAccuracy {
    std::string dataset;                 // "arc-easy"
    double delta_pp = std::numeric_limits<double>::quiet_NaN();  // candidate - baseline accuracy, points
    Interval ci{std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
                                         // paired bootstrap interval of delta_pp (comparison.h)
    int64_t items = 0;                   // items both scored (0: unknown)
    int64_t base_only = -1;              // discordant: baseline right, candidate wrong (-1: unknown)
    int64_t other_only = -1;             // discordant: candidate right, baseline wrong (-1: unknown)
};

// What is known about one precision. Figures that were not measured stay NaN / empty.
struct CandidateEvidence {
    std::string precision;
    double price = std::numeric_limits<double>::quiet_NaN();  // what "cheapest" ranks by (lower is
        // cheaper): USD per month, USD per million tokens, or bits per weight; NaN = unknown
    std::vector<PairedAccuracy> accuracy;  // one per task compared with the baseline
    double kld_mean = std::numeric_limits<double>::quiet_NaN(), kld_se = std::numeric_limits<double>::quiet_NaN();
    double ppl_ratio = std::numeric_limits<double>::quiet_NaN(), ppl_ratio_se = std::numeric_limits<double>::quiet_NaN();
    double retention_pct = std::numeric_limits<double>::quiet_NaN();  // accuracy retention, % (point estimate)
};

struct DecisionOptions {
    double margin_pp = 1.0;        // accuracy non-inferiority margin, percentage points (> 0)
    double kld_max = std::numeric_limits<double>::quiet_NaN();        // nats; NaN = not used
    double ppl_ratio_max = std::numeric_limits<double>::quiet_NaN();  // e.g. 1.01; NaN = not used
    double min_retention_pct = std::numeric_limits<double>::quiet_NaN();  // NaN = not used
    double level = 0.95;           // level of the intervals (the bootstrap's and the z-intervals)
    double power = 0.80;           // for items_needed
    std::string price_unit = "";   // for the reason text: "per month", "per million generated tokens", "bits per weight"
    bool price_in_usd = true;      // "$0.05 per month" (else "4.90 bits per weight")
};

enum class Verdict { Baseline, NonInferior, Inferior, Undecided, NoEvidence };
const char* verdict_name(Verdict v);  // "baseline", "non-inferior", "inferior", "undecided", "no evidence"

// One criterion checked for a candidate.
struct CriterionResult {
    std::string criterion;     // "acc (arc-easy)", "kld_mean", "ppl_ratio", "retention"
    Verdict verdict = Verdict::Undecided;
    double estimate = std::numeric_limits<double>::quiet_NaN();  // delta pp / kld / ratio / retention %
    Interval ci{std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
    double bound = std::numeric_limits<double>::quiet_NaN();     // the bound that decides: lower for
                                                                 // accuracy, upper for KLD/ratio
    double threshold = std::numeric_limits<double>::quiet_NaN(); // -margin, kld_max, ratio max, min retention
    int64_t items = 0;
    int64_t items_needed = 0;  // more items for an undecided accuracy comparison; -1 = not reachable / unknown
    std::string text;          // "Δacc -0.3 pp, 95 % CI [-2.1, +1.4] straddles the -1 pp margin"
};

struct CandidateDecision {
    std::string precision;
    Verdict verdict = Verdict::NoEvidence;
    double price = std::numeric_limits<double>::quiet_NaN();
    std::vector<CriterionResult> criteria;
    int64_t items_needed = 0;  // the largest over undecided accuracy criteria (-1 unknown/unreachable)
    std::string reason;        // one line for people
};

struct Decision {
    bool decided = false;      // true: `picked` is supported by the data (possibly the baseline)
    std::string picked;        // "" when not decided
    std::string baseline;
    double margin_pp = 0;
    std::vector<CandidateDecision> candidates;  // input order, the baseline included
    std::string reason;        // "Q4_K_M: cheapest non-inferior to F16 ..." or "not decided: ..."
};

// Throws qs::Error when the baseline is not among `evidence`, margin_pp <= 0, level not in (0, 1)
// or power not in (0, 1).
Decision decide_precision(const std::vector<CandidateEvidence>& evidence, const std::string& baseline,
                          const DecisionOptions& options = {});

// One line for people (the demo, the ROI page, the report): "Recommended: Q4_0: the cheapest
// precision non-inferior to F16 (...)", "Recommended: keep F16: ..." or "No recommendation: Q4_0 vs
// F16 needs about 1.2k more items for a 1-point margin".
std::string decision_summary(const Decision& d);

// Total paired items for an accuracy comparison to show non-inferiority (see the header comment);
// -1 when it cannot (min(d,0) <= -margin or no items). Exposed for tests and the report.
int64_t noninferiority_items(int64_t items, int64_t base_only, int64_t other_only, double margin_pp,
                             double level = 0.95, double power = 0.80);

}  // namespace qs
