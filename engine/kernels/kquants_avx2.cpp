// AVX2 K-quant kernels: dot products with q8_K following ggml's x86 approach, q8_K quantization
// and dequantization of every K-quant (both bit-identical to the scalar reference).
//
// Dot products: quants are expanded to unsigned bytes, multiplied with the signed q8_K bytes by
// vpmaddubsw (pairs summed into int16, never saturating: |q| <= 63, |q8| <= 127), then
// vpmaddwd with each sub-block's scale sums pairs into int32. Signed quants (q3_K, q6_K) are
// taken as unsigned q + offset, and offset * scale * (q8 sums) is subtracted once per super-block
// from the q8_K bsums; mins (q2_K, q4_K, q5_K) use the bsums the same way, as ggml does.
// The float accumulation order (one or two fused multiply-adds per super-block, those of the
// row-interleaved tiles at the end of this file) differs from the scalar reference (which mirrors
// ggml's generic C), so results agree to rounding, not bit for bit.

// ggml's float formulas must round as written (x * d - m is two roundings, not one FMA), and GCC
// contracts by default in C++ whenever FMA is available; this must precede every include so the
// inlined helpers and intrinsics share the setting. Explicit FMA intrinsics are unaffected.
#pragma GCC optimize("fp-contract=off")
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/gemm_tiles.h"
#include "kernels/group_tile_avx2.h"
#include "kernels/kernel_table.h"
#include "kernels/kquants_common.h"
#include "kernels/kquants_tile.h"

namespace qs {
namespace {

using kquants::fp16_to_fp32_f16c;
using kquants::hsum_ps;
using kquants::k4_mins_dot;
using kquants::load256;

// For the 32 quants of run r of 32 (two runs of 16 with their own scales: bytes 0..15 of a
// maddubs product belong to the first, 16..31 to the second): scale 2r in every int16 lane of the
// low 128 bits, scale 2r+1 in the high 128 bits. sc_halves[h] holds int16 scales 8h..8h+7 in both
// 128-bit lanes.
inline __m256i pick_scale_pair(const __m256i sc_halves[2], int r) {
    const __m256i both = sc_halves[r / 4];
    const int j = 2 * (r % 4);  // int16 index inside that half
    const __m256i shuf = _mm256_set_m128i(_mm_set1_epi16(int16_t(((2 * j + 3) << 8) | (2 * j + 2))),
                                          _mm_set1_epi16(int16_t(((2 * j + 1) << 8) | (2 * j))));
    return _mm256_shuffle_epi8(both, shuf);
}

// int16 scale j (0..7) of sc (the same 8 scales in both lanes) in every lane.
inline __m256i broadcast_scale(__m256i sc, int j) {
    return _mm256_shuffle_epi8(sc, _mm256_set1_epi16(int16_t(((2 * j + 1) << 8) | (2 * j))));
}

// ---------------------------------------------------------------------------------------------
// q8_K quantization
// ---------------------------------------------------------------------------------------------

// One block of quantize_row_q8_K_ref. The max search and the rounding are vectorized; everything
// that decides a value (which element is the max, iscale, d) is computed exactly as the scalar
// code does, and vcvtps2dq rounds half to even like ggml's nearest_int.
void q8_K_block(const float* x, block_q8_K& y) {
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 vmax = _mm256_setzero_ps();
    for (int j = 0; j < QK_K; j += 8)  // NaN as first operand is ignored, like the scalar '>' scan
        vmax = _mm256_max_ps(_mm256_and_ps(_mm256_loadu_ps(x + j), abs_mask), vmax);
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(vmax), _mm256_extractf128_ps(vmax, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    const float amax = _mm_cvtss_f32(m);
    float max = 0.f;
    if (amax > 0.f) {  // the first element reaching amax, as the scalar strict '>' scan picks
        const __m256 target = _mm256_set1_ps(amax);
        for (int j = 0; j < QK_K; j += 8) {
            const __m256 ax = _mm256_and_ps(_mm256_loadu_ps(x + j), abs_mask);
            const int hits = _mm256_movemask_ps(_mm256_cmp_ps(ax, target, _CMP_EQ_OQ));
            if (hits) {
                max = x[j + __builtin_ctz(unsigned(hits))];
                break;
            }
        }
    }
    const float iscale = -127.f / max;
    // A zero max (all-zero block) or one so small that -127/max overflows to infinity: there the
    // scalar code's magic-number rounding of inf and vcvtps2dq disagree, so take the scalar path.
    if (max == 0.f || !std::isfinite(iscale)) {
        kquants::q8_K_block_finish_scalar(x, max, y);
        return;
    }
    const __m256 vscale = _mm256_set1_ps(iscale);
    const __m256i v127 = _mm256_set1_epi32(127);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    __m128i sums[4];  // group sums, 4 per 64 elements
    for (int j = 0; j < QK_K; j += 64) {
        __m256i v[8];
        for (int k = 0; k < 8; ++k) {
            const __m256 p = _mm256_mul_ps(vscale, _mm256_loadu_ps(x + j + 8 * k));
            // nearest_int maps NaN (NaN input, or inf times a zero iscale) to 0; vcvtps2dq would give INT_MIN.
            const __m256i ordered = _mm256_castps_si256(_mm256_cmp_ps(p, p, _CMP_ORD_Q));
            v[k] = _mm256_and_si256(_mm256_min_epi32(_mm256_cvtps_epi32(p), v127), ordered);
        }
        for (int half = 0; half < 2; ++half) {
            const __m256i* w = v + 4 * half;
            const __m256i p01 = _mm256_packs_epi32(w[0], w[1]);
            const __m256i p23 = _mm256_packs_epi32(w[2], w[3]);
            const __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(p01, p23), order);
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(y.qs + j + 32 * half), bytes);
        }
        // Sums of the 4 groups of 16 in these 64 elements.
        const __m256i g0 = _mm256_add_epi32(v[0], v[1]), g1 = _mm256_add_epi32(v[2], v[3]);
        const __m256i g2 = _mm256_add_epi32(v[4], v[5]), g3 = _mm256_add_epi32(v[6], v[7]);
        const __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(g0, g1), _mm256_hadd_epi32(g2, g3));
        sums[j / 64] = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y.bsums), _mm_packs_epi32(sums[0], sums[1]));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y.bsums + 8), _mm_packs_epi32(sums[2], sums[3]));
    y.d = 1.f / iscale;
}

