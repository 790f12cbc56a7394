// AVX2 K-quant kernels: dot products with q8_K following ggml's x86 approach, q8_K quantization
// and dequantization of every K-quant (both bit-identical to the scalar reference).
//
// Dot products: quants are expanded to unsigned bytes, multiplied with the signed q8_K bytes by
// vpmaddubsw (pairs summed into int16, never saturating: |q| <= 63, |q8| <= 127), then
// vpmaddwd with each sub-block's scale sums pairs into int32. Signed quants (q3_K, q6_K) are
// taken as unsigned q + offset, and offset * scale * (q8 sums) is subtracted once per super-block
// from the q8_K bsums; mins (q2_K, q4_K, q5_K) use the bsums the same way, as ggml does.
// The float accumulation order differs from the scalar reference (which mirrors ggml's generic C),
// so results agree to rounding, not bit for bit.

// ggml's float formulas must round as written (x * d - m is two roundings, not one FMA), and GCC
// contracts by default in C++ whenever FMA is available; this must precede every include so the
// inlined helpers and intrinsics share the setting. Explicit FMA intrinsics are unaffected.
#pragma GCC optimize("fp-contract=off")
#include <immintrin.h>

#include <cmath>

#include "kernels/kernel_table.h"
#include "kernels/kquants_common.h"

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
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = y[i].d * fp16_to_fp32_f16c(x[i].d);
        const float dmin = -y[i].d * fp16_to_fp32_f16c(x[i].dmin);
        const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].scales));
        const __m256i mins = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(packed, 4), m4));
        const __m256i mins_dot = _mm256_madd_epi16(mins, load256(y[i].bsums));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(dmin), _mm256_cvtepi32_ps(mins_dot), acc);
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
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(_mm256_add_epi32(sumi[0], sumi[1])), acc);
    }
    *s = hsum_ps(acc);
}

// q3_K quants are taken as low2 + 4 * hbit (0..7, the value + 4).
void vec_dot_q3_K(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_q3_K*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    const __m256i four = _mm256_set1_epi8(4);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = y[i].d * fp16_to_fp32_f16c(x[i].d);
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
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(_mm256_add_epi32(sumi[0], sumi[1])), acc);
    }
    *s = hsum_ps(acc);
}

// q4_K and q5_K; q5_K's 5th bit (bit 2g / 2g+1 of qh for group g's low / high nibbles) adds 16.
template <bool kFifthBit, typename Block>
void vec_dot_q45_K(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const Block*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    const __m256i m4 = _mm256_set1_epi8(0xF), sixteen = _mm256_set1_epi8(16);
    __m256 acc = _mm256_setzero_ps();
    __m128 acc_m = _mm_setzero_ps();
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = y[i].d * fp16_to_fp32_f16c(x[i].d);
        const float dmin = -y[i].d * fp16_to_fp32_f16c(x[i].dmin);
        const __m128i sm = kquants::scales_mins_k4_vec(x[i].scales);  // 8 scales, 8 mins
        const __m256i sc = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(sm));  // 8 int16 scales, both lanes
        acc_m = _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(k4_mins_dot(sm, y[i].bsums)), acc_m);
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
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(_mm256_add_epi32(sumi[0], sumi[1])), acc);
    }
    *s = hsum_ps(acc) + hsum_ps(acc_m);
}

// q6_K quants are taken unsigned (q + 32).
void vec_dot_q6_K(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_q6_K*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = y[i].d * fp16_to_fp32_f16c(x[i].d);
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
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(_mm256_add_epi32(sumi[0], sumi[1])), acc);
    }
    *s = hsum_ps(acc);
}

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
