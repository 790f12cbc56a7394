// Sensitivity scan: how much each tensor group (layer x role) costs in KL divergence when it alone
// is quantized to a low type and the rest of the model stays at a base precision.
//
//   SensitivityScan s = sensitivity_scan(model, tokenizer, tokens, {.base = "F32", .low = {GgmlType::Q2_K}}, progress);
//   s.cell(g, t).kld          // mean KLD of group g in type t against the base, with its uncertainty
//
// What is shared, so the scan costs little more than one KLD pass per group and type:
//   - the base pass runs once (kld_base_collect: the base's distributions in a KldBaseCache);
//   - the base precision is prepared once (quantize_model_in_memory), and each low type once for
//     the whole model; each group's model is the base model with that group's tensors swapped for
//     their low-type copies (Model::with_weights), nothing re-quantized.
// Each cell is exactly what `eval --kld` measures for the cell's recipe (SensitivityCell::recipe,
// tensor_groups_recipe: "Q8_0+^blk\.3\.attn_q\.weight$=q2_K+.*=f32" for an F32 base): the same
// tensors in the same types, the same chunks, the same base cache.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/progress.h"
#include "eval/kl_divergence.h"
#include "eval/metric.h"
#include "eval/perplexity.h"
#include "mixplan/tensor_groups.h"
#include "tensor/ggml_type.h"

namespace qs {

class GgufFile;
class Model;
class Tokenizer;
struct ImportanceMatrix;

struct SensitivityOptions {
    std::string base;              // precision of everything but the group; "" = default_base_precision(file)
    std::vector<GgmlType> low;     // types each group is tried in (at least one)
    PerplexityOptions ppl;         // chunking of the KLD passes (n_ctx, max_chunks)
    int n_threads = 0;             // quantization threads (0: every core); the passes use OpenMP's count
    const ImportanceMatrix* imatrix = nullptr;  // quantize with it (as eval --imatrix), if given
};

struct SensitivityCell {
    int group = 0;                 // index into SensitivityScan::groups
    GgmlType type = GgmlType::F32; // the low type asked for
    std::vector<GgmlType> actual;  // [group tensors] the type each got (llama-quantize's fallback for odd rows)
    uint64_t bytes = 0;            // the group's tensor bytes in that type
    std::string recipe;            // the equivalent recipe: what `eval --kld` would measure
    ValueUnc kld, ln_ppl_ratio, same_top;  // against the base; same_top as a fraction
    std::vector<Metric> metrics;   // every KLD metric of the cell (jobs/job_metrics.h kld_metrics)
    double seconds = 0;            // swap + KLD pass
};

struct SensitivityScan {
    std::string base;                     // the base precision's recipe string
    std::vector<TensorGroup> groups;
    std::vector<uint64_t> base_bytes;     // [groups] each group's bytes at the base precision
    uint64_t other_bytes = 0;             // tensors in no group (norms, ...) at the base precision
    std::vector<GgmlType> types;          // the low types, in the order asked
    PerplexityResult base_perplexity;     // of the base pass
    std::vector<SensitivityCell> cells;   // [types][groups], type-major
    double seconds_base = 0, seconds_prepare = 0, seconds_cells = 0, seconds_total = 0;
    std::shared_ptr<const KldBaseCache> base_cache;  // the base pass, for measuring mixes against it later

    const SensitivityCell& cell(size_t group, size_t type) const { return cells[type * groups.size() + group]; }
    // Indices of the cells of `type`, most sensitive (largest mean KLD) first.
    std::vector<size_t> ranking(size_t type) const;
};

// The base a scan of `file` uses by default: the float type most of its quantizable weights are in
// ("F32", "F16" or "BF16"). Throws qs::Error naming the file when they are quantized: requantizing
// a quantized file is no base, so --base must be given.
std::string default_base_precision(const GgufFile& file);

// Called after each cell, on the calling thread (CLI lines, storing as the scan goes).
using SensitivityCellFn = std::function<void(const SensitivityScan& scan, const SensitivityCell& cell)>;

// Runs the scan. `progress` counts cells (stage "sensitivity"); cancellation is checked between
// chunks of every pass. Throws qs::Error for a base or low type that cannot apply (a row no type
// fits, a type QuantScope cannot quantize to) and for a text too short for the chunking.
SensitivityScan sensitivity_scan(const std::shared_ptr<const Model>& model, const Tokenizer& tokenizer,
                                 std::span<const int32_t> tokens, const SensitivityOptions& options, Progress& progress,
                                 const SensitivityCellFn& on_cell = nullptr);

}  // namespace qs
