// Choosing one type per tensor group under a budget, from an additive model: the mix's mean KLD is
// predicted as the sum of each group's KLD in its type (measured alone by the sensitivity scan),
// its size as the sum of the groups' bytes. A multiple-choice knapsack, solved exactly by dynamic
// programming over bytes counted in units of the greatest common divisor of every option's bytes
// (block sizes make that large), or, when that leaves too many units, in coarser units with every
// option's bytes rounded UP, so the plan never exceeds the budget (then `exact` is false).
#pragma once

#include <cstdint>
#include <vector>

namespace qs {

struct MixOption {
    uint64_t bytes = 0;
    double kld = 0;  // predicted cost of the group in this option
};

struct MixPlan {
    std::vector<int> choice;      // [groups] index of the option taken
    uint64_t bytes = 0;           // sum of the chosen options' bytes (exact)
    double predicted_kld = 0;     // sum of their KLD
    bool feasible = false;        // false: no choice fits (choice then holds the smallest options)
    bool exact = true;            // solved in units that lose nothing
};

// Smallest predicted KLD with bytes <= max_bytes. options[g] must not be empty.
MixPlan mix_optimize_bytes(const std::vector<std::vector<MixOption>>& options, uint64_t max_bytes);
// Fewest bytes with predicted KLD <= max_kld (ties: the smaller KLD).
MixPlan mix_optimize_kld(const std::vector<std::vector<MixOption>>& options, double max_kld);

}  // namespace qs
