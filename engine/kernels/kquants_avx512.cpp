// AVX-512 (BW/VL/DQ + VNNI) K-quant kernels: dot products of every K-quant with q8_K, and q8_K
// quantization bit-identical to the scalar reference. Dequantization stays at AVX2.
//
// Dot products work on 64 quants per zmm: the quants are expanded to unsigned bytes lined up with 64
// contiguous q8_K bytes, vpmaddubsw forms int16 pair sums, and VNNI's vpdpwssd multiplies those by
// the per-sub-block scale (int16 lanes chosen by vpermw) and accumulates into int32 in one step.
// Signed quants (q3_K, q6_K) are expanded as q + offset; the offset * scale * q8 sum is taken out
// once per super-block through the q8_K bsums, so the integer total equals ggml's.

// ggml's float formulas must round as written (x * d - m is two roundings, not one FMA), and GCC
// contracts by default in C++ whenever FMA is available; this must precede every include so the
// inlined helpers and intrinsics share the setting. Explicit FMA intrinsics are unaffected.
#pragma GCC optimize("fp-contract=off")
// GCC 12's own avx512fintrin.h trips -Wuninitialized on its `__m512 __Y = __Y;` placeholders
// (GCC bug 105593); silence it for the header only, keeping the warning for our code.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cmath>
#include <cstring>

#include "kernels/gemm_tiles.h"
#include "kernels/kernel_table.h"
#include "kernels/kquants_common.h"

namespace qs {
namespace {

using kquants::fp16_to_fp32_f16c;
using kquants::hsum_ps;
using kquants::k4_mins_dot;
using kquants::load256;

inline __m512i load512(const void* p) { return _mm512_loadu_si512(p); }
// The same 32 bytes in both halves of a zmm.
inline __m512i broadcast256(const void* p) { return _mm512_broadcast_i64x4(load256(p)); }
// int16 lanes 0..15 = a, 16..31 = b (per-half shift counts and the like).
inline __m512i halves_epi16(int16_t a, int16_t b) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi16(a)), _mm256_set1_epi16(b), 1);
}
inline __m512i halves_epi8(uint8_t a, uint8_t b) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi8(char(a))), _mm256_set1_epi8(char(b)), 1);
}

// vpermw indices picking, for the 64 quants of a zmm covering elements 64*k .. 64*k+63, the scale
// of each int16 pair-sum lane: runs of 16 (lane / 8 -> run 4k + lane/8) or of 32 (lane / 16 -> 2k + lane/16).
struct ScaleIndex {
    __m512i run16[4], run32[4];
    ScaleIndex() {
        for (int k = 0; k < 4; ++k) {
            alignas(64) int16_t a[32], b[32];
            for (int l = 0; l < 32; ++l) {
                a[l] = int16_t(4 * k + l / 8);
                b[l] = int16_t(2 * k + l / 16);
            }
            run16[k] = _mm512_load_si512(a);
            run32[k] = _mm512_load_si512(b);
        }
    }
};
const ScaleIndex& scale_index() {
    static const ScaleIndex idx;
    return idx;
}

// ---------------------------------------------------------------------------------------------
// q8_K quantization: same decisions as the scalar code (see the AVX2 version for the argument).
// ---------------------------------------------------------------------------------------------