void from_f32_q8_K(const float* x, void* vy, int64_t n) {
    auto* y = static_cast<block_q8_K*>(vy);
    for (int64_t i = 0; i < n / QK_K; ++i) q8_K_block(x + i * QK_K, y[i]);
}

// ---------------------------------------------------------------------------------------------
// Dequantization (bit-identical to scalar: same per-sub-block float factors, then q * f - m with
// separate multiply and subtract; the project builds in ISO C++ mode, where GCC does not contract
// them into FMAs, and the bit-identity tests would catch it if it did)
// ---------------------------------------------------------------------------------------------

// y[0..31] = d * float(q[0..31]) - m for 32 unsigned byte quants in a vector.
inline void store_affine32(__m256i q, float d, float m, float* y) {
    const __m256 vd = _mm256_set1_ps(d), vm = _mm256_set1_ps(m);
    const __m128i lo = _mm256_castsi256_si128(q), hi = _mm256_extracti128_si256(q, 1);
    const __m128i parts[4] = {lo, _mm_srli_si128(lo, 8), hi, _mm_srli_si128(hi, 8)};
    for (int k = 0; k < 4; ++k) {
        const __m256 f = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(parts[k]));
        _mm256_storeu_ps(y + 8 * k, _mm256_sub_ps(_mm256_mul_ps(vd, f), vm));
    }
}

void to_f32_q4_K(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_q4_K*>(vx);
    const __m256i m4 = _mm256_set1_epi8(0xF);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = fp16_to_fp32(x[i].d), dmin = fp16_to_fp32(x[i].dmin);
        for (int g = 0; g < QK_K / 64; ++g) {
            uint8_t sc, m;
            kquants::scale_min_k4(2 * g, x[i].scales, sc, m);
            const float d1 = d * float(sc), m1 = dmin * float(m);
            kquants::scale_min_k4(2 * g + 1, x[i].scales, sc, m);
            const float d2 = d * float(sc), m2 = dmin * float(m);
            const __m256i q = load256(x[i].qs + 32 * g);
            store_affine32(_mm256_and_si256(q, m4), d1, m1, y);
            store_affine32(_mm256_and_si256(_mm256_srli_epi16(q, 4), m4), d2, m2, y + 32);
            y += 64;
        }
    }
}

void to_f32_q5_K(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_q5_K*>(vx);
    const __m256i m4 = _mm256_set1_epi8(0xF), sixteen = _mm256_set1_epi8(16);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = fp16_to_fp32(x[i].d), dmin = fp16_to_fp32(x[i].dmin);
        const __m256i qh = load256(x[i].qh);
        for (int g = 0; g < QK_K / 64; ++g) {
            uint8_t sc, m;
            kquants::scale_min_k4(2 * g, x[i].scales, sc, m);
            const float d1 = d * float(sc), m1 = dmin * float(m);
            kquants::scale_min_k4(2 * g + 1, x[i].scales, sc, m);
            const float d2 = d * float(sc), m2 = dmin * float(m);
            const __m256i q = load256(x[i].qs + 32 * g);
            const __m256i b0 = _mm256_set1_epi8(char(1 << (2 * g))), b1 = _mm256_set1_epi8(char(2 << (2 * g)));
            const __m256i h0 = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, b0), b0), sixteen);
            const __m256i h1 = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, b1), b1), sixteen);
            store_affine32(_mm256_or_si256(_mm256_and_si256(q, m4), h0), d1, m1, y);
            store_affine32(_mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 4), m4), h1), d2, m2, y + 32);
            y += 64;
        }
    }
}

