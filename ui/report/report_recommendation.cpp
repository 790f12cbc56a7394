// The decision rule's answer (engine/eval/decision.h, priced by engine/cost/run_recommendation.h)
// in the report's words. The report never decides: it says what the rule decided and why.
#include <algorithm>

#include "report.h"
#include "metric_text.h"
#include "qstring_from.h"

namespace qs::ui {
namespace {


const PrecisionCost* cost_of(const std::vector<PrecisionCost>& costs, const std::string& precision) {
    const auto it = std::find_if(costs.begin(), costs.end(), [&](const PrecisionCost& c) { return c.precision == precision; });
    return it == costs.end() ? nullptr : &*it;
}

}  // namespace

ReportRecommendation report_recommendation(const Decision& d, const std::vector<PrecisionCost>& costs, const QString& cost_where) {
    ReportRecommendation r;
    r.headline = q(decision_summary(d)) + ".";
    for (const CandidateDecision& c : d.candidates) {
        if (c.verdict == Verdict::Baseline) continue;
        r.evidence << QString("%1 — %2: %3").arg(q(c.precision), q(verdict_name(c.verdict)), q(c.reason));
    }
    // Money: the pick against the baseline, at the profile's price, with where the speed came from.
    const PrecisionCost* pick = d.decided ? cost_of(costs, d.picked) : nullptr;
    const PrecisionCost* base = cost_of(costs, d.baseline);
    if (pick && base && pick != base) {
        if (pick->monthly_usd > 0)
            r.savings = QString("%1 costs %2 per month against %3 for %4: it %5 per month (%6).")
                            .arg(q(d.picked), usd_text(pick->monthly_usd), usd_text(base->monthly_usd), q(d.baseline),
                                 q(qs::savings_text(base->monthly_usd - pick->monthly_usd)), cost_where);
        else
            r.savings = QString("A million generated tokens cost %1 with %2 against %3 with %4 (%5).")
                            .arg(usd_text(pick->cost_per_mtok_gen), q(d.picked), usd_text(base->cost_per_mtok_gen), q(d.baseline), cost_where);
    } else if (costs.empty() && !cost_where.isEmpty()) {
        r.savings = "No cost figures: " + cost_where + ".";
    }
    return r;
}

}  // namespace qs::ui
