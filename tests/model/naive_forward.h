// An independent, deliberately plain double-precision forward pass of a RefModel, written from
// the published formulas (RMSNorm, RoPE, causal grouped-query attention, SwiGLU; and for the other
// architectures Q/K norms, post-norms, GeLU, sliding windows, soft-caps, top-k experts) with no
// engine code: the yardstick the engine's forward pass is measured against.
#pragma once

#include <cstdint>
#include <vector>

#include "random_model.h"

namespace qs::test {

// Logits for every position of `tokens` (processed from position 0): [n][n_vocab].
std::vector<std::vector<double>> naive_forward(const RefModel& m, const std::vector<int32_t>& tokens);

}  // namespace qs::test
