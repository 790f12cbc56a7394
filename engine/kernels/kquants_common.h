// Private to the K-quant kernel files: the packed-scale decoders shared by the scalar reference and
// the SIMD versions, so that every ISA reads the 6-bit scales the one way ggml does.
#pragma once

#include <cstdint>
#include <cstring>
#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "tensor/blocks.h"

namespace qs::kquants {

// Q4_K / Q5_K: 12 bytes hold 8 scales and 8 mins of 6 bits each.
//   bytes 0..3  : scale j (j<4) in bits 0..5, bits 6..7 are the high 2 bits of scale j+4
//   bytes 4..7  : min j   (j<4) in bits 0..5, bits 6..7 are the high 2 bits of min j+4
//   bytes 8..11 : low nibble = low 4 bits of scale j+4, high nibble = low 4 bits of min j+4
// (ggml's get_scale_min_k4.)
inline void scale_min_k4(int j, const uint8_t* q, uint8_t& scale, uint8_t& min) {
    if (j < 4) {
        scale = q[j] & 63;
        min = q[j + 4] & 63;
    } else {
        scale = uint8_t((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        min = uint8_t((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

// All 8 scales then all 8 mins of a Q4_K/Q5_K block as 4 little-endian words: bytes 0..7 of
// u = scales, 8..15 = mins. Same result as scale_min_k4 for each j, done with 32-bit masks the way
// ggml's dot products do (and kept in words so SIMD code can move them straight into a register).
inline void scales_mins_k4_words(const uint8_t* packed, uint32_t u[4]) {
    constexpr uint32_t kmask1 = 0x3f3f3f3f, kmask2 = 0x0f0f0f0f, kmask3 = 0x03030303;
    std::memcpy(u, packed, 12);
    u[3] = ((u[2] >> 4) & kmask2) | (((u[1] >> 6) & kmask3) << 4);  // mins 4..7
    const uint32_t mins_lo = u[1] & kmask1;                           // mins 0..3
    u[1] = (u[2] & kmask2) | (((u[0] >> 6) & kmask3) << 4);          // scales 4..7
    u[2] = mins_lo;
    u[0] &= kmask1;                                                   // scales 0..3
}

inline void unpack_scales_mins_k4(const uint8_t* packed, uint8_t out[16]) {
    uint32_t u[4];
    scales_mins_k4_words(packed, u);
    std::memcpy(out, u, 16);
}

// Q3_K: 12 bytes hold 16 scales of 6 bits, stored biased by 32.
//   bytes 0..7  : low 4 bits; byte j holds scale j (low nibble) and scale j+8 (high nibble)
//   bytes 8..11 : high 2 bits; bits 2k..2k+1 of byte 8+i hold scale i+4k's high bits
// The 16 biased scales (0..63) as 4 little-endian words.
inline void scales_q3_K_words(const uint8_t* packed, uint32_t a[4]) {
    constexpr uint32_t kmask1 = 0x03030303, kmask2 = 0x0f0f0f0f;
    std::memcpy(a, packed, 12);
    const uint32_t tmp = a[2];
    a[2] = ((a[0] >> 4) & kmask2) | (((tmp >> 4) & kmask1) << 4);
    a[3] = ((a[1] >> 4) & kmask2) | (((tmp >> 6) & kmask1) << 4);
    a[0] = (a[0] & kmask2) | (((tmp >> 0) & kmask1) << 4);
    a[1] = (a[1] & kmask2) | (((tmp >> 2) & kmask1) << 4);
}

// The 16 signed scales of a Q3_K block (bias removed).
inline void unpack_scales_q3_K(const uint8_t* packed, int8_t out[16]) {
    uint32_t a[4];
    scales_q3_K_words(packed, a);
    std::memcpy(out, a, 16);
    for (int j = 0; j < 16; ++j) out[j] = int8_t(out[j] - 32);
}

// ggml's nearest_int: round half to even via the 1.5*2^23 trick (valid for |x| <= 2^22).
inline int nearest_int(float x) {
    const float v = x + 12582912.f;
    int32_t i;
    std::memcpy(&i, &v, sizeof i);
    return (i & 0x007fffff) - 0x00400000;
}

// The part of quantize_row_q8_K_ref after the block's max has been found (shared so that the
// SIMD versions only accelerate the search for the max and the rounding, and write the same
// bytes): iscale = -127/max, qs = min(127, round(iscale*x)), d = 1/iscale, bsums of 16.
inline void q8_K_block_finish_scalar(const float* x, float max, block_q8_K& y) {
    if (max == 0.f) {  // all-zero block (ggml leaves bsums untouched here; we zero them)
        y.d = 0.f;
        std::memset(y.qs, 0, sizeof y.qs);
        std::memset(y.bsums, 0, sizeof y.bsums);
        return;
    }
    const float iscale = -127.f / max;
    for (int j = 0; j < QK_K; ++j) {
        const int v = nearest_int(iscale * x[j]);
        y.qs[j] = int8_t(v < 127 ? v : 127);
    }
    for (int g = 0; g < QK_K / 16; ++g) {
        int sum = 0;
        for (int k = 0; k < 16; ++k) sum += y.qs[g * 16 + k];
        y.bsums[g] = int16_t(sum);
    }
    y.d = 1.f / iscale;
}

#if defined(__AVX2__)
// Helpers shared by the AVX2 and AVX-512 files (only those are compiled with these instructions).

// fp16 -> fp32 by F16C: exact like fp16_to_fp32 (the conversion is exact for every finite value),
// without its branches. Used for the dot products' super-block factors.
inline float fp16_to_fp32_f16c(fp16_t h) { return _cvtsh_ss(h); }

inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

inline float hsum_ps(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

inline float hsum_ps(__m128 v) {
    v = _mm_add_ps(v, _mm_movehl_ps(v, v));
    v = _mm_add_ss(v, _mm_movehdup_ps(v));
    return _mm_cvtss_f32(v);
}

// Register versions of the scale unpacking (no trip through memory, which would stall on store
// forwarding: the words are written 4 bytes at a time and read 16 at once).
inline __m128i scales_mins_k4_vec(const uint8_t* packed) {  // bytes 0..7 scales, 8..15 mins
    // scales_mins_k4_words lane by lane, with u = the 3 packed words (+ 4 unused bytes: the
    // 16-byte load stays inside the block, whose quants follow the scales):
    //   out0 = u0 & k1                 out1 = (u2 & k2) | ((u0 >> 6) & k3) << 4
    //   out2 = u1 & k1                 out3 = (u2 >> 4 & k2) | ((u1 >> 6) & k3) << 4
    const __m128i u = _mm_loadu_si128(reinterpret_cast<const __m128i*>(packed));
    const __m128i a = _mm_shuffle_epi32(u, _MM_SHUFFLE(2, 1, 2, 0));  // u0 u2 u1 u2
    const __m128i b = _mm_shuffle_epi32(u, _MM_SHUFFLE(1, 1, 0, 0));  // u0 u0 u1 u1
    const __m128i low = _mm_and_si128(_mm_srlv_epi32(a, _mm_setr_epi32(0, 0, 0, 4)),
                                      _mm_setr_epi32(0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f));
    const __m128i high = _mm_slli_epi32(_mm_and_si128(_mm_srli_epi32(b, 6), _mm_setr_epi32(0, 0x03030303, 0, 0x03030303)), 4);
    return _mm_or_si128(low, high);
}
inline __m128i scales_q3_K_vec(const uint8_t* packed) {  // 16 signed scales
    uint32_t a[4];
    scales_q3_K_words(packed, a);
    return _mm_sub_epi8(_mm_set_epi32(int(a[3]), int(a[2]), int(a[1]), int(a[0])), _mm_set1_epi8(32));
}

// q4_K/q5_K mins term: sum_j min_j * (q8 sum of 32-element sub-block j), as 4 int32 partials.
// bsums are per 16, so adjacent pairs are added first.
inline __m128i k4_mins_dot(__m128i scales_mins, const int16_t* bsums) {
    const __m128i mins = _mm_cvtepu8_epi16(_mm_unpackhi_epi64(scales_mins, scales_mins));
    const __m256i b = load256(bsums);
    const __m128i sums32 = _mm_hadd_epi16(_mm256_castsi256_si128(b), _mm256_extracti128_si256(b, 1));
    return _mm_madd_epi16(mins, sums32);
}
#endif

}  // namespace qs::kquants