void q8_K_block(const float* x, block_q8_K& y) {
    const __m512 abs_mask = _mm512_castsi512_ps(_mm512_set1_epi32(0x7fffffff));
    __m512 vmax = _mm512_setzero_ps();
    for (int j = 0; j < QK_K; j += 16)  // NaN as first operand is ignored, like the scalar '>' scan
        vmax = _mm512_max_ps(_mm512_and_ps(_mm512_loadu_ps(x + j), abs_mask), vmax);
    const float amax = _mm512_reduce_max_ps(vmax);
    float max = 0.f;
    if (amax > 0.f) {
        const __m512 target = _mm512_set1_ps(amax);
        for (int j = 0; j < QK_K; j += 16) {
            const __mmask16 hits = _mm512_cmp_ps_mask(_mm512_and_ps(_mm512_loadu_ps(x + j), abs_mask), target, _CMP_EQ_OQ);
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
    const __m512 vscale = _mm512_set1_ps(iscale);
    const __m512i v127 = _mm512_set1_epi32(127);
    // packs interleave per 128-bit lane: dword 4i+k holds 4 bytes of input k's lane i.
    const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    const __m512i bias = _mm512_set1_epi8(char(0x80));
    __m512i group_sums[4];  // per 64 quants: qword 0 of each 128-bit lane = (sum of 16) + 16*128
    for (int j = 0; j < QK_K; j += 64) {
        __m512i v[4];
        for (int k = 0; k < 4; ++k) {
            const __m512 p = _mm512_mul_ps(vscale, _mm512_loadu_ps(x + j + 16 * k));
            const __mmask16 ordered = _mm512_cmp_ps_mask(p, p, _CMP_ORD_Q);  // NaN -> 0 like nearest_int
            v[k] = _mm512_maskz_min_epi32(ordered, _mm512_cvtps_epi32(p), v127);
        }
        const __m512i packed = _mm512_packs_epi16(_mm512_packs_epi32(v[0], v[1]), _mm512_packs_epi32(v[2], v[3]));
        const __m512i q = _mm512_permutexvar_epi32(order, packed);
        _mm512_storeu_si512(y.qs + j, q);
        // Sums of 16 signed bytes: bias to unsigned, vpsadbw sums each 8, add the two of a lane.
        const __m512i sad = _mm512_sad_epu8(_mm512_xor_si512(q, bias), _mm512_setzero_si512());
        group_sums[j / 64] = _mm512_add_epi64(sad, _mm512_bsrli_epi128(sad, 8));
    }
    const __m512i pick = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
    const __m128i unbias = _mm_set1_epi16(16 * 128);
    for (int h = 0; h < 2; ++h) {
        const __m512i s = _mm512_permutex2var_epi64(group_sums[2 * h], pick, group_sums[2 * h + 1]);
        const __m128i s16 = _mm_sub_epi16(_mm512_cvtepi64_epi16(s), unbias);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(y.bsums + 8 * h), s16);
    }
    y.d = 1.f / iscale;
}

void from_f32_q8_K(const float* x, void* vy, int64_t n) {
    auto* y = static_cast<block_q8_K*>(vy);
    for (int64_t i = 0; i < n / QK_K; ++i) q8_K_block(x + i * QK_K, y[i]);
}

// ---------------------------------------------------------------------------------------------
// Dot products
// ---------------------------------------------------------------------------------------------

// -offset * sum_j scale_j * bsum_j for 16 int8 scales of runs of 16, as 8 int32 lanes in a zmm
// (upper half zero): the correction for quants stored as q + offset.
inline __m512i offset_correction16(const __m256i scales16, const int16_t* bsums, int offset_log2) {
    const __m256i prod = _mm256_madd_epi16(scales16, load256(bsums));
    return _mm512_zextsi256_si512(_mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(prod, offset_log2)));
}

// q2_K and q3_K share the 2-bit low part: the 64 quants of zmm k (elements 64k..64k+63) are runs
// 2k and 2k+1 of 32, i.e. bits 2*(2p)..+1 / 2*(2p+1)..+1 of the 32 bytes of half h = k/2, p = k%2.
inline __m512i low2_bits(const uint8_t* qs, int k) {
    const int p = k % 2;
    const __m512i bits = broadcast256(qs + 32 * (k / 2));
    return _mm512_and_si512(_mm512_srlv_epi16(bits, halves_epi16(int16_t(4 * p), int16_t(4 * p + 2))), _mm512_set1_epi8(3));
}

void vec_dot_q2_K(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_q2_K*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    const ScaleIndex& idx = scale_index();
    const __m128i m4 = _mm_set1_epi8(0xF);
    __m512 acc = _mm512_setzero_ps();
    __m256 acc_m = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = y[i].d * fp16_to_fp32_f16c(x[i].d);
        const float dmin = -y[i].d * fp16_to_fp32_f16c(x[i].dmin);
        const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].scales));
        const __m256i mins = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(packed, 4), m4));
        acc_m = _mm256_fmadd_ps(_mm256_set1_ps(dmin), _mm256_cvtepi32_ps(_mm256_madd_epi16(mins, load256(y[i].bsums))), acc_m);
        const __m512i sc = _mm512_castsi256_si512(_mm256_cvtepu8_epi16(_mm_and_si128(packed, m4)));
        __m512i sumi = _mm512_setzero_si512();
        for (int k = 0; k < 4; ++k) {
            const __m512i p = _mm512_maddubs_epi16(low2_bits(x[i].qs, k), load512(y[i].qs + 64 * k));
            sumi = _mm512_dpwssd_epi32(sumi, p, _mm512_permutexvar_epi16(idx.run16[k], sc));
        }
        acc = _mm512_fmadd_ps(_mm512_set1_ps(d), _mm512_cvtepi32_ps(sumi), acc);
    }
    *s = _mm512_reduce_add_ps(acc) + hsum_ps(acc_m);
}

