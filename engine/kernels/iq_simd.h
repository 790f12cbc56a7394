// Private to the IQ SIMD kernel files (iq_avx2.cpp, iq_avx512.cpp; compiled with at least AVX2):
// the AVX2 decoding of one 32-element sub-block of each q8_K grid type (and iq4_xs) into 32 signed
// int8 values and 8 int32 lane scales, shared by the AVX2 dot products, the AVX2 batched tile and
// the AVX-512 dot products (two sub-blocks per vector). With the integer sums exact, every kernel
// built on them reproduces iq_scalar.cpp's results bit for bit (iq_common.h).
#pragma once

#include <immintrin.h>

#include "kernels/iq_common.h"

// Internal linkage, as simd_common.h: each ISA file gets its own copy, encoded for its flags.
namespace qs::iqk {
namespace {

inline float half_to_float(fp16_t h) { return _cvtsh_ss(h); }

inline int32_t hsum_i32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

// 8 int32 lanes of sum(u * s) over 32 bytes, lane l = elements 4l..4l+3; u unsigned <= 127.
inline __m256i dot_u8_s8(__m256i u, __m256i s) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

// Byte masks (0xFF = minus) of 4 groups of 8 elements from 4 explicit sign bytes.
inline __m256i sign_masks_from_bytes(const uint8_t* signs) {
    const __m256i spread = _mm256_shuffle_epi8(_mm256_set1_epi32(int(load_u32(signs))),
                                               _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202,
                                                                 0x0101010101010101, 0));
    const __m256i bits = _mm256_set1_epi64x(int64_t(0x8040201008040201ull));
    return _mm256_cmpeq_epi8(_mm256_and_si256(spread, bits), bits);
}

// Byte masks from 4 x 7-bit ksigns indices packed in a uint32 (iq2_xxs, iq3_xxs).
inline __m256i sign_masks_from_index(uint32_t aux) {
    return _mm256_set_epi64x(int64_t(iq::ksigns64[(aux >> 21) & 127]), int64_t(iq::ksigns64[(aux >> 14) & 127]),
                             int64_t(iq::ksigns64[(aux >> 7) & 127]), int64_t(iq::ksigns64[aux & 127]));
}

// q8 with the grid's signs applied (mask 0xFF -> negate).
inline __m256i apply_signs(__m256i q8, __m256i mask) { return _mm256_sign_epi8(q8, _mm256_or_si256(mask, _mm256_set1_epi8(1))); }

inline __m256i grid4_u64(const uint64_t* grid, int i0, int i1, int i2, int i3) {
    return _mm256_set_epi64x(int64_t(grid[i3]), int64_t(grid[i2]), int64_t(grid[i1]), int64_t(grid[i0]));
}

inline __m256i load_q8(const int8_t* q8) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q8)); }

inline __m256i grid8_u32(const uint32_t* grid, const int idx[8]) {
    return _mm256_setr_epi32(int(grid[idx[0]]), int(grid[idx[1]]), int(grid[idx[2]]), int(grid[idx[3]]), int(grid[idx[4]]),
                             int(grid[idx[5]]), int(grid[idx[6]]), int(grid[idx[7]]));
}

// 16 nibbles -> kvalues_iq4nl bytes: elements 0..15 in the low 128 bits, 16..31 in the high ones.
inline __m256i iq4_values(const uint8_t* qs) {
    const __m128i table = _mm_loadu_si128(reinterpret_cast<const __m128i*>(iq::kvalues_iq4nl));
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
    const __m128i lo = _mm_shuffle_epi8(table, _mm_and_si128(bytes, _mm_set1_epi8(0x0f)));
    const __m128i hi = _mm_shuffle_epi8(table, _mm_and_si128(_mm_srli_epi16(bytes, 4), _mm_set1_epi8(0x0f)));
    return _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
}

inline __m256i two_scales(int ls0, int ls1) { return _mm256_setr_epi32(ls0, ls0, ls0, ls0, ls1, ls1, ls1, ls1); }
// Grid magnitudes with their signs applied (mask 0xFF = minus).
inline __m256i signed_grid(__m256i grid, __m256i mask) { return _mm256_sign_epi8(grid, _mm256_or_si256(mask, _mm256_set1_epi8(1))); }

// iq4_nl / iq4_xs dequantization around an ISA's store of one 32-element group (d * values).
template <void (*Store)(float* y, float d, const uint8_t* qs)>
void to_f32_iq4_nl_with(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_iq4_nl*>(vx);
    for (int64_t i = 0; i < n / QK4_NL; ++i, y += QK4_NL) Store(y, half_to_float(x[i].d), x[i].qs);
}
template <void (*Store)(float* y, float d, const uint8_t* qs)>
void to_f32_iq4_xs_with(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_iq4_xs*>(vx);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = half_to_float(x[i].d);
        for (int ib = 0; ib < QK_K / 32; ++ib, y += 32) Store(y, d * float(iq4xs_scale(x[i], ib)), x[i].qs + 16 * ib);
    }
}

