// Several precisions evaluated on the same task items, compared with a baseline precision:
// is the accuracy change real (paired bootstrap interval, McNemar's exact test) and how much of the
// baseline's accuracy is kept; and, across precisions, does perplexity track accuracy (Pearson and
// Spearman correlation of ppl with accuracy).
//
// Pairing requires that every precision scored the same items in the same order (same dataset,
// same limit/seed): item_correct vectors of different lengths are refused.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "eval/metric.h"
#include "eval/statistics.h"

namespace qs {

// What one precision scored on the dataset (JobRecord's metrics and item_correct give it).
struct PrecisionOutcome {
    std::string name;                   // "F16", "Q4_K_M", ...
    double accuracy = 0;                // % (0..100), e.g. the job's "acc" metric
    std::vector<uint8_t> item_correct;  // [items] 1 = right; same items and order for every precision
    double ppl = std::numeric_limits<double>::quiet_NaN();  // perplexity of this precision (NaN: unknown)
};

// An outcome from per-item correctness alone: accuracy = 100 * right / items (0 for no items).
PrecisionOutcome precision_outcome(std::string name, std::vector<uint8_t> item_correct);

struct ComparisonOptions {
    int bootstrap_iterations = 10000;
    uint64_t seed = 1234;               // paired bootstrap seed: results are reproducible
    double level = 0.95;                // interval level
    double alpha = 0.05;                // significance threshold of McNemar's p
};

// One precision against the baseline.
struct PrecisionComparison {
    std::string name;
    double accuracy = 0;                // %
    double acc_delta = 0;               // accuracy - baseline accuracy, in % points
    Interval delta_ci;                  // paired bootstrap interval of acc_delta (% points), widened to the
                                        // adjusted Wald interval (statistics.h) where that is wider
    int64_t base_only = 0;              // items the baseline got right and this one wrong (McNemar's b)
    int64_t other_only = 0;             // items this one got right and the baseline wrong (c)
    double mcnemar_p = 1;               // exact two-sided p on (b, c)
    double retention = 0;               // 100 * accuracy / baseline accuracy (NaN when the baseline is 0)
    bool significant = false;           // mcnemar_p < alpha
    std::vector<Metric> metrics;        // acc_delta (with delta_ci), retention, mcnemar_p
};

struct ComparisonResult {
    std::string baseline;
    std::vector<PrecisionComparison> rows;  // every precision in input order, the baseline included
    // Across precisions with a known ppl (NaN when fewer than 3 have one): correlation of ppl with
    // accuracy (expected negative: higher ppl, lower accuracy).
    double pearson_ppl_acc = std::numeric_limits<double>::quiet_NaN();
    double spearman_ppl_acc = std::numeric_limits<double>::quiet_NaN();
};

// Throws qs::Error when the baseline is not among `outcomes` or item_correct lengths differ.
ComparisonResult compare_precisions(const std::vector<PrecisionOutcome>& outcomes, const std::string& baseline,
                                    const ComparisonOptions& options = {});

}  // namespace qs
