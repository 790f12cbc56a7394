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

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <utility>

#include "core/cpu_features.h"
#include "kernels/gemm_tiles.h"
#include "kernels/group_tile_avx512.h"
#include "kernels/kernel_table.h"
#include "kernels/kquants_common.h"
#include "kernels/kquants_tile.h"

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

// q2_K, q3_K and q6_K have sub-blocks of 16 with one scale each. Their traits give the 64
// unsigned quants of zmm k (elements 64k..64k+63) and the 16 sub-block scales; quants stored as
// q + offset (1 << shift) are corrected through the q8_K bsums, q2_K's mins likewise.
struct K16Q2 {
    using Block = block_q2_K;
    static constexpr int shift = -1;  // unsigned, with mins
    static __m512i quants(const Block& b, int k) { return low2_bits(b.qs, k); }
    static __m128i scales(const Block& b) {
        return _mm_and_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales)), _mm_set1_epi8(0xF));
    }
    static __m128i mins(const Block& b) {
        return _mm_and_si128(_mm_srli_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales)), 4), _mm_set1_epi8(0xF));
    }
};
struct K16Q3 {
    using Block = block_q3_K;
    static constexpr int shift = 2;  // quants taken as low2 + 4 * hbit (0..7), i.e. value + 4
    static __m512i quants(const Block& b, int k) {
        const __mmask64 set = _mm512_test_epi8_mask(broadcast256(b.hmask), halves_epi8(uint8_t(1 << (2 * k)), uint8_t(2 << (2 * k))));
        return _mm512_mask_add_epi8(low2_bits(b.qs, k), set, low2_bits(b.qs, k), _mm512_set1_epi8(4));
    }
    static __m128i scales(const Block& b) { return kquants::scales_q3_K_vec(b.scales); }
};
// q6_K: zmm k = elements 64k..64k+63 = runs of 32 number 2p, 2p+1 of half h (k = 2h + p): low
// nibbles of ql[64h .. 64h+63] for p = 0, high nibbles for p = 1; the top 2 bits are bits
// 4p..4p+1 (first 32) and 4p+2..4p+3 (next 32) of qh[32h .. 32h+31]. Quants taken as q + 32.
struct K16Q6 {
    using Block = block_q6_K;
    static constexpr int shift = 5;
    static __m512i quants(const Block& b, int k) {
        const int h = k / 2, p = k % 2;
        const __m512i ql = load512(b.ql + 64 * h), qh = broadcast256(b.qh + 32 * h);
        const __m512i low = _mm512_and_si512(p == 0 ? ql : _mm512_srli_epi16(ql, 4), _mm512_set1_epi8(0xF));
        const __m512i high = _mm512_and_si512(_mm512_srlv_epi16(qh, p == 0 ? halves_epi16(0, 2) : halves_epi16(4, 6)), _mm512_set1_epi8(3));
        return _mm512_or_si512(low, _mm512_slli_epi16(high, 4));
    }
    static __m128i scales(const Block& b) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales)); }
};

// Exact integer dot of one super-block: sum over sub-blocks of scale * (signed quants . q8), and
// for q2_K the min term sum of min * bsum (returned in *msum).
template <class T>
int32_t k16_block_dot(const typename T::Block& x, const block_q8_K& y, int32_t* msum) {
    const ScaleIndex& idx = scale_index();
    const __m256i sc16 = _mm256_cvtepi8_epi16(T::scales(x));
    const __m512i sc = _mm512_castsi256_si512(sc16);
    __m512i sumi = _mm512_setzero_si512();
    if constexpr (T::shift >= 0) sumi = offset_correction16(sc16, y.bsums, T::shift);
    for (int k = 0; k < 4; ++k) {
        const __m512i p = _mm512_maddubs_epi16(T::quants(x, k), load512(y.qs + 64 * k));
        sumi = _mm512_dpwssd_epi32(sumi, p, _mm512_permutexvar_epi16(idx.run16[k], sc));
    }
    if constexpr (T::shift < 0) {
        const __m256i m = _mm256_madd_epi16(_mm256_cvtepi8_epi16(T::mins(x)), load256(y.bsums));
        *msum = _mm512_reduce_add_epi32(_mm512_zextsi256_si512(m));
    }
    return _mm512_reduce_add_epi32(sumi);
}