// y[0..15] = d * float(q[0..15]) - m for 16 unsigned byte quants.
inline void store_affine16(__m128i q, float d, float m, float* y) {
    const __m256 vd = _mm256_set1_ps(d), vm = _mm256_set1_ps(m);
    const __m256 f0 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(q));
    const __m256 f1 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(q, 8)));
    _mm256_storeu_ps(y, _mm256_sub_ps(_mm256_mul_ps(vd, f0), vm));
    _mm256_storeu_ps(y + 8, _mm256_sub_ps(_mm256_mul_ps(vd, f1), vm));
}

void to_f32_q2_K(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_q2_K*>(vx);
    const __m256i m3 = _mm256_set1_epi8(3);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = fp16_to_fp32(x[i].d), dmin = fp16_to_fp32(x[i].dmin);
        for (int run = 0; run < 8; ++run) {  // runs of 32: half run/4, bit pair run%4
            const __m256i q = _mm256_and_si256(_mm256_srli_epi16(load256(x[i].qs + 32 * (run / 4)), 2 * (run % 4)), m3);
            for (int part = 0; part < 2; ++part) {
                const uint8_t sc = x[i].scales[2 * run + part];
                const __m128i q16 = part == 0 ? _mm256_castsi256_si128(q) : _mm256_extracti128_si256(q, 1);
                store_affine16(q16, d * float(sc & 0xF), dmin * float(sc >> 4), y + 16 * part);
            }
            y += 32;
        }
    }
}

// y[0..15] = (d * sc) * float(q[0..15]) for 16 signed byte quants.
inline void store_scaled16(__m128i q, float dsc, float* y) {
    const __m256 v = _mm256_set1_ps(dsc);
    _mm256_storeu_ps(y, _mm256_mul_ps(v, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q))));
    _mm256_storeu_ps(y + 8, _mm256_mul_ps(v, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(q, 8)))));
}

// The four runs of 32 q6_K quants of one 128-element half, unsigned (0..63, i.e. value + 32).
inline void q6_K_half(const uint8_t* ql, const uint8_t* qh, __m256i out[4]) {
    const __m256i m4 = _mm256_set1_epi8(0xF), m2 = _mm256_set1_epi8(3);
    const __m256i lo1 = load256(ql), lo2 = load256(ql + 32), hb = load256(qh);
    const __m256i lows[4] = {_mm256_and_si256(lo1, m4), _mm256_and_si256(lo2, m4),
                             _mm256_and_si256(_mm256_srli_epi16(lo1, 4), m4),
                             _mm256_and_si256(_mm256_srli_epi16(lo2, 4), m4)};
    for (int k = 0; k < 4; ++k) {
        const __m256i high = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2 * k), m2), 4);
        out[k] = _mm256_or_si256(lows[k], high);  // unsigned 0..63
    }
}

void to_f32_q3_K(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_q3_K*>(vx);
    const __m256i m3 = _mm256_set1_epi8(3), four = _mm256_set1_epi8(4);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        int8_t sc[16];
        kquants::unpack_scales_q3_K(x[i].scales, sc);
        const __m256i hbits = load256(x[i].hmask);
        for (int run = 0; run < 8; ++run) {  // runs of 32; a clear hmask bit `run` means q - 4
            const __m256i low = _mm256_and_si256(_mm256_srli_epi16(load256(x[i].qs + 32 * (run / 4)), 2 * (run % 4)), m3);
            const __m256i bit = _mm256_set1_epi8(char(1 << run));
            const __m256i sub = _mm256_andnot_si256(_mm256_cmpeq_epi8(_mm256_and_si256(hbits, bit), bit), four);
            const __m256i q = _mm256_sub_epi8(low, sub);
            store_scaled16(_mm256_castsi256_si128(q), d * float(sc[2 * run]), y);
            store_scaled16(_mm256_extracti128_si256(q, 1), d * float(sc[2 * run + 1]), y + 16);
            y += 32;
        }
    }
}

void to_f32_q6_K(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_q6_K*>(vx);
    const __m256i m32 = _mm256_set1_epi8(32);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        for (int half = 0; half < 2; ++half) {
            __m256i q[4];
            q6_K_half(x[i].ql + 64 * half, x[i].qh + 32 * half, q);
            const int8_t* sc = x[i].scales + 8 * half;
            for (int k = 0; k < 4; ++k) {
                const __m256i s = _mm256_sub_epi8(q[k], m32);
                store_scaled16(_mm256_castsi256_si128(s), d * float(sc[2 * k]), y + 32 * k);
                store_scaled16(_mm256_extracti128_si256(s, 1), d * float(sc[2 * k + 1]), y + 32 * k + 16);
            }
            y += 128;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Dot products
// ---------------------------------------------------------------------------------------------
//
// The float work per super-block is that of the row-interleaved tiles below (and of the AVX-512
// level): the integer dot isum (and, with mins, msum = sum of min_s * bsum_s) is exact however it
// is formed, then acc = fma(float(isum), d_w * d_x, acc) [acc = fma(-float(msum), dmin_w * d_x,
// acc)], super-blocks in order. So a batch through the tile and one token through vec_dot give
// bit-identical results.

inline int32_t hsum_epi32(__m128i h) {
    h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4E));
    h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0xB1));
    return _mm_cvtsi128_si32(h);
}
inline int32_t hsum_epi32(__m256i v) { return hsum_epi32(_mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1))); }