void vec_dot_q3_K(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_q3_K*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    const ScaleIndex& idx = scale_index();
    const __m512i four = _mm512_set1_epi8(4);
    __m512 acc = _mm512_setzero_ps();
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = y[i].d * fp16_to_fp32_f16c(x[i].d);
        const __m256i sc16 = _mm256_cvtepi8_epi16(kquants::scales_q3_K_vec(x[i].scales));
        const __m512i sc = _mm512_castsi256_si512(sc16);
        // Quants are taken as low2 + 4*hbit (0..7), i.e. value + 4.
        __m512i sumi = offset_correction16(sc16, y[i].bsums, 2);
        const __m512i hbits = broadcast256(x[i].hmask);
        for (int k = 0; k < 4; ++k) {
            const __mmask64 set = _mm512_test_epi8_mask(hbits, halves_epi8(uint8_t(1 << (2 * k)), uint8_t(2 << (2 * k))));
            const __m512i q = _mm512_mask_add_epi8(low2_bits(x[i].qs, k), set, low2_bits(x[i].qs, k), four);
            const __m512i p = _mm512_maddubs_epi16(q, load512(y[i].qs + 64 * k));
            sumi = _mm512_dpwssd_epi32(sumi, p, _mm512_permutexvar_epi16(idx.run16[k], sc));
        }
        acc = _mm512_fmadd_ps(_mm512_set1_ps(d), _mm512_cvtepi32_ps(sumi), acc);
    }
    *s = _mm512_reduce_add_ps(acc);
}

// q4_K/q5_K: zmm k holds group k's 32 bytes twice; the low half takes the low nibbles (sub-block
// 2k), the high half the high nibbles (2k+1), matching q8 elements 64k..64k+63.
template <bool kFifthBit, typename Block>
void vec_dot_q45_K(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const Block*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    const ScaleIndex& idx = scale_index();
    const __m512i m4 = _mm512_set1_epi8(0xF), sixteen = _mm512_set1_epi8(16);
    const __m512i nibble_shift = halves_epi16(0, 4);
    __m512 acc = _mm512_setzero_ps();
    __m128 acc_m = _mm_setzero_ps();
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = y[i].d * fp16_to_fp32_f16c(x[i].d);
        const float dmin = -y[i].d * fp16_to_fp32_f16c(x[i].dmin);
        const __m128i sm = kquants::scales_mins_k4_vec(x[i].scales);  // 8 scales, 8 mins
        acc_m = _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(k4_mins_dot(sm, y[i].bsums)), acc_m);
        const __m512i sc = _mm512_castsi128_si512(_mm_cvtepu8_epi16(sm));
        __m512i qh = _mm512_setzero_si512();
        if constexpr (kFifthBit) qh = broadcast256(x[i].qh);
        __m512i sumi[2] = {_mm512_setzero_si512(), _mm512_setzero_si512()};  // two chains of vpdpwssd
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k) {
            __m512i q = _mm512_and_si512(_mm512_srlv_epi16(broadcast256(x[i].qs + 32 * k), nibble_shift), m4);
            if constexpr (kFifthBit) {
                const __mmask64 set = _mm512_test_epi8_mask(qh, halves_epi8(uint8_t(1 << (2 * k)), uint8_t(2 << (2 * k))));
                q = _mm512_mask_add_epi8(q, set, q, sixteen);
            }
            const __m512i p = _mm512_maddubs_epi16(q, load512(y[i].qs + 64 * k));
            sumi[k % 2] = _mm512_dpwssd_epi32(sumi[k % 2], p, _mm512_permutexvar_epi16(idx.run32[k], sc));
        }
        acc = _mm512_fmadd_ps(_mm512_set1_ps(d), _mm512_cvtepi32_ps(_mm512_add_epi32(sumi[0], sumi[1])), acc);
    }
    *s = _mm512_reduce_add_ps(acc) + hsum_ps(acc_m);
}