// Per super-block: acc = fma(float(isum), d_w * d_x, acc), then for q2_K acc -= float(msum) *
// (dmin_w * d_x) in one rounding: the operations of K16Tile below, so batches are bit-identical.
template <class T>
void vec_dot_k16(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const typename T::Block*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    float acc = 0;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        int32_t msum = 0;
        const int32_t isum = k16_block_dot<T>(x[i], y[i], &msum);
        acc = std::fma(float(isum), fp16_to_fp32_f16c(x[i].d) * y[i].d, acc);
        if constexpr (T::shift < 0) acc = std::fma(-float(msum), fp16_to_fp32_f16c(x[i].dmin) * y[i].d, acc);
    }
    *s = acc;
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
    float acc = 0;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const __m128i sm = kquants::scales_mins_k4_vec(x[i].scales);  // 8 scales, 8 mins
        const __m128i mins = k4_mins_dot(sm, y[i].bsums);
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
        const int32_t isum = _mm512_reduce_add_epi32(_mm512_add_epi32(sumi[0], sumi[1]));
        const int32_t msum = _mm_extract_epi32(mins, 0) + _mm_extract_epi32(mins, 1) + _mm_extract_epi32(mins, 2) +
                             _mm_extract_epi32(mins, 3);
        acc = std::fma(float(isum), fp16_to_fp32_f16c(x[i].d) * y[i].d, acc);
        acc = std::fma(-float(msum), fp16_to_fp32_f16c(x[i].dmin) * y[i].d, acc);
    }
    *s = acc;
}


// Batched q4_K / q5_K x q8_K: row-interleaved groups of 16 weight rows, one int32 lane per row
// (as the legacy types' blockwise tiles in base_avx512.cpp). Per super-block and (row, token):
//     isum = sum over sub-blocks s of scale_s * (exact dot of the 32 quants of s)     (vpdpbusd)
//     msum = sum over s of min_s * (sum of the token's 32 quants of s)               (vpdpwssd)
//     acc  = fma(float(isum), d_w * d_x, acc);  acc = acc - float(msum) * (dmin_w * d_x)  (one rounding)
// The integers are exact however they are summed, so vec_dot_q45_K (one output) gets them its own
// way and repeats only the two fused multiply-adds: a batch is bit-identical to one-token calls.
// k is never split into chunks.
//
// A packed group of 16 rows, per super-block (K45Group):
using group_tile::broadcast32;
using group_tile::kGroupRows;
using group_tile::kPartialSums;
// q4_K's quants are stored as nibbles: vector 4s + j holds 4-element group 8s + j in the low and
// 8s + j + 4 in the high nibbles (s the sub-block), so the packed matrix is about as large as the
// stored one and models pack it once at load; q5_K's keep one byte per quant.
template <bool kNibbles>
struct alignas(64) K45Group {
    uint32_t q[kNibbles ? QK_K / 8 : QK_K / 4][kGroupRows];  // [quant vector][row], 4 bytes per row
    uint8_t scale[QK_K / 32][kGroupRows];                   // [sub-block][row], 6 bits
    int32_t min_pair[QK_K / 64][kGroupRows];                // [sub-block pair p][row]: int16 mins of 2p, 2p+1
    uint16_t d[kGroupRows], dmin[kGroupRows];               // the blocks' fp16 bits
};
static_assert(sizeof(K45Group<false>) == 4096 + 128 + 256 + 64);
static_assert(sizeof(K45Group<true>) == 2048 + 128 + 256 + 64);
using kquants::KX;
using kquants::kx_pack;
using kquants::kx_packed_bytes;

template <bool kNibbles>
size_t k45_w_packed_bytes(int64_t k) { return size_t(k / QK_K) * sizeof(K45Group<kNibbles>); }

