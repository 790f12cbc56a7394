#include "cost/roofline.h"

#include <algorithm>
#include <fmt/format.h>

namespace qs {
namespace {

struct ComputeFigure {
    double ops_per_s = 0;  // 0: unknown
    const char* name = "";
};

// The peak that bounds this precision's arithmetic (see the header), falling back to wider figures.
ComputeFigure compute_for(const ComputePeak& c, const std::string& precision) {
    const bool f32 = precision.rfind("F32", 0) == 0;
    const bool f16 = precision.rfind("F16", 0) == 0 || precision.rfind("BF16", 0) == 0;
    std::vector<ComputeFigure> order;
    if (!f32 && !f16) order.push_back({c.int8_tops * 1e12, "int8"});
    if (!f32) order.push_back({c.f16_tflops * 1e12, "f16"});
    order.push_back({c.f32_tflops * 1e12, "f32"});
    for (const ComputeFigure& f : order)
        if (f.ops_per_s > 0) return f;
    return {};
}

std::string gb(double bytes) { return fmt::format("{:.3g} GB", bytes / 1e9); }

}  // namespace

std::optional<PrecisionSpeed> roofline_estimate(const HardwarePrice& h, const RooflineParams& p, const ModelFootprint& fp,
                                                std::string* why_not) {
    if (!(h.memory_bandwidth_gbs > 0)) {
        if (why_not) *why_not = fmt::format("{} has no memory bandwidth figure in the price table", h.name);
        return std::nullopt;
    }
    if (!(fp.weight_bytes > 0)) {
        if (why_not) *why_not = fmt::format("the size of {}'s weights is unknown (run a bench job or import a bench file)", fp.precision);
        return std::nullopt;
    }
    const double bw = h.memory_bandwidth_gbs * 1e9;
    const double ctx = double(p.decode_context_tokens), prompt = double(p.prefill_tokens);
    PrecisionSpeed s;
    s.precision = fp.precision;
    s.source = SpeedSource::Estimated;
    const double per_token = fp.weight_bytes + fp.kv_bytes_per_position * ctx;
    s.tg_tps = p.bandwidth_efficiency * bw / per_token;
    s.source_detail = fmt::format("roofline for {}: decode {:.2g} x {:g} GB/s / {} per token ({} weights{}) = {:.4g} t/s", h.name,
                                  p.bandwidth_efficiency, h.memory_bandwidth_gbs, gb(per_token), gb(fp.weight_bytes),
                                  fp.kv_bytes_per_position > 0 ? fmt::format(" + KV of {} positions", p.decode_context_tokens) : std::string(", KV not counted"),
                                  s.tg_tps);
    const ComputeFigure c = compute_for(h.compute, fp.precision);
    if (c.ops_per_s > 0 && fp.n_params > 0) {
        const double compute_bound = p.compute_efficiency * c.ops_per_s / (2.0 * fp.n_params);
        const double memory_bound = p.bandwidth_efficiency * bw * prompt / (fp.weight_bytes + fp.kv_bytes_per_position * prompt);
        s.pp_tps = std::min(compute_bound, memory_bound);
        s.source_detail += fmt::format("; prefill min({:.2g} x {:g} T{} ops/s / (2 x {:.3g} params), bandwidth bound at {} tokens) = {:.4g} t/s",
                                       p.compute_efficiency, c.ops_per_s / 1e12, c.name, fp.n_params, p.prefill_tokens, s.pp_tps);
    } else {
        s.source_detail += "; no compute figure: prompt tokens priced at the decode speed";
    }
    return s;
}

}  // namespace qs
