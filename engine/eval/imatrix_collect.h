// Computing an importance matrix the way llama-imatrix does (llama.cpp b9928, tools/imatrix): run
// the model over calibration text in llama-perplexity's chunks and, for every weight matrix of the
// blocks ("blk.*"; output.weight only on request), sum each input column's squared activation over
// the tokens that pass through it. Matrix products of fewer than 16 tokens are left out, as
// llama-imatrix ignores them. The result is what llama-quantize --imatrix reads (quant/imatrix.h).
//
// The sums are taken in float, token after token, as llama-imatrix accumulates them; activations
// agree with llama.cpp's to float rounding, so the sums agree to about 1e-5 relative (M1: 5e-5 at
// worst). 3-D expert tensors (MoE) are not collected: their per-expert counts need the router's
// choices, which the matmul observer does not see.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/progress.h"
#include "eval/perplexity.h"
#include "quant/imatrix.h"

namespace qs {

class ModelContext;
class Tokenizer;

struct ImatrixOptions {
    PerplexityOptions chunks;       // n_ctx (= the imatrix chunk size) and max_chunks, as llama-imatrix -c / --chunks
    bool process_output = false;    // also collect output.weight (llama-imatrix --process-output)
    std::string dataset;            // recorded in imatrix.datasets: the text file path as the user gave it
};

struct ImatrixResult {
    ImportanceMatrix matrix;
    PerplexityResult perplexity;    // of the same passes (llama-imatrix prints it as it goes)
};

// Throws as perplexity_run does (text shorter than 2 chunks, context too small, cancellation).
ImatrixResult imatrix_collect(ModelContext& ctx, const Tokenizer& tokenizer, std::span<const int32_t> tokens,
                              const ImatrixOptions& opts, Progress& progress);

}  // namespace qs
