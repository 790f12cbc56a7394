#include "cost/serving_capacity.h"

#include <cmath>

#include <fmt/format.h>

namespace qs {

ServingCapacity serving_capacity(const HardwarePrice& h, const RooflineParams& p, const ModelFootprint& fp) {
    ServingCapacity c;
    c.precision = fp.precision;
    c.context_tokens = p.serving_context_tokens;
    if (!(h.memory_gb > 0)) {
        c.why = fmt::format("{} has no memory figure in the price table", h.name);
        return c;
    }
    if (!(fp.weight_bytes > 0)) {
        c.why = "the precision's weight bytes are unknown (no bench job or imported bench)";
        return c;
    }
    c.known = true;
    c.usable_bytes = p.memory_usable_fraction * h.memory_gb * 1e9;
    c.weight_bytes = fp.weight_bytes;
    c.kv_bytes_per_position = fp.kv_bytes_per_position;
    const double free_for_kv = c.usable_bytes - c.weight_bytes;
    c.fits = free_for_kv > 0;
    if (!c.fits) return c;
    if (!(c.kv_bytes_per_position > 0)) {
        c.max_sequences = c.max_context = -1;
        return c;
    }
    c.max_context = int64_t(std::floor(free_for_kv / c.kv_bytes_per_position));
    c.max_sequences = c.context_tokens > 0 ? c.max_context / c.context_tokens : 0;
    return c;
}

std::string serving_capacity_text(const ServingCapacity& c) {
    if (!c.known) return "capacity unknown: " + c.why;
    if (!c.fits)
        return fmt::format("does not fit: weights {:.3g} GB > {:.3g} GB usable", c.weight_bytes / 1e9, c.usable_bytes / 1e9);
    if (c.max_sequences < 0) return "weights fit (KV cache not counted)";
    if (c.max_sequences == 0)
        return fmt::format("not one {}-token sequence fits (one alone: up to {} tokens)", c.context_tokens, c.max_context);
    return fmt::format("{} × {}-token sequences (one alone: up to {} tokens)", c.max_sequences, c.context_tokens, c.max_context);
}

}  // namespace qs