template <bool kMins, class Block>
inline float k_block_fma(int32_t isum, int32_t msum, const Block& x, const block_q8_K& y, float acc) {
    acc = std::fma(float(isum), fp16_to_fp32_f16c(x.d) * y.d, acc);
    if constexpr (kMins) acc = std::fma(-float(msum), fp16_to_fp32_f16c(x.dmin) * y.d, acc);
    return acc;
}

// -offset * sum_j scale_j * bsum_j over the 16 runs of 16 (scales as 16 int16): the correction
// for quants taken as unsigned q + offset.
inline __m256i offset_correction16(__m256i sc16, const int16_t* bsums, int offset_log2) {
    const __m256i prod = _mm256_madd_epi16(sc16, load256(bsums));
    return _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(prod, offset_log2));
}

// The 16 int16 scales split into halves of 8, each duplicated into both 128-bit lanes, as
// pick_scale_pair wants them.
struct ScaleHalves {
    __m256i h[2];
    explicit ScaleHalves(__m256i sc16) : h{_mm256_permute4x64_epi64(sc16, 0x44), _mm256_permute4x64_epi64(sc16, 0xEE)} {}
};

// q2_K and q3_K low bits: 32 quants of run k (0..3) of half `bits` (32 bytes of qs).
inline __m256i low2(__m256i bits, int k) { return _mm256_and_si256(_mm256_srli_epi16(bits, 2 * k), _mm256_set1_epi8(3)); }

void vec_dot_q2_K(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_q2_K*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    const __m128i m4 = _mm_set1_epi8(0xF);
    float acc = 0;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].scales));
        const __m256i mins = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(packed, 4), m4));
        const __m256i mins_dot = _mm256_madd_epi16(mins, load256(y[i].bsums));
        const ScaleHalves sc(_mm256_cvtepu8_epi16(_mm_and_si128(packed, m4)));
        __m256i sumi[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
        for (int half = 0; half < 2; ++half) {
            const __m256i bits = load256(x[i].qs + 32 * half);
#pragma GCC unroll 4
            for (int k = 0; k < 4; ++k) {
                const int run = 4 * half + k;
                const __m256i p = _mm256_maddubs_epi16(low2(bits, k), load256(y[i].qs + 32 * run));
                sumi[k % 2] = _mm256_add_epi32(sumi[k % 2], _mm256_madd_epi16(pick_scale_pair(sc.h, run), p));
            }
        }
        acc = k_block_fma<true>(hsum_epi32(_mm256_add_epi32(sumi[0], sumi[1])), hsum_epi32(mins_dot), x[i], y[i], acc);
    }
    *s = acc;
}

// q3_K quants are taken as low2 + 4 * hbit (0..7, the value + 4).
void vec_dot_q3_K(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_q3_K*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    const __m256i four = _mm256_set1_epi8(4);
    float acc = 0;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const __m256i sc16 = _mm256_cvtepi8_epi16(kquants::scales_q3_K_vec(x[i].scales));
        const ScaleHalves sc(sc16);
        const __m256i hbits = load256(x[i].hmask);
        __m256i sumi[2] = {offset_correction16(sc16, y[i].bsums, 2), _mm256_setzero_si256()};
        for (int half = 0; half < 2; ++half) {
            const __m256i bits = load256(x[i].qs + 32 * half);
#pragma GCC unroll 4
            for (int k = 0; k < 4; ++k) {
                const int run = 4 * half + k;  // also the hmask bit of this run of 32
                const __m256i bit = _mm256_set1_epi8(char(1 << run));
                const __m256i high = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(hbits, bit), bit), four);
                const __m256i q = _mm256_or_si256(low2(bits, k), high);
                const __m256i p = _mm256_maddubs_epi16(q, load256(y[i].qs + 32 * run));
                sumi[k % 2] = _mm256_add_epi32(sumi[k % 2], _mm256_madd_epi16(pick_scale_pair(sc.h, run), p));
            }
        }
        acc = k_block_fma<false>(hsum_epi32(_mm256_add_epi32(sumi[0], sumi[1])), 0, x[i], y[i], acc);
    }
    *s = acc;
}

