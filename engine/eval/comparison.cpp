#include "eval/comparison.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "core/error.h"

namespace qs {

PrecisionOutcome precision_outcome(std::string name, std::vector<uint8_t> item_correct) {
    PrecisionOutcome o;
    o.name = std::move(name);
    int64_t right = 0;
    for (uint8_t c : item_correct) right += c;
    o.accuracy = item_correct.empty() ? 0.0 : 100.0 * double(right) / double(item_correct.size());
    o.item_correct = std::move(item_correct);
    return o;
}

ComparisonResult compare_precisions(const std::vector<PrecisionOutcome>& outcomes, const std::string& baseline,
                                    const ComparisonOptions& options) {
    const auto base_it = std::find_if(outcomes.begin(), outcomes.end(),
                                      [&](const PrecisionOutcome& o) { return o.name == baseline; });
    if (base_it == outcomes.end())
        throw Error(fmt::format("comparison: the baseline precision '{}' was not evaluated", baseline));
    const PrecisionOutcome& base = *base_it;
    for (const auto& o : outcomes)
        if (o.item_correct.size() != base.item_correct.size())
            throw Error(fmt::format("comparison: '{}' scored {} items but the baseline '{}' scored {}; "
                                    "paired tests need the same items",
                                    o.name, o.item_correct.size(), baseline, base.item_correct.size()));

    ComparisonResult result;
    result.baseline = baseline;
    for (const auto& o : outcomes) {
        PrecisionComparison row;
        row.name = o.name;
        row.accuracy = o.accuracy;
        row.acc_delta = o.accuracy - base.accuracy;
        for (size_t i = 0; i < o.item_correct.size(); ++i) {
            row.base_only += base.item_correct[i] && !o.item_correct[i];
            row.other_only += !base.item_correct[i] && o.item_correct[i];
        }
        const Interval ci = paired_bootstrap_diff(base.item_correct, o.item_correct, options.bootstrap_iterations,
                                                  options.level, options.seed);
        row.delta_ci = {100.0 * ci.lo, 100.0 * ci.hi};
        if (o.name != baseline && !o.item_correct.empty()) {
            // The bootstrap collapses to [0, 0] when no item changed, a certainty a few hundred items
            // cannot give: widen to Bonett and Price's adjusted interval where that one is wider.
            const Interval w = paired_adjusted_wald(int64_t(o.item_correct.size()), row.base_only, row.other_only, options.level);
            row.delta_ci = {std::min(row.delta_ci.lo, 100.0 * w.lo), std::max(row.delta_ci.hi, 100.0 * w.hi)};
        }
        row.mcnemar_p = mcnemar_exact_p(row.base_only, row.other_only);
        row.retention = base.accuracy > 0 ? 100.0 * o.accuracy / base.accuracy : std::nan("");
        row.significant = row.mcnemar_p < options.alpha;

        Metric delta{"acc_delta", row.acc_delta};
        delta.ci_low = row.delta_ci.lo;
        delta.ci_high = row.delta_ci.hi;
        row.metrics = {delta, Metric{"retention", row.retention}, Metric{"mcnemar_p", row.mcnemar_p}};
        result.rows.push_back(std::move(row));
    }

    std::vector<double> ppl, acc;
    for (const auto& o : outcomes)
        if (!std::isnan(o.ppl)) {
            ppl.push_back(o.ppl);
            acc.push_back(o.accuracy);
        }
    if (ppl.size() >= 3) {
        result.pearson_ppl_acc = pearson(ppl, acc);
        result.spearman_ppl_acc = spearman(ppl, acc);
    }
    return result;
}

}  // namespace qs