// A super-block's 256 quants as unsigned bytes in element order (q5_K with its fifth bit).
template <bool kFifthBit, typename Block>
void k45_quants(const Block& b, uint8_t* out) {
    const __m512i m4 = _mm512_set1_epi8(0xF), sixteen = _mm512_set1_epi8(16);
    const __m512i nibble_shift = halves_epi16(0, 4);
    __m512i qh = _mm512_setzero_si512();
    if constexpr (kFifthBit) qh = broadcast256(b.qh);
    for (int s = 0; s < 4; ++s) {
        __m512i q = _mm512_and_si512(_mm512_srlv_epi16(broadcast256(b.qs + 32 * s), nibble_shift), m4);
        if constexpr (kFifthBit) {
            const __mmask64 set = _mm512_test_epi8_mask(qh, halves_epi8(uint8_t(1 << (2 * s)), uint8_t(2 << (2 * s))));
            q = _mm512_mask_add_epi8(q, set, q, sixteen);
        }
        _mm512_storeu_si512(out + 64 * s, q);
    }
}

template <bool kFifthBit, typename Block>
void k45_pack_group(int64_t k, const char* rows, size_t row_stride, int nrows, char* out) {
    constexpr bool kNibbles = !kFifthBit;
    auto* o = reinterpret_cast<K45Group<kNibbles>*>(out);
    for (int64_t i = 0; i < k / QK_K; ++i) {
        K45Group<kNibbles>& g = o[i];
        std::memset(&g, 0, sizeof g);
        for (int r = 0; r < nrows; ++r) {
            const Block& b = reinterpret_cast<const Block*>(rows + size_t(r) * row_stride)[i];
            alignas(64) uint32_t q[QK_K / 4];
            k45_quants<kFifthBit>(b, reinterpret_cast<uint8_t*>(q));
            if constexpr (kNibbles) {
                for (int sb = 0; sb < QK_K / 32; ++sb)
                    for (int j = 0; j < 4; ++j) g.q[4 * sb + j][r] = q[8 * sb + j] | q[8 * sb + j + 4] << 4;  // bytes < 16
            } else {
                for (int j = 0; j < QK_K / 4; ++j) g.q[j][r] = q[j];
            }
            alignas(16) uint8_t sm[16];  // 8 scales, 8 mins
            _mm_store_si128(reinterpret_cast<__m128i*>(sm), kquants::scales_mins_k4_vec(b.scales));
            for (int s = 0; s < 8; ++s) g.scale[s][r] = sm[s];
            for (int p = 0; p < 4; ++p) g.min_pair[p][r] = int32_t(uint32_t(sm[8 + 2 * p]) | uint32_t(sm[9 + 2 * p]) << 16);
            g.d[r] = b.d;
            g.dmin[r] = b.dmin;
        }
    }
}