// q4_K and q5_K; q5_K's 5th bit (bit 2g / 2g+1 of qh for group g's low / high nibbles) adds 16.
template <bool kFifthBit, typename Block>
void vec_dot_q45_K(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const Block*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    const __m256i m4 = _mm256_set1_epi8(0xF), sixteen = _mm256_set1_epi8(16);
    float acc = 0;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const __m128i sm = kquants::scales_mins_k4_vec(x[i].scales);  // 8 scales, 8 mins
        const __m256i sc = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(sm));  // 8 int16 scales, both lanes
        const __m128i mins = k4_mins_dot(sm, y[i].bsums);
        __m256i qh = _mm256_setzero_si256();
        if constexpr (kFifthBit) qh = load256(x[i].qh);
        const int8_t* q8 = y[i].qs;
        __m256i sumi[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
#pragma GCC unroll 4
        for (int g = 0; g < QK_K / 64; ++g) {
            const __m256i bits = load256(x[i].qs + 32 * g);
            __m256i ql = _mm256_and_si256(bits, m4);
            __m256i qhi = _mm256_and_si256(_mm256_srli_epi16(bits, 4), m4);
            if constexpr (kFifthBit) {
                const __m256i b0 = _mm256_set1_epi8(char(1 << (2 * g))), b1 = _mm256_set1_epi8(char(2 << (2 * g)));
                ql = _mm256_or_si256(ql, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, b0), b0), sixteen));
                qhi = _mm256_or_si256(qhi, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, b1), b1), sixteen));
            }
            const __m256i pl = _mm256_madd_epi16(broadcast_scale(sc, 2 * g), _mm256_maddubs_epi16(ql, load256(q8)));
            const __m256i ph = _mm256_madd_epi16(broadcast_scale(sc, 2 * g + 1), _mm256_maddubs_epi16(qhi, load256(q8 + 32)));
            sumi[0] = _mm256_add_epi32(sumi[0], pl);
            sumi[1] = _mm256_add_epi32(sumi[1], ph);
            q8 += 64;
        }
        acc = k_block_fma<true>(hsum_epi32(_mm256_add_epi32(sumi[0], sumi[1])), hsum_epi32(mins), x[i], y[i], acc);
    }
    *s = acc;
}

// q6_K quants are taken unsigned (q + 32).
void vec_dot_q6_K(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_q6_K*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    float acc = 0;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].scales)));
        const ScaleHalves sc(sc16);
        __m256i sumi[2] = {offset_correction16(sc16, y[i].bsums, 5), _mm256_setzero_si256()};
        for (int half = 0; half < 2; ++half) {
            __m256i q[4];
            q6_K_half(x[i].ql + 64 * half, x[i].qh + 32 * half, q);
#pragma GCC unroll 4
            for (int k = 0; k < 4; ++k) {
                const int run = 4 * half + k;
                const __m256i p = _mm256_maddubs_epi16(q[k], load256(y[i].qs + 32 * run));
                sumi[k % 2] = _mm256_add_epi32(sumi[k % 2], _mm256_madd_epi16(pick_scale_pair(sc.h, run), p));
            }
        }
        acc = k_block_fma<false>(hsum_epi32(_mm256_add_epi32(sumi[0], sumi[1])), 0, x[i], y[i], acc);
    }
    *s = acc;
}

// ---------------------------------------------------------------------------------------------
// Batched K-quants x q8_K: row-interleaved tiles
// ---------------------------------------------------------------------------------------------
// Groups of 8 weight rows, one int32 lane per row (the AVX2 form of kquants_avx512.cpp's 16-row
// tiles). Per super-block and (row, token) the exact integers
//     isum = sum over sub-blocks s of scale_s * (unsigned quants of s . q8)  [- offset * sum_s scale_s * bsum_s]
//     msum = sum over s of min_s * bsum_s                                     (q2_K, q4_K, q5_K)
// then the float operations of k_block_fma (which the row kernels above repeat). k is never split
// into chunks.
//
// A sub-block's products: the token's 4 bytes of each 4-element group broadcast, vpmaddubsw pair
// sums added in int16 while they cannot overflow (|q8| <= 127: activations come from the q8_K
// quantizer), then one vpmaddwd by the sub-block's scale, held in both int16 halves of the row's lane:
//     q4_K (u <= 15, sub-blocks of 32): all 8 vpmaddubsw, |sum| <= 8 * 2 * 15 * 127 = 30480
//     q5_K (u <= 31, 32):  4 per sum, <= 31496      q6_K (u = q + 32 <= 63, 16): 2 per sum, <= 32004
//     q3_K (u = q + 4 <= 7, 16), q2_K (u <= 3, 16): all 4, <= 7112
// Offsets and mins go through the token's sums of 16 (or 32) quants: one vpmaddwd per pair of
// sub-blocks, from the rows' int16 pairs of scales (offset types) or mins.
using group_tile8::broadcast32;
using group_tile8::kGroupRows;
using kquants::KX;

