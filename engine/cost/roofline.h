// Throughput estimated from a hardware profile's memory bandwidth and compute, roofline style, for
// profiles nobody has measured. The figures and their sources live in resources/prices.json
// (hardware[].memory_bandwidth_gbs, hardware[].compute_tflops, and the "roofline" parameters).
//
//   decode (tokens/s)  tg = e_bw * BW / (W + KV * ctx)
//   prefill (tokens/s) pp = min( e_c * C / (2 N),  e_bw * BW * P / (W + KV * P) )
// with BW the peak memory bandwidth (bytes/s), W the weight bytes the forward pass reads, KV the K+V
// cache bytes per context position over all layers, ctx the average context a generated token
// attends to (roofline.decode_context_tokens), P the prompt length of a prefill pass
// (roofline.prefill_tokens), N the parameter count (2 N FLOP per token; attention's own FLOPs are
// left out), C the dense peak compute for the precision's arithmetic (f32 for F32, f16 for F16/BF16,
// int8 for the quantized types, which llama.cpp multiplies in int8; the next wider figure when one
// is missing), and e_bw, e_c the attained shares of peak (roofline.bandwidth_efficiency and
// compute_efficiency). Without a compute figure pp is unknown (0: prompt tokens are then priced at
// the decode speed, the conservative choice). It is an estimate: it is labelled as one everywhere.
#pragma once

#include <optional>
#include <string>

#include "cost/cost_model.h"
#include "cost/price_table.h"

namespace qs {

// What one precision of a model moves and computes per token.
struct ModelFootprint {
    std::string precision;
    double weight_bytes = 0;           // bytes of the tensors a token pass reads (> 0)
    double n_params = 0;               // parameters (0: unknown, no compute bound)
    double kv_bytes_per_position = 0;  // K+V bytes per context position, all layers (0: not counted)
};

// The estimate for `fp` on `h`, or nullopt with *why_not set when the profile has no bandwidth figure
// or the footprint no weight bytes. The result's source is Estimated and source_detail shows the sum.
std::optional<PrecisionSpeed> roofline_estimate(const HardwarePrice& h, const RooflineParams& p, const ModelFootprint& fp,
                                                std::string* why_not = nullptr);

}  // namespace qs