// G groups of 16 rows x C tokens; nr rows in all (a partial last group is stored masked).
template <bool kNibbles>
struct K45Tile {
    template <int G, int C>
    struct For {
        static void run(int64_t k, const char* w, size_t ws, int nr, const char* x, size_t xs, int, float* y, int64_t ldy,
                        bool accumulate) {
            const __m512i low4 = _mm512_set1_epi8(0x0F);
            __m512 acc[G][C];
            for (int g = 0; g < G; ++g)
                for (int c = 0; c < C; ++c) acc[g][c] = _mm512_setzero_ps();
            for (int64_t i = 0; i < k / QK_K; ++i) {
                const K45Group<kNibbles>* wg[G];
                const KX* xb[C];
                for (int g = 0; g < G; ++g) wg[g] = reinterpret_cast<const K45Group<kNibbles>*>(w + size_t(g) * ws) + i;
                for (int c = 0; c < C; ++c) xb[c] = reinterpret_cast<const KX*>(x + size_t(c) * xs) + i;
                __m512i isum[G][C];
                for (int g = 0; g < G; ++g)
                    for (int c = 0; c < C; ++c) isum[g][c] = _mm512_setzero_si512();
                for (int s = 0; s < QK_K / 32; ++s) {
                    if constexpr (C <= 2) {  // few tokens: streaming the weights is the work; fetch ahead
                        constexpr int kLines = int(sizeof(K45Group<kNibbles>) / 64), kPerSub = (kLines + 7) / 8;
                        for (int g = 0; g < G; ++g)
                            for (int line = kPerSub * s; line < std::min(kLines, kPerSub * (s + 1)); ++line)
                                _mm_prefetch(reinterpret_cast<const char*>(wg[g] + 2) + 64 * line, _MM_HINT_T0);
                    }
                    // P partial sums: enough independent vpdpbusd chains for few tokens (exact).
                    constexpr int P = kPartialSums<C>;
                    __m512i sub[P][G][C];
                    for (int q = 0; q < P; ++q)
                        for (int g = 0; g < G; ++g)
                            for (int c = 0; c < C; ++c) sub[q][g][c] = _mm512_setzero_si512();
                    // Quant vector j of the sub-block (and j + 4 from the high nibbles).
                    for (int j = 0; j < (kNibbles ? 4 : 8); ++j) {
                        __m512i wq[G], wh[G];
                        for (int g = 0; g < G; ++g) {
                            wq[g] = _mm512_load_si512(wg[g]->q[(kNibbles ? 4 : 8) * s + j]);
                            if constexpr (kNibbles) {
                                wh[g] = _mm512_and_si512(_mm512_srli_epi16(wq[g], 4), low4);
                                wq[g] = _mm512_and_si512(wq[g], low4);
                            }
                        }
                        for (int c = 0; c < C; ++c) {
                            const __m512i xq = broadcast32(xb[c]->qs + 32 * s + 4 * j);
                            constexpr int kPerJ = kNibbles ? 2 : 1;
                            __m512i(&lo)[G][C] = sub[(kPerJ * j) % P];
                            for (int g = 0; g < G; ++g) lo[g][c] = _mm512_dpbusd_epi32(lo[g][c], wq[g], xq);
                            if constexpr (kNibbles) {
                                const __m512i xh = broadcast32(xb[c]->qs + 32 * s + 4 * (j + 4));
                                __m512i(&hi)[G][C] = sub[(kPerJ * j + 1) % P];
                                for (int g = 0; g < G; ++g) hi[g][c] = _mm512_dpbusd_epi32(hi[g][c], wh[g], xh);
                            }
                        }
                    }
                    for (int q = 1; q < P; ++q)
                        for (int g = 0; g < G; ++g)
                            for (int c = 0; c < C; ++c) sub[0][g][c] = _mm512_add_epi32(sub[0][g][c], sub[q][g][c]);
                    for (int g = 0; g < G; ++g) {
                        const __m512i scale = _mm512_cvtepu8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(wg[g]->scale[s])));
                        for (int c = 0; c < C; ++c) isum[g][c] = _mm512_add_epi32(isum[g][c], _mm512_mullo_epi32(sub[0][g][c], scale));
                    }
                }
                for (int g = 0; g < G; ++g) {
                    const __m512 dw = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(wg[g]->d)));
                    const __m512 dmw = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(wg[g]->dmin)));
                    for (int c = 0; c < C; ++c) {
                        __m512i msum = _mm512_setzero_si512();
                        for (int p = 0; p < 4; ++p)
                            msum = _mm512_dpwssd_epi32(msum, _mm512_load_si512(wg[g]->min_pair[p]), broadcast32(xb[c]->bsum32 + 2 * p));
                        const __m512 dx = _mm512_set1_ps(xb[c]->d);
                        acc[g][c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[g][c]), _mm512_mul_ps(dw, dx), acc[g][c]);
                        acc[g][c] = _mm512_fnmadd_ps(_mm512_cvtepi32_ps(msum), _mm512_mul_ps(dmw, dx), acc[g][c]);
                    }
                }
            }
            group_tile::store<G, C>(acc, nr, y, ldy, accumulate);
        }

    };
};

constexpr int kK45Groups = 2, kK45Cols = 4;

// k_chunk: the whole row in one pass (no chunk boundary the row kernel would have to mirror).
constexpr int64_t kWholeRow = int64_t(1) << 40;
template <bool kFifthBit, typename Block>
constexpr GemmTile k45_tile_for{kK45Groups * kGroupRows,
                                kK45Cols,
                                k45_w_packed_bytes<!kFifthBit>,
                                nullptr,
                                kx_packed_bytes,
                                kx_pack,
                                GroupTileTable<K45Tile<!kFifthBit>::template For, kGroupRows, kK45Groups, kK45Cols>::run,
                                QK_K,
                                kWholeRow,
                                4,
                                kGroupRows,
                                k45_pack_group<kFifthBit, Block>,
                                // within 30 % of the stored size: q4_K (nibbles), not q5_K (bytes)
                                sizeof(K45Group<!kFifthBit>) * 10 <= kGroupRows * sizeof(Block) * 13};

