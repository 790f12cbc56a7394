// Internal to attention_row*.cpp: the online-softmax skeleton every version of the row kernel
// shares, and the per-instruction-set entry points (one file per instruction set, as the kernels).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "core/fp16.h"

namespace qs::attention_detail {

// The per-instruction-set files include this header with their own -m flags: what it defines has
// internal linkage, so the linker never hands one file's AVX-512 copy of an inline function to
// another file's caller on a CPU without AVX-512.
namespace {

// The online softmax over the keys, with the accumulator's two element-wise steps left to Ops:
// rescale(acc, hd, ms): acc *= ms; accumulate(acc, vj, hd, vs): acc += vj * vs (each rounded as
// the accumulator's type requires). Every file that includes this is compiled with
// -ffp-contract=off, so S * ms + vs and the steps are never fused, whatever the target has.
template <class Ops>
inline void attend_row(const float* scores, const float* v_head, int64_t v_ld, int64_t n_vis, int64_t hd, float* acc,
                       float* out) {
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

// The f16 accumulator's steps one element at a time (multiply, add, round: not fused, as ggml's
// scalar tail); the SIMD files use them for the dimensions past the last full vector.
struct ScalarF16Ops {
    static void rescale_from(float* acc, int64_t d0, int64_t hd, float ms) {
        for (int64_t d = d0; d < hd; ++d) acc[d] = round_f16(acc[d] * ms);
    }
    static void accumulate_from(float* acc, const float* vj, int64_t d0, int64_t hd, float vs) {
        for (int64_t d = d0; d < hd; ++d) acc[d] = round_f16(acc[d] + vj[d] * vs);
    }
    static void rescale(float* acc, int64_t hd, float ms) { rescale_from(acc, 0, hd, ms); }
    static void accumulate(float* acc, const float* vj, int64_t hd, float vs) { accumulate_from(acc, vj, 0, hd, vs); }
};

// ScalarF16Ops, L::n lanes at a time (L: the level's vector type and operations; round_f16 with
// F16C's vcvtps2ph, which rounds to nearest even as fp32_to_fp16, and vcvtph2ps).
template <class L>
struct LaneF16Ops {
    static void rescale(float* acc, int64_t hd, float ms) {
        const int64_t hv = hd - hd % L::n;
        const auto m = L::set1(ms);
        for (int64_t d = 0; d < hv; d += L::n) L::store(acc + d, L::round_f16(L::mul(L::load(acc + d), m)));
        ScalarF16Ops::rescale_from(acc, hv, hd, ms);
    }
    static void accumulate(float* acc, const float* vj, int64_t hd, float vs) {
        const int64_t hv = hd - hd % L::n;
        const auto s = L::set1(vs);
        for (int64_t d = 0; d < hv; d += L::n) L::store(acc + d, L::round_f16(L::add(L::load(acc + d), L::mul(L::load(vj + d), s))));
        ScalarF16Ops::accumulate_from(acc, vj, hv, hd, vs);
    }
};

}  // namespace

// The f16-accumulator row with F16C's conversions (vcvtps2ph rounds to nearest even, as
// fp32_to_fp16): 8 lanes at the AVX2 level, 16 at AVX-512.
void attend_row_f16_avx2(const float* scores, const float* v_head, int64_t v_ld, int64_t n_vis, int64_t hd, float* acc,
                         float* out);
void attend_row_f16_avx512(const float* scores, const float* v_head, int64_t v_ld, int64_t n_vis, int64_t hd, float* acc,
                           float* out);

}  // namespace qs::attention_detail