// q6_K: zmm k = elements 64k..64k+63 = runs of 32 number 2p, 2p+1 of half h (k = 2h + p): low
// nibbles of ql[64h .. 64h+63] for p = 0, high nibbles for p = 1; the top 2 bits are bits
// 4p..4p+1 (first 32) and 4p+2..4p+3 (next 32) of qh[32h .. 32h+31]. Quants taken unsigned (q + 32).
void vec_dot_q6_K(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_q6_K*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    const ScaleIndex& idx = scale_index();
    const __m512i m4 = _mm512_set1_epi8(0xF), m3 = _mm512_set1_epi8(3);
    const __m512i high_shift[2] = {halves_epi16(0, 2), halves_epi16(4, 6)};
    __m512 acc = _mm512_setzero_ps();
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = y[i].d * fp16_to_fp32_f16c(x[i].d);
        const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].scales)));
        const __m512i sc = _mm512_castsi256_si512(sc16);
        __m512i sumi[2] = {offset_correction16(sc16, y[i].bsums, 5), _mm512_setzero_si512()};
#pragma GCC unroll 2
        for (int h = 0; h < 2; ++h) {
            const __m512i ql = load512(x[i].ql + 64 * h);
            const __m512i qh = broadcast256(x[i].qh + 32 * h);
            for (int p = 0; p < 2; ++p) {
                const __m512i low = _mm512_and_si512(p == 0 ? ql : _mm512_srli_epi16(ql, 4), m4);
                const __m512i high = _mm512_and_si512(_mm512_srlv_epi16(qh, high_shift[p]), m3);
                const __m512i q = _mm512_or_si512(low, _mm512_slli_epi16(high, 4));
                const int k = 2 * h + p;
                const __m512i prod = _mm512_maddubs_epi16(q, load512(y[i].qs + 64 * k));
                sumi[p] = _mm512_dpwssd_epi32(sumi[p], prod, _mm512_permutexvar_epi16(idx.run16[k], sc));
            }
        }
        acc = _mm512_fmadd_ps(_mm512_set1_ps(d), _mm512_cvtepi32_ps(_mm512_add_epi32(sumi[0], sumi[1])), acc);
    }
    *s = _mm512_reduce_add_ps(acc);
}

// Batched q4_K / q5_K x q8_K: register tiles of R weight rows x C tokens over repacked weight rows
// (the quant bytes vec_dot_q45_K builds, the unpacked scales and mins, d and dmin as f32), so the
// nibble unpacking and scale decoding are done once per row instead of once per (row, token).
// For every (row, token) the tile performs vec_dot_q45_K's float operations in the same order on
// the same values; its two int32 chains are one here, which changes nothing (integer addition is
// exact). So a batch is bit-identical to one-token calls, and k is never split into chunks.
struct alignas(64) K45PackedBlock {
    uint8_t q[QK_K];    // element 64k+l: lane l of the zmm vec_dot_q45_K multiplies in step k
    uint8_t sm[16];     // scales_mins_k4_vec: 8 scales, 8 mins
    float d, dmin;      // the block's fp16 scales as f32
};
static_assert(sizeof(K45PackedBlock) == 320);

size_t k45_w_packed_bytes(int64_t k) { return size_t(k / QK_K) * sizeof(K45PackedBlock); }
size_t k45_x_packed_bytes(int64_t k) { return size_t(k / QK_K) * sizeof(block_q8_K); }
void k45_pack_x(int64_t k, const char* row, char* out) { std::memcpy(out, row, k45_x_packed_bytes(k)); }

template <bool kFifthBit, typename Block>
void k45_pack_w(int64_t k, const char* row, char* out) {
    const auto* x = reinterpret_cast<const Block*>(row);
    auto* o = reinterpret_cast<K45PackedBlock*>(out);
    const __m512i m4 = _mm512_set1_epi8(0xF), sixteen = _mm512_set1_epi8(16);
    const __m512i nibble_shift = halves_epi16(0, 4);
    for (int64_t i = 0; i < k / QK_K; ++i) {
        __m512i qh = _mm512_setzero_si512();
        if constexpr (kFifthBit) qh = broadcast256(x[i].qh);
        for (int s = 0; s < 4; ++s) {
            __m512i q = _mm512_and_si512(_mm512_srlv_epi16(broadcast256(x[i].qs + 32 * s), nibble_shift), m4);
            if constexpr (kFifthBit) {
                const __mmask64 set = _mm512_test_epi8_mask(qh, halves_epi8(uint8_t(1 << (2 * s)), uint8_t(2 << (2 * s))));
                q = _mm512_mask_add_epi8(q, set, q, sixteen);
            }
            _mm512_store_si512(o[i].q + 64 * s, q);
        }
        _mm_store_si128(reinterpret_cast<__m128i*>(o[i].sm), kquants::scales_mins_k4_vec(x[i].scales));
        o[i].d = fp16_to_fp32_f16c(x[i].d);
        o[i].dmin = fp16_to_fp32_f16c(x[i].dmin);
    }
}

