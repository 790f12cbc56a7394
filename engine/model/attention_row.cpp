// Online-softmax attention of one query row: the scalar reference and the kernel the forward pass
// runs (attention_row.h).
#include "model/attention_row.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/fp16.h"

namespace qs {

namespace {

// The online softmax over the keys, with the accumulator's two element-wise steps left to Ops:
// rescale(acc, hd, ms): acc *= ms; accumulate(acc, vj, hd, vs): acc += vj * vs (each rounded as
// the accumulator's type requires). Inlined into each caller, so the kernel's clones get their ISA.
template <class Ops>
__attribute__((always_inline)) inline void attend_row(const float* scores, const float* v_head, int64_t v_ld,
                                                      int64_t n_vis, int64_t hd, float* acc, float* out) {
    for (int64_t d = 0; d < hd; ++d) acc[d] = 0.0f;  // values exactly representable in f16
    float S = 0.0f, M = -std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < n_vis; ++j) {
        const float s = scores[j];
        float ms = 1.0f, vs = 1.0f;
        if (s > M) {
            ms = std::exp(M - s);
            M = s;
            Ops::rescale(acc, hd, ms);
        } else {
            vs = std::exp(s - M);
        }
        Ops::accumulate(acc, v_head + j * v_ld, hd, vs);
        S = S * ms + vs;
    }
    const float inv = S == 0.0f ? 0.0f : 1.0f / S;
    for (int64_t d = 0; d < hd; ++d) out[d] = acc[d] * inv;
}

// The reference's steps, element after element: an f16 accumulator (multiply, add, round: not
// fused, as ggml's scalar tail), or an f32 one with one fused multiply-add per element.
template <bool F16_ACC>
struct ScalarOps {
    static void rescale(float* acc, int64_t hd, float ms) {
        for (int64_t d = 0; d < hd; ++d) acc[d] = F16_ACC ? round_f16(acc[d] * ms) : acc[d] * ms;
    }
    static void accumulate(float* acc, const float* vj, int64_t hd, float vs) {
        for (int64_t d = 0; d < hd; ++d) acc[d] = F16_ACC ? round_f16(acc[d] + vj[d] * vs) : std::fma(vj[d], vs, acc[d]);
    }
};

#if defined(__GNUC__)
// Multi-versioned by GCC (AVX-512, AVX2, baseline). The file is compiled with -ffp-contract=off
// (engine/model/CMakeLists.txt): no clone fuses a multiply and an add, so every clone performs the
// scalar reference's operations and all give the same bits.
#if !defined(__clang__) && defined(__x86_64__)
#define QS_ROW_KERNEL __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define QS_ROW_KERNEL
#endif
#pragma GCC diagnostic ignored "-Wpsabi"  // the 64-byte vectors only pass between always-inlined helpers
typedef float f32x16 __attribute__((vector_size(64), aligned(4)));
typedef uint32_t u32x16 __attribute__((vector_size(64), aligned(4)));
constexpr int64_t kLanes = 16;

__attribute__((always_inline)) inline f32x16 load16(const float* p) {
    f32x16 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
__attribute__((always_inline)) inline void store16(float* p, f32x16 v) { std::memcpy(p, &v, sizeof v); }
__attribute__((always_inline)) inline u32x16 splat_u32(uint32_t v) { return u32x16{} + v; }

// round_f16 lane by lane: fp32_to_fp16 then fp16_to_fp32 of core/fp16.h, operation for operation
// (vector casts reinterpret bits, as std::bit_cast does there).
__attribute__((always_inline)) inline f32x16 round_f16_lanes(f32x16 f) {
    const float scale_to_inf = std::bit_cast<float>(0x77800000u);   // 2^112
    const float scale_to_zero = std::bit_cast<float>(0x08800000u);  // 2^-110
    f32x16 base = (f < 0 ? -f : f) * scale_to_inf * scale_to_zero;
    const u32x16 w = (u32x16)f;
    const u32x16 shl1_w = w + w;
    const u32x16 sign = w & 0x80000000u;
    u32x16 bias = shl1_w & 0xFF000000u;
    bias = bias < 0x71000000u ? splat_u32(0x71000000u) : bias;
    base = (f32x16)((bias >> 1) + 0x07800000u) + base;
    const u32x16 bits = (u32x16)base;
    const u32x16 nonsign = ((bits >> 13) & 0x00007C00u) + (bits & 0x00000FFFu);
    const u32x16 h = ((sign >> 16) | (shl1_w > 0xFF000000u ? splat_u32(0x7E00u) : nonsign)) & 0xFFFFu;

    const u32x16 hw = h << 16;
    const u32x16 two_w = hw + hw;
    const float exp_scale = std::bit_cast<float>(0x7800000u);  // 2^-112
    const f32x16 normalized = (f32x16)((two_w >> 4) + (0xE0u << 23)) * exp_scale;
    const f32x16 denormalized = (f32x16)((two_w >> 17) | (126u << 23)) - 0.5f;
    const u32x16 magnitude = two_w < (1u << 27) ? (u32x16)denormalized : (u32x16)normalized;
    return (f32x16)((hw & 0x80000000u) | magnitude);
}

// ScalarOps<true>, 16 dimensions at a time (the rest one by one).
struct LaneF16Ops {
    __attribute__((always_inline)) static void rescale(float* acc, int64_t hd, float ms) {
        const int64_t hd16 = hd - hd % kLanes;
        for (int64_t d = 0; d < hd16; d += kLanes) store16(acc + d, round_f16_lanes(load16(acc + d) * ms));
        for (int64_t d = hd16; d < hd; ++d) acc[d] = round_f16(acc[d] * ms);
    }
    __attribute__((always_inline)) static void accumulate(float* acc, const float* vj, int64_t hd, float vs) {
        const int64_t hd16 = hd - hd % kLanes;
        for (int64_t d = 0; d < hd16; d += kLanes) store16(acc + d, round_f16_lanes(load16(acc + d) + load16(vj + d) * vs));
        for (int64_t d = hd16; d < hd; ++d) acc[d] = round_f16(acc[d] + vj[d] * vs);
    }
};

QS_ROW_KERNEL void attend_row_f16_acc(const float* scores, const float* v_head, int64_t v_ld, int64_t n_vis, int64_t hd,
                                      float* acc, float* out) {
    attend_row<LaneF16Ops>(scores, v_head, v_ld, n_vis, hd, acc, out);
}
#endif

}  // namespace

void attend_row_online(const float* scores, const float* v_head, int64_t v_ld, int64_t n_vis, int64_t hd, bool f16_acc,
                       float* acc, float* out) {
#if defined(__GNUC__)
    if (f16_acc) return attend_row_f16_acc(scores, v_head, v_ld, n_vis, hd, acc, out);
#endif
    attend_row_online_reference(scores, v_head, v_ld, n_vis, hd, f16_acc, acc, out);
}

void attend_row_online_reference(const float* scores, const float* v_head, int64_t v_ld, int64_t n_vis, int64_t hd,
                                 bool f16_acc, float* acc, float* out) {
    if (f16_acc)
        attend_row<ScalarOps<true>>(scores, v_head, v_ld, n_vis, hd, acc, out);
    else
        attend_row<ScalarOps<false>>(scores, v_head, v_ld, n_vis, hd, acc, out);
}

}  // namespace qs
