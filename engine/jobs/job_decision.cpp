#include "jobs/job_decision.h"

#include <algorithm>
#include <fmt/format.h>

namespace qs {

SequentialOptions decision_options(const EvalMatrix& matrix, int64_t plan, bool binary) {
    SequentialOptions o;
    o.margin = matrix.decision_margin;
    o.plan = std::max<int64_t>(1, plan);
    o.min_items = binary ? kDecisionMinItems : kDecisionMinChunks;
    o.binary = binary;
    return o;
}

double chunk_decision_difference(double candidate_mean_nll, double baseline_mean_nll) {
    return -100.0 * (candidate_mean_nll - baseline_mean_nll);
}

std::vector<Metric> decision_metrics(const SequentialLook& look) {
    Metric delta{"decision_delta", look.mean};
    delta.ci_low = look.ci.lo;
    delta.ci_high = look.ci.hi;
    return {Metric{"decided_after", double(look.n)}, Metric{"decision", double(int(look.verdict))}, delta};
}

std::string decision_message(const SequentialLook& look, const std::string& what, const std::string& unit, double margin) {
    const std::string detail = fmt::format("Δ {:+.2f} {}, time-uniform 95 % interval [{:+.2f}, {:+.2f}], margin {:g}", look.mean, unit,
                                           look.ci.lo, look.ci.hi, margin);
    if (!look.decided()) return fmt::format("not decided after {} {} ({})", look.n, what, detail);
    return fmt::format("decided after {} {}: {} ({})", look.n, what, sequential_verdict_name(look.verdict), detail);
}

}  // namespace qs
