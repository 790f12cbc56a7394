// The mixed-precision recommender: a sensitivity scan over candidate types, an optimal plan under
// a budget from its additive model (mix_optimize.h), then the plan's recipe measured as `eval --kld`
// would measure it and, for a KLD target, corrected: when the measured KLD misses the target, the
// model's error ratio tightens the target and the plan is solved and measured again.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/progress.h"
#include "mixplan/mix_optimize.h"
#include "mixplan/sensitivity_scan.h"

namespace qs {

struct RecommendOptions {
    std::string base;                 // the KLD reference and the scan's base; "" = default_base_precision
    std::vector<GgmlType> types;      // candidate types of every group
    // Exactly one budget: tensor bytes, bits per weight (of every tensor, as RecipeEstimate counts), or mean KLD.
    uint64_t max_bytes = 0;
    double max_bpw = 0;
    double max_kld = 0;
    PerplexityOptions ppl;
    int n_threads = 0;
    int rounds = 3;                   // measurements at most (KLD target: corrections)
    const ImportanceMatrix* imatrix = nullptr;  // every quantization (scan and mixes) uses it, if given
};

struct RecommendRound {
    std::string recipe;               // accepted by quantize, eval and the GUI
    uint64_t tensor_bytes = 0;        // PrecisionRecipe::estimate(file).tensor_bytes of the recipe
    double bits_per_weight = 0;
    double predicted_kld = 0;         // the additive model's figure
    double target_kld = 0;            // the target the plan was solved for (KLD budget; 0 otherwise)
    ValueUnc kld, ln_ppl_ratio;       // measured against the base
    std::vector<Metric> metrics;      // every KLD metric of the measurement
    std::vector<GgmlType> group_types;  // [scan.groups] the type each group got
};

struct Recommendation {
    SensitivityScan scan;
    uint64_t budget_bytes = 0;        // the byte budget (max_bytes, or from max_bpw); 0 for a KLD target
    int64_t n_elements = 0;           // of every tensor
    std::vector<RecommendRound> rounds;
    int best = -1;                    // index into rounds: within the budget, lowest measured KLD
                                      // (KLD target: fewest bytes among those measured within it)
};

Recommendation mix_recommend(const std::shared_ptr<const Model>& model, const Tokenizer& tokenizer,
                             std::span<const int32_t> tokens, const RecommendOptions& options, Progress& progress,
                             const SensitivityCellFn& on_cell = nullptr);
// The same from a scan already made over options.types with the same base and chunks (several
// budgets then share one scan: recommend --max-bytes A,B).
Recommendation mix_recommend_from_scan(const std::shared_ptr<const Model>& model, const Tokenizer& tokenizer,
                                       std::span<const int32_t> tokens, const RecommendOptions& options,
                                       SensitivityScan scan, Progress& progress);

}  // namespace qs