// Per-type traits: sub-block size, storage, and the unsigned quants / scales / mins of a block
// (decoded once, when rows are packed).
template <class B, int Sub, bool Nibbles, int Run, int Shift>
struct KTileOf {
    using Block = B;
    static constexpr int sub = Sub;              // elements per sub-block (one scale)
    static constexpr int subs = QK_K / Sub;
    static constexpr bool nibbles = Nibbles;     // quants stored two to a byte (q4_K)
    static constexpr int run = Run;              // vpmaddubsw added in int16 before vpmaddwd
    static constexpr int shift = Shift;          // quants stored as q + (1 << shift); -1: mins
    static constexpr bool mins = Shift < 0;
};
struct KTileQ4 : KTileOf<block_q4_K, 32, true, 8, -1> {
    static void decode(const Block& b, uint8_t* u, int8_t* sc, int8_t* mn) {
        for (int g = 0; g < 4; ++g)
            for (int l = 0; l < 32; ++l) {
                u[64 * g + l] = b.qs[32 * g + l] & 0xF;
                u[64 * g + 32 + l] = b.qs[32 * g + l] >> 4;
            }
        uint8_t sm[16];
        kquants::unpack_scales_mins_k4(b.scales, sm);
        for (int s = 0; s < 8; ++s) sc[s] = int8_t(sm[s]), mn[s] = int8_t(sm[8 + s]);
    }
};
struct KTileQ5 : KTileOf<block_q5_K, 32, false, 4, -1> {
    static void decode(const Block& b, uint8_t* u, int8_t* sc, int8_t* mn) {
        for (int g = 0; g < 4; ++g)
            for (int l = 0; l < 32; ++l) {
                u[64 * g + l] = uint8_t((b.qs[32 * g + l] & 0xF) | ((b.qh[l] >> (2 * g)) & 1) << 4);
                u[64 * g + 32 + l] = uint8_t((b.qs[32 * g + l] >> 4) | ((b.qh[l] >> (2 * g + 1)) & 1) << 4);
            }
        uint8_t sm[16];
        kquants::unpack_scales_mins_k4(b.scales, sm);
        for (int s = 0; s < 8; ++s) sc[s] = int8_t(sm[s]), mn[s] = int8_t(sm[8 + s]);
    }
};
// q6_K element 128h + 32k + l: low 4 bits from ql[64h + l + 32 (k & 1)] (low nibble for k < 2),
// high 2 bits are bits 2k..2k+1 of qh[32h + l].
struct KTileQ6 : KTileOf<block_q6_K, 16, false, 2, 5> {
    static void decode(const Block& b, uint8_t* u, int8_t* sc, int8_t*) {
        for (int h = 0; h < 2; ++h)
            for (int k = 0; k < 4; ++k)
                for (int l = 0; l < 32; ++l) {
                    const uint8_t lo = b.ql[64 * h + l + 32 * (k & 1)];
                    u[128 * h + 32 * k + l] = uint8_t((k < 2 ? lo & 0xF : lo >> 4) | ((b.qh[32 * h + l] >> (2 * k)) & 3) << 4);
                }
        std::memcpy(sc, b.scales, 16);
    }
};
// q2_K / q3_K element 128h + 32j + l: bits 2j..2j+1 of qs[32h + l]; q3_K's third bit is bit 4h + j
// of hmask[l] (clear: value - 4, so u = low + 4 * bit = value + 4).
struct KTileQ3 : KTileOf<block_q3_K, 16, false, 4, 2> {
    static void decode(const Block& b, uint8_t* u, int8_t* sc, int8_t*) {
        for (int h = 0; h < 2; ++h)
            for (int j = 0; j < 4; ++j)
                for (int l = 0; l < 32; ++l)
                    u[128 * h + 32 * j + l] = uint8_t(((b.qs[32 * h + l] >> (2 * j)) & 3) + ((b.hmask[l] >> (4 * h + j)) & 1) * 4);
        kquants::unpack_scales_q3_K(b.scales, sc);
    }
};
struct KTileQ2 : KTileOf<block_q2_K, 16, false, 4, -1> {
    static void decode(const Block& b, uint8_t* u, int8_t* sc, int8_t* mn) {
        for (int h = 0; h < 2; ++h)
            for (int j = 0; j < 4; ++j)
                for (int l = 0; l < 32; ++l) u[128 * h + 32 * j + l] = (b.qs[32 * h + l] >> (2 * j)) & 3;
        for (int s = 0; s < 16; ++s) sc[s] = int8_t(b.scales[s] & 0xF), mn[s] = int8_t(b.scales[s] >> 4);
    }
};

// A packed group of 8 rows, per super-block.
template <class T>
struct alignas(32) KGroup {
    uint32_t q[T::nibbles ? QK_K / 8 : QK_K / 4][kGroupRows];  // [quant vector][row], 4 bytes per row
    int8_t scale[T::subs][kGroupRows];                         // [sub-block][row]
    int32_t pair[T::subs / 2][kGroupRows];  // [sub-block pair p][row]: int16 mins (offset types: scales) of 2p, 2p+1
    uint16_t d[kGroupRows], dmin[kGroupRows];                  // the blocks' fp16 bits (dmin: mins types)
};
template <class T>
size_t kgroup_packed_bytes(int64_t k) { return size_t(k / QK_K) * sizeof(KGroup<T>); }