// Batched q2_K / q3_K / q6_K x q8_K: the same row-interleaved groups, with sub-blocks of 16. Per
// super-block and (row, token): isum = sum over s of scale_s * (unsigned quants of s . q8), minus
// (offset) * sum of scale_s * bsum_s; q2_K instead keeps msum = sum of min_s * bsum_s. Then the
// float operations of vec_dot_k16. The layout keeps a byte per quant (1.5-2.3x the stored size),
// so these are packed per call.
struct alignas(64) K16Group {
    uint32_t q[QK_K / 4][kGroupRows];          // [4-element group][row]: unsigned quants
    int8_t scale[QK_K / 16][kGroupRows];       // [sub-block][row]
    int32_t pair[QK_K / 32][kGroupRows];       // [sub-block pair][row]: int16 scales (q2_K: mins) of 2p, 2p+1
    uint16_t d[kGroupRows], dmin[kGroupRows];  // fp16 bits (dmin: q2_K only)
};
static_assert(sizeof(K16Group) == 4096 + 256 + 512 + 64);
size_t k16_w_packed_bytes(int64_t k) { return size_t(k / QK_K) * sizeof(K16Group); }

template <class T>
void k16_pack_group(int64_t k, const char* rows, size_t row_stride, int nrows, char* out) {
    auto* o = reinterpret_cast<K16Group*>(out);
    for (int64_t i = 0; i < k / QK_K; ++i) {
        K16Group& g = o[i];
        std::memset(&g, 0, sizeof g);
        for (int r = 0; r < nrows; ++r) {
            const auto& b = reinterpret_cast<const typename T::Block*>(rows + size_t(r) * row_stride)[i];
            alignas(64) uint32_t q[QK_K / 4];
            for (int kk = 0; kk < 4; ++kk) _mm512_store_si512(q + 16 * kk, T::quants(b, kk));
            for (int j = 0; j < QK_K / 4; ++j) g.q[j][r] = q[j];
            alignas(16) int8_t sc[16], pr[16];
            _mm_store_si128(reinterpret_cast<__m128i*>(sc), T::scales(b));
            if constexpr (T::shift < 0) _mm_store_si128(reinterpret_cast<__m128i*>(pr), T::mins(b));
            else std::memcpy(pr, sc, sizeof pr);
            for (int sb = 0; sb < 16; ++sb) g.scale[sb][r] = sc[sb];
            for (int p = 0; p < 8; ++p)
                g.pair[p][r] = int32_t(uint32_t(uint16_t(int16_t(pr[2 * p]))) | uint32_t(uint16_t(int16_t(pr[2 * p + 1]))) << 16);
            g.d[r] = b.d;
            if constexpr (T::shift < 0) g.dmin[r] = b.dmin;
        }
    }
}

