// How many sequences a hardware profile can serve at once, and how long one may be: weights and
// the KV cache share the profile's memory, so the KV cache (its bytes per position, which a
// quantized cache halves or quarters) bounds the batch size and the context.
//
//   usable      = memory_usable_fraction x memory_gb x 1e9          (the rest: activations, runtime)
//   free_for_kv = usable - weight bytes
//   sequences   = floor(free_for_kv / (KV bytes per position x serving_context_tokens))
//   max context = floor(free_for_kv / KV bytes per position)         (one sequence alone)
// The weights not fitting at all (free_for_kv <= 0) makes the profile unable to serve the
// precision: its price must not be quoted as if it could.
#pragma once

#include <cstdint>
#include <string>

#include "cost/price_table.h"
#include "cost/roofline.h"

namespace qs {

struct ServingCapacity {
    std::string precision;
    bool known = false;          // false: the profile's memory or the precision's sizes are unknown (see why)
    bool fits = false;           // the weights fit in the usable memory
    double usable_bytes = 0;
    double weight_bytes = 0;
    double kv_bytes_per_position = 0;  // 0: the KV cache is not counted (unknown)
    int context_tokens = 0;      // the serving context each sequence gets (RooflineParams::serving_context_tokens)
    int64_t max_sequences = 0;   // at context_tokens each; -1: unbounded by the KV cache (not counted)
    int64_t max_context = 0;     // tokens of one sequence alone; -1: not counted
    std::string why;             // when !known
};

ServingCapacity serving_capacity(const HardwarePrice& h, const RooflineParams& p, const ModelFootprint& fp);

// For people: "32 × 4096-token sequences (1 alone: up to 141,000 tokens)", "does not fit: weights
// 26.8 GB > 21.6 GB usable (90 % of 24 GB)", "KV not counted: weights fit", or why it is unknown.
std::string serving_capacity_text(const ServingCapacity& c);

}  // namespace qs
