// Multiple-choice knapsack for mixed precision; see mix_optimize.h.
#include "mixplan/mix_optimize.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "core/error.h"

namespace qs {

namespace {

constexpr uint64_t kMaxUnits = 200000;  // DP columns: groups x options x this stays well under a second

struct Table {
    uint64_t unit = 1;
    bool exact = true;
    std::vector<std::vector<uint64_t>> cost;  // [groups][options] in units, rounded up
    std::vector<double> best;                 // [capacity + 1] min KLD using every group, at most c units
    std::vector<std::vector<uint8_t>> pick;   // [groups][capacity + 1] option taken for group g at capacity c
};

// best[c] = min over choices with sum(cost) <= c; built group by group.
Table solve(const std::vector<std::vector<MixOption>>& options, uint64_t capacity_bytes) {
    if (options.empty()) throw Error("mix optimizer: no tensor group");
    Table t;
    uint64_t g = 0;
    for (const auto& opts : options) {
        if (opts.empty() || opts.size() > 255) throw Error("mix optimizer: a group needs 1 to 255 options");
        for (const MixOption& o : opts) g = std::gcd(g, o.bytes);
    }
    t.unit = std::max<uint64_t>(1, g);
    if (capacity_bytes / t.unit > kMaxUnits) {
        t.unit = (capacity_bytes + kMaxUnits - 1) / kMaxUnits;
        t.exact = false;
    }
    const uint64_t cap = capacity_bytes / t.unit;
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<double> prev(cap + 1, 0.0), cur(cap + 1);
    t.cost.resize(options.size());
    t.pick.assign(options.size(), std::vector<uint8_t>(cap + 1, 0));
    for (size_t gi = 0; gi < options.size(); ++gi) {
        for (const MixOption& o : options[gi]) t.cost[gi].push_back((o.bytes + t.unit - 1) / t.unit);
        for (uint64_t c = 0; c <= cap; ++c) {
            double b = inf;
            uint8_t k_best = 0;
            for (size_t k = 0; k < options[gi].size(); ++k) {
                const uint64_t w = t.cost[gi][k];
                if (w > c || prev[c - w] == inf) continue;
                const double v = prev[c - w] + options[gi][k].kld;
                if (v < b) b = v, k_best = uint8_t(k);
            }
            cur[c] = b;
            t.pick[gi][c] = k_best;
        }
        std::swap(prev, cur);
    }
    t.best = std::move(prev);
    return t;
}

MixPlan trace(const std::vector<std::vector<MixOption>>& options, const Table& t, uint64_t c) {
    MixPlan plan;
    plan.choice.assign(options.size(), 0);
    plan.exact = t.exact;
    plan.feasible = true;
    for (size_t gi = options.size(); gi-- > 0;) {
        const int k = t.pick[gi][c];
        plan.choice[gi] = k;
        c -= t.cost[gi][size_t(k)];
    }
    for (size_t gi = 0; gi < options.size(); ++gi) {
        plan.bytes += options[gi][size_t(plan.choice[gi])].bytes;
        plan.predicted_kld += options[gi][size_t(plan.choice[gi])].kld;
    }
    return plan;
}

MixPlan smallest(const std::vector<std::vector<MixOption>>& options) {
    MixPlan plan;
    for (const auto& opts : options) {
        const auto it = std::min_element(opts.begin(), opts.end(), [](auto& a, auto& b) { return a.bytes < b.bytes; });
        plan.choice.push_back(int(it - opts.begin()));
        plan.bytes += it->bytes;
        plan.predicted_kld += it->kld;
    }
    return plan;
}

}  // namespace

MixPlan mix_optimize_bytes(const std::vector<std::vector<MixOption>>& options, uint64_t max_bytes) {
    const Table t = solve(options, max_bytes);
    const uint64_t cap = t.best.size() - 1;
    if (t.best[cap] == std::numeric_limits<double>::infinity()) return smallest(options);
    return trace(options, t, cap);
}

MixPlan mix_optimize_kld(const std::vector<std::vector<MixOption>>& options, double max_kld) {
    uint64_t largest = 0;
    for (const auto& opts : options)
        largest += std::max_element(opts.begin(), opts.end(), [](auto& a, auto& b) { return a.bytes < b.bytes; })->bytes;
    const Table t = solve(options, largest);
    // best[] falls as capacity grows: the first capacity that reaches the target is the fewest bytes.
    for (uint64_t c = 0; c < t.best.size(); ++c)
        if (t.best[c] <= max_kld) return trace(options, t, c);
    MixPlan plan = trace(options, t, t.best.size() - 1);  // the most precise plan, still above the target
    plan.feasible = false;
    return plan;
}

}  // namespace qs