// Per type: the block, vec_dot's final factor (times 8: 0.125 -> 1, 0.25 -> 2, 1 -> 8), whether the
// float step is per sub-block (iq4_xs) rather than per super-block, and the sub-block decoder.
inline void step_iq2_xxs(const block_iq2_xxs& b, int ib, __m256i& v, __m256i& sc) {
    const uint8_t* idx = reinterpret_cast<const uint8_t*>(b.qs + 4 * ib);
    const uint32_t aux = load_u32(b.qs + 4 * ib + 2);
    v = signed_grid(grid4_u64(iq::iq2xxs_grid, idx[0], idx[1], idx[2], idx[3]), sign_masks_from_index(aux));
    sc = _mm256_set1_epi32(int(2 * (aux >> 28) + 1));
}
inline void step_iq2_xs(const block_iq2_xs& b, int ib, __m256i& v, __m256i& sc) {
    const uint16_t* q = b.qs + 4 * ib;
    const __m256i mask = _mm256_set_epi64x(int64_t(iq::ksigns64[q[3] >> 9]), int64_t(iq::ksigns64[q[2] >> 9]),
                                           int64_t(iq::ksigns64[q[1] >> 9]), int64_t(iq::ksigns64[q[0] >> 9]));
    v = signed_grid(grid4_u64(iq::iq2xs_grid, q[0] & 511, q[1] & 511, q[2] & 511, q[3] & 511), mask);
    sc = two_scales(2 * (b.scales[ib] & 0xf) + 1, 2 * (b.scales[ib] >> 4) + 1);
}
inline void step_iq2_s(const block_iq2_s& b, int ib, __m256i& v, __m256i& sc) {
    const __m256i grid = grid4_u64(iq::iq2s_grid, iq2s_index(b, ib, 0), iq2s_index(b, ib, 1), iq2s_index(b, ib, 2),
                                   iq2s_index(b, ib, 3));
    v = signed_grid(grid, sign_masks_from_bytes(b.qs + QK_K / 8 + 4 * ib));
    sc = two_scales(1 + 2 * (b.scales[ib] & 0xf), 1 + 2 * (b.scales[ib] >> 4));
}
inline void step_iq3_xxs(const block_iq3_xxs& b, int ib, __m256i& v, __m256i& sc) {
    const uint8_t* q3 = b.qs + 8 * ib;
    const uint32_t aux = load_u32(b.qs + QK_K / 4 + 4 * ib);
    const int idx[8] = {q3[0], q3[1], q3[2], q3[3], q3[4], q3[5], q3[6], q3[7]};
    v = signed_grid(grid8_u32(iq::iq3xxs_grid, idx), sign_masks_from_index(aux));
    sc = _mm256_set1_epi32(int(2 * (aux >> 28) + 1));
}
inline void step_iq3_s(const block_iq3_s& b, int ib, __m256i& v, __m256i& sc) {
    int idx[8];
    for (int k = 0; k < 8; ++k) idx[k] = iq3s_index(b, ib, k);
    v = signed_grid(grid8_u32(iq::iq3s_grid, idx), sign_masks_from_bytes(b.signs + 4 * ib));
    sc = _mm256_set1_epi32(2 * ((b.scales[ib / 2] >> 4 * (ib % 2)) & 0xf) + 1);
}
inline void step_iq4_xs(const block_iq4_xs& b, int ib, __m256i& v, __m256i& sc) {
    v = iq4_values(b.qs + 16 * ib);
    sc = _mm256_set1_epi32(iq4xs_scale(b, ib));
}

template <class B, void (*S)(const B&, int, __m256i&, __m256i&), int kFactor, bool kPerSub>
struct GridType {
    using Block = B;
    static constexpr int kFactorTimes8 = kFactor;
    static constexpr bool kPerSubBlock = kPerSub;
    static void step(const Block& b, int ib, __m256i& v, __m256i& sc) { S(b, ib, v, sc); }
};
using Iq2XxsT = GridType<block_iq2_xxs, step_iq2_xxs, 1, false>;
using Iq2XsT = GridType<block_iq2_xs, step_iq2_xs, 1, false>;
using Iq2ST = GridType<block_iq2_s, step_iq2_s, 1, false>;
using Iq3XxsT = GridType<block_iq3_xxs, step_iq3_xxs, 2, false>;
using Iq3ST = GridType<block_iq3_s, step_iq3_s, 8, false>;
using Iq4XsT = GridType<block_iq4_xs, step_iq4_xs, 8, true>;

}  // namespace
}  // namespace qs::iqk