template <int R, int C>
struct K45Tile {
    static void run(int64_t k, const char* w, size_t ws, int, const char* x, size_t xs, int, float* y, int64_t ldy,
                    bool accumulate) {
        const ScaleIndex& idx = scale_index();
        __m512 acc[R][C];
        __m128 acc_m[R][C];
        for (int r = 0; r < R; ++r)
            for (int c = 0; c < C; ++c) acc[r][c] = _mm512_setzero_ps(), acc_m[r][c] = _mm_setzero_ps();
        for (int64_t i = 0; i < k / QK_K; ++i) {
            const K45PackedBlock* wb[R];
            const block_q8_K* xb[C];
            for (int r = 0; r < R; ++r) wb[r] = reinterpret_cast<const K45PackedBlock*>(w + size_t(r) * ws) + i;
            for (int c = 0; c < C; ++c) xb[c] = reinterpret_cast<const block_q8_K*>(x + size_t(c) * xs) + i;
            __m512i sc[R];
            for (int r = 0; r < R; ++r) {
                const __m128i sm = _mm_load_si128(reinterpret_cast<const __m128i*>(wb[r]->sm));
                sc[r] = _mm512_castsi128_si512(_mm_cvtepu8_epi16(sm));
                for (int c = 0; c < C; ++c) {
                    const float dmin = -xb[c]->d * wb[r]->dmin;
                    acc_m[r][c] = _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(k4_mins_dot(sm, xb[c]->bsums)), acc_m[r][c]);
                }
            }
            __m512i sumi[R][C];
            for (int r = 0; r < R; ++r)
                for (int c = 0; c < C; ++c) sumi[r][c] = _mm512_setzero_si512();
            for (int s = 0; s < 4; ++s) {
                __m512i q[R], scale[R];
                for (int r = 0; r < R; ++r) {
                    q[r] = _mm512_load_si512(wb[r]->q + 64 * s);
                    scale[r] = _mm512_permutexvar_epi16(idx.run32[s], sc[r]);
                }
                for (int c = 0; c < C; ++c) {
                    const __m512i xq = load512(xb[c]->qs + 64 * s);
                    for (int r = 0; r < R; ++r)
                        sumi[r][c] = _mm512_dpwssd_epi32(sumi[r][c], _mm512_maddubs_epi16(q[r], xq), scale[r]);
                }
            }
            for (int r = 0; r < R; ++r)
                for (int c = 0; c < C; ++c) {
                    const float d = xb[c]->d * wb[r]->d;
                    acc[r][c] = _mm512_fmadd_ps(_mm512_set1_ps(d), _mm512_cvtepi32_ps(sumi[r][c]), acc[r][c]);
                }
        }
        for (int r = 0; r < R; ++r)
            for (int c = 0; c < C; ++c) {
                const float v = _mm512_reduce_add_ps(acc[r][c]) + hsum_ps(acc_m[r][c]);
                float& out = y[c * ldy + r];
                out = accumulate ? out + v : v;
            }
    }
};

// k_chunk: the whole row in one pass (no chunk boundary the row kernel would have to mirror).
constexpr int64_t kWholeRow = int64_t(1) << 40;
template <bool kFifthBit, typename Block>
constexpr GemmTile k45_tile{2, 3, k45_w_packed_bytes, k45_pack_w<kFifthBit, Block>, k45_x_packed_bytes, k45_pack_x,
                            TileTable<K45Tile, 2, 3>::run, QK_K, kWholeRow, 4};

}  // namespace

void kernels_register_kquants_avx512(KernelTable& t) {
    t[GgmlType::Q2_K].vec_dot = vec_dot_q2_K;
    t[GgmlType::Q3_K].vec_dot = vec_dot_q3_K;
    t[GgmlType::Q4_K].vec_dot = vec_dot_q45_K<false, block_q4_K>;
    t[GgmlType::Q5_K].vec_dot = vec_dot_q45_K<true, block_q5_K>;
    t[GgmlType::Q6_K].vec_dot = vec_dot_q6_K;
    t[GgmlType::Q8_K].from_f32 = from_f32_q8_K;
}

}  // namespace qs

namespace qs {

const GemmTile* gemm_tile_kquants_avx512(GgmlType t) {
    switch (t) {
        case GgmlType::Q4_K: return &k45_tile<false, block_q4_K>;
        case GgmlType::Q5_K: return &k45_tile<true, block_q5_K>;
        default: return nullptr;
    }
}

}  // namespace qs