template <class T>
struct K16Tile {
    // G groups of 16 rows x C tokens; nr rows in all (a partial last group is stored masked).
    template <int G, int C>
    struct For {
        static void run(int64_t k, const char* w, size_t ws, int nr, const char* x, size_t xs, int, float* y, int64_t ldy,
                        bool accumulate) {
            __m512 acc[G][C];
            for (int g = 0; g < G; ++g)
                for (int c = 0; c < C; ++c) acc[g][c] = _mm512_setzero_ps();
            for (int64_t i = 0; i < k / QK_K; ++i) {
                const K16Group* wg[G];
                const KX* xb[C];
                for (int g = 0; g < G; ++g) wg[g] = reinterpret_cast<const K16Group*>(w + size_t(g) * ws) + i;
                for (int c = 0; c < C; ++c) xb[c] = reinterpret_cast<const KX*>(x + size_t(c) * xs) + i;
                __m512i isum[G][C];
                for (int g = 0; g < G; ++g)
                    for (int c = 0; c < C; ++c) isum[g][c] = _mm512_setzero_si512();
                for (int sb = 0; sb < QK_K / 16; ++sb) {
                    __m512i sub[G][C];
                    for (int g = 0; g < G; ++g)
                        for (int c = 0; c < C; ++c) sub[g][c] = _mm512_setzero_si512();
                    for (int j = 4 * sb; j < 4 * sb + 4; ++j) {
                        __m512i wq[G];
                        for (int g = 0; g < G; ++g) wq[g] = _mm512_load_si512(wg[g]->q[j]);
                        for (int c = 0; c < C; ++c) {
                            const __m512i xq = broadcast32(xb[c]->qs + 4 * j);
                            for (int g = 0; g < G; ++g) sub[g][c] = _mm512_dpbusd_epi32(sub[g][c], wq[g], xq);
                        }
                    }
                    for (int g = 0; g < G; ++g) {
                        const __m512i scale = _mm512_cvtepi8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(wg[g]->scale[sb])));
                        for (int c = 0; c < C; ++c) isum[g][c] = _mm512_add_epi32(isum[g][c], _mm512_mullo_epi32(sub[g][c], scale));
                    }
                }
                for (int g = 0; g < G; ++g) {
                    const __m512 dw = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(wg[g]->d)));
                    for (int c = 0; c < C; ++c) {
                        __m512i corr = _mm512_setzero_si512();  // sum of scale (q2_K: min) * bsum
                        for (int p = 0; p < 8; ++p)
                            corr = _mm512_dpwssd_epi32(corr, _mm512_load_si512(wg[g]->pair[p]), broadcast32(xb[c]->bsums + 2 * p));
                        const __m512 dx = _mm512_set1_ps(xb[c]->d);
                        if constexpr (T::shift >= 0) isum[g][c] = _mm512_sub_epi32(isum[g][c], _mm512_slli_epi32(corr, T::shift));
                        acc[g][c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[g][c]), _mm512_mul_ps(dw, dx), acc[g][c]);
                        if constexpr (T::shift < 0) {
                            const __m512 dmw = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(wg[g]->dmin)));
                            acc[g][c] = _mm512_fnmadd_ps(_mm512_cvtepi32_ps(corr), _mm512_mul_ps(dmw, dx), acc[g][c]);
                        }
                    }
                }
            }
            group_tile::store<G, C>(acc, nr, y, ldy, accumulate);
        }
    };
};

template <class T>
constexpr GemmTile k16_tile_for{kK45Groups * kGroupRows,
                                kK45Cols,
                                k16_w_packed_bytes,
                                nullptr,
                                kx_packed_bytes,
                                kx_pack,
                                GroupTileTable<K16Tile<T>::template For, kGroupRows, kK45Groups, kK45Cols>::run,
                                QK_K,
                                kWholeRow,
                                4,
                                kGroupRows,
                                k16_pack_group<T>,
                                false};

}  // namespace

void kernels_register_kquants_avx512(KernelTable& t) {
    t[GgmlType::Q8_K].from_f32 = from_f32_q8_K;
    // The dot products use vpdpwssd (AVX512-VNNI), which cpu_best_isa() does not require for the
    // AVX-512 level: without it the AVX2 ones stay (and match the AVX2 tiles gemm_tile_get falls
    // back to there).
    if (!cpu_features().avx512vnni) return;
    t[GgmlType::Q2_K].vec_dot = vec_dot_k16<K16Q2>;
    t[GgmlType::Q3_K].vec_dot = vec_dot_k16<K16Q3>;
    t[GgmlType::Q4_K].vec_dot = vec_dot_q45_K<false, block_q4_K>;
    t[GgmlType::Q5_K].vec_dot = vec_dot_q45_K<true, block_q5_K>;
    t[GgmlType::Q6_K].vec_dot = vec_dot_k16<K16Q6>;
}

}  // namespace qs

namespace qs {

const GemmTile* gemm_tile_kquants_avx512(GgmlType t) {
    switch (t) {
        case GgmlType::Q2_K: return &k16_tile_for<K16Q2>;
        case GgmlType::Q3_K: return &k16_tile_for<K16Q3>;
        case GgmlType::Q6_K: return &k16_tile_for<K16Q6>;
        case GgmlType::Q4_K: return &k45_tile_for<false, block_q4_K>;
        case GgmlType::Q5_K: return &k45_tile_for<true, block_q5_K>;
        default: return nullptr;
    }
}

}  // namespace qs