// Packs nrows (<= 8) rows, row_stride bytes apart, into one group (missing rows are zero). q4_K's
// nibbles: vector 4s + j holds 4-element group 8s + j in the low and 8s + j + 4 in the high nibbles.
template <class T>
void kgroup_pack(int64_t k, const char* rows, size_t row_stride, int nrows, char* out) {
    auto* o = reinterpret_cast<KGroup<T>*>(out);
    for (int64_t i = 0; i < k / QK_K; ++i) {
        KGroup<T>& g = o[i];
        std::memset(&g, 0, sizeof g);
        for (int r = 0; r < nrows; ++r) {
            const auto& b = reinterpret_cast<const typename T::Block*>(rows + size_t(r) * row_stride)[i];
            alignas(32) uint32_t q[QK_K / 4];
            int8_t sc[T::subs], mn[T::subs] = {};
            T::decode(b, reinterpret_cast<uint8_t*>(q), sc, mn);
            if constexpr (T::nibbles) {
                for (int s = 0; s < QK_K / 32; ++s)
                    for (int j = 0; j < 4; ++j) g.q[4 * s + j][r] = q[8 * s + j] | q[8 * s + j + 4] << 4;  // bytes < 16
            } else {
                for (int j = 0; j < QK_K / 4; ++j) g.q[j][r] = q[j];
            }
            const int8_t* pr = T::mins ? mn : sc;
            for (int s = 0; s < T::subs; ++s) g.scale[s][r] = sc[s];
            for (int p = 0; p < T::subs / 2; ++p)
                g.pair[p][r] = int32_t(uint32_t(uint16_t(int16_t(pr[2 * p]))) | uint32_t(uint16_t(int16_t(pr[2 * p + 1]))) << 16);
            g.d[r] = b.d;
            if constexpr (T::mins) g.dmin[r] = b.dmin;
        }
    }
}

// G groups of 8 rows x C tokens; nr rows in all (a partial last group is stored masked).
template <class T>
struct KTile {
    template <int G, int C>
    struct For {
        static void run(int64_t k, const char* w, size_t ws, int nr, const char* x, size_t xs, int, float* y, int64_t ldy,
                        bool accumulate) {
            constexpr int kVectors = T::sub / 4;  // 4-element groups per sub-block
            const __m256i low4 = _mm256_set1_epi8(0x0F), low16 = _mm256_set1_epi32(0xFFFF);
            __m256 acc[G][C];
            for (int g = 0; g < G; ++g)
                for (int c = 0; c < C; ++c) acc[g][c] = _mm256_setzero_ps();
            for (int64_t i = 0; i < k / QK_K; ++i) {
                const KGroup<T>* wg[G];
                const KX* xb[C];
                for (int g = 0; g < G; ++g) wg[g] = reinterpret_cast<const KGroup<T>*>(w + size_t(g) * ws) + i;
                for (int c = 0; c < C; ++c) xb[c] = reinterpret_cast<const KX*>(x + size_t(c) * xs) + i;
                if constexpr (C <= 2)  // few tokens: streaming the weights is the work; fetch the next super-block
                    for (int g = 0; g < G; ++g)
                        for (size_t line = 0; line < sizeof(KGroup<T>); line += 64)
                            _mm_prefetch(reinterpret_cast<const char*>(wg[g] + 1) + line, _MM_HINT_T0);
                __m256i isum[G][C];
                for (int g = 0; g < G; ++g)
                    for (int c = 0; c < C; ++c) isum[g][c] = _mm256_setzero_si256();
                for (int s = 0; s < T::subs; ++s) {
                    __m256i scale[G];  // the sub-block's scale in both int16 halves of each row's lane
                    for (int g = 0; g < G; ++g) {
                        const __m256i sc = _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(wg[g]->scale[s])));
                        scale[g] = _mm256_or_si256(_mm256_and_si256(sc, low16), _mm256_slli_epi32(sc, 16));
                    }
                    __m256i s16[G][C];
                    if constexpr (T::nibbles) {  // 4 stored vectors, 8 products: one int16 sum
                        for (int j = 0; j < 4; ++j) {
                            __m256i wl[G], wh[G];
                            for (int g = 0; g < G; ++g) {
                                const __m256i v = _mm256_load_si256(reinterpret_cast<const __m256i*>(wg[g]->q[4 * s + j]));
                                wl[g] = _mm256_and_si256(v, low4);
                                wh[g] = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
                            }
                            for (int c = 0; c < C; ++c) {
                                const __m256i xl = broadcast32(xb[c]->qs + 32 * s + 4 * j), xh = broadcast32(xb[c]->qs + 32 * s + 4 * (j + 4));
                                for (int g = 0; g < G; ++g) {
                                    const __m256i p = _mm256_add_epi16(_mm256_maddubs_epi16(wl[g], xl), _mm256_maddubs_epi16(wh[g], xh));
                                    s16[g][c] = j == 0 ? p : _mm256_add_epi16(s16[g][c], p);
                                }
                            }
                        }
                        for (int g = 0; g < G; ++g)
                            for (int c = 0; c < C; ++c) isum[g][c] = _mm256_add_epi32(isum[g][c], _mm256_madd_epi16(s16[g][c], scale[g]));
                    } else {
                        for (int j0 = 0; j0 < kVectors; j0 += T::run) {
                            for (int j = j0; j < j0 + T::run; ++j) {
                                __m256i wv[G];
                                for (int g = 0; g < G; ++g)
                                    wv[g] = _mm256_load_si256(reinterpret_cast<const __m256i*>(wg[g]->q[kVectors * s + j]));
                                for (int c = 0; c < C; ++c) {
                                    const __m256i xv = broadcast32(xb[c]->qs + T::sub * s + 4 * j);
                                    for (int g = 0; g < G; ++g) {
                                        const __m256i p = _mm256_maddubs_epi16(wv[g], xv);
                                        s16[g][c] = j == j0 ? p : _mm256_add_epi16(s16[g][c], p);
                                    }
                                }
                            }
                            for (int g = 0; g < G; ++g)
                                for (int c = 0; c < C; ++c) isum[g][c] = _mm256_add_epi32(isum[g][c], _mm256_madd_epi16(s16[g][c], scale[g]));
                        }
                    }
                }
                for (int g = 0; g < G; ++g) {
                    const __m256 dw = _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(wg[g]->d)));
                    for (int c = 0; c < C; ++c) {
                        // sum of min_s (offset types: scale_s) * the token's sum of sub-block s
                        const int16_t* bsums = T::sub == 32 ? xb[c]->bsum32 : xb[c]->bsums;
                        __m256i corr = _mm256_setzero_si256();
                        for (int p = 0; p < T::subs / 2; ++p)
                            corr = _mm256_add_epi32(corr, _mm256_madd_epi16(_mm256_load_si256(reinterpret_cast<const __m256i*>(wg[g]->pair[p])),
                                                                            broadcast32(bsums + 2 * p)));
                        const __m256 dx = _mm256_set1_ps(xb[c]->d);
                        if constexpr (!T::mins) isum[g][c] = _mm256_sub_epi32(isum[g][c], _mm256_slli_epi32(corr, T::shift));
                        acc[g][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[g][c]), _mm256_mul_ps(dw, dx), acc[g][c]);
                        if constexpr (T::mins) {
                            const __m256 dmw = _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(wg[g]->dmin)));
                            acc[g][c] = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(corr), _mm256_mul_ps(dmw, dx), acc[g][c]);
                        }
                    }
                }
            }
            group_tile8::store<G, C>(acc, nr, y, ldy, accumulate);
        }
    };
};

constexpr int kKGroups = 1, kKCols = 4;
constexpr int64_t kWholeRow = int64_t(1) << 40;  // k_chunk: the whole row in one pass

template <class T>
constexpr GemmTile k_tile_for{kKGroups * kGroupRows,
                              kKCols,
                              kgroup_packed_bytes<T>,
                              nullptr,
                              kquants::kx_packed_bytes,
                              kquants::kx_pack,
                              GroupTileTable<KTile<T>::template For, kGroupRows, kKGroups, kKCols>::run,
                              QK_K,
                              kWholeRow,
                              4,
                              kGroupRows,
                              kgroup_pack<T>,
                              // packed once at load where within 30 % of the stored size: q4_K only
                              sizeof(KGroup<T>) * 10 <= kGroupRows * sizeof(typename T::Block) * 13};
}  // namespace

void kernels_register_kquants_avx2(KernelTable& t) {
    t[GgmlType::Q2_K].vec_dot = vec_dot_q2_K;
    t[GgmlType::Q2_K].to_f32 = to_f32_q2_K;
    t[GgmlType::Q3_K].vec_dot = vec_dot_q3_K;
    t[GgmlType::Q3_K].to_f32 = to_f32_q3_K;
    t[GgmlType::Q4_K].vec_dot = vec_dot_q45_K<false, block_q4_K>;
    t[GgmlType::Q4_K].to_f32 = to_f32_q4_K;
    t[GgmlType::Q5_K].vec_dot = vec_dot_q45_K<true, block_q5_K>;
    t[GgmlType::Q5_K].to_f32 = to_f32_q5_K;
    t[GgmlType::Q6_K].vec_dot = vec_dot_q6_K;
    t[GgmlType::Q6_K].to_f32 = to_f32_q6_K;
    t[GgmlType::Q8_K].from_f32 = from_f32_q8_K;
}

}  // namespace qs

namespace qs {

const GemmTile* gemm_tile_kquants_avx2(GgmlType t) {
    switch (t) {
        case GgmlType::Q2_K: return &k_tile_for<KTileQ2>;
        case GgmlType::Q3_K: return &k_tile_for<KTileQ3>;
        case GgmlType::Q4_K: return &k_tile_for<KTileQ4>;
        case GgmlType::Q5_K: return &k_tile_for<KTileQ5>;
        case GgmlType::Q6_K: return &k_tile_for<KTileQ6>;
        default: return nullptr;
    }
}

}  // namespace qs
