// Private to the base SIMD kernel files (compiled with at least -mavx2 -mfma -mf16c): small AVX2
// helpers for the legacy 32-element block types, written after ggml's x86 helpers so the block
// arithmetic is the same.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "core/fp16.h"

// Internal linkage: this header is compiled with different -m flags in different files, and one
// shared inline definition would let the linker pick, say, the AVX-512-encoded copy for AVX2 code.
namespace qs::simd {
namespace {

inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

inline __m256i load_bytes(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

// 16 packed nibbles -> 32 bytes: lane j is the low nibble of byte j, lane j+16 its high nibble
// (ggml's element order for q4/q5 blocks).
inline __m256i bytes_from_nibbles_32(const uint8_t* qs) {
    const __m128i tmp = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
    const __m256i bytes = _mm256_insertf128_si256(_mm256_castsi128_si256(tmp), _mm_srli_epi16(tmp, 4), 1);
    return _mm256_and_si256(bytes, _mm256_set1_epi8(0x0F));
}

// 32 bits -> 32 bytes: lane j is 0xFF where bit j is set, else 0.
inline __m256i bytes_from_bits_32(const uint8_t* bits) {
    uint32_t x32;
    std::memcpy(&x32, bits, sizeof(x32));
    const __m256i shuf = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0);
    __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32(int(x32)), shuf);
    bytes = _mm256_or_si256(bytes, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe));
    return _mm256_cmpeq_epi8(bytes, _mm256_set1_epi64x(-1));
}

// q5 quants as unsigned bytes 0..31 (nibble | 5th bit << 4), in element order.
inline __m256i q5_unsigned(const uint8_t* qs, const uint8_t* qh) {
    return _mm256_or_si256(bytes_from_nibbles_32(qs), _mm256_and_si256(bytes_from_bits_32(qh), _mm256_set1_epi8(0x10)));
}

// Sum of u[j] * s[j] over 32 unsigned (<= 127 + 128 = 255 would saturate vpmaddubsw, so callers
// keep u <= 31) x signed bytes, as 8 int32 partial sums.
inline __m256i dot_u8_s8_small(__m256i u, __m256i s) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

// Sum of 32 signed x signed bytes as 8 int32 partial sums, lane l holding elements 4l..4l+3 (the
// grouping vpmaddubsw + vpmaddwd give, so the tile kernels' float rounding is reproduced). Exact
// for every byte value, including -128, which ggml's sign trick would mishandle.
inline __m256i dot_s8_s8(__m256i a, __m256i b) {
    const __m256i a_lo = _mm256_cvtepi8_epi16(_mm256_castsi256_si128(a));
    const __m256i a_hi = _mm256_cvtepi8_epi16(_mm256_extracti128_si256(a, 1));
    const __m256i b_lo = _mm256_cvtepi8_epi16(_mm256_castsi256_si128(b));
    const __m256i b_hi = _mm256_cvtepi8_epi16(_mm256_extracti128_si256(b, 1));
    // Pair sums of elements (0,1), (2,3), ... ; hadd makes quads, interleaved by 128-bit lane.
    const __m256i quads = _mm256_hadd_epi32(_mm256_madd_epi16(a_lo, b_lo), _mm256_madd_epi16(a_hi, b_hi));
    return _mm256_permutevar8x32_epi32(quads, _mm256_setr_epi32(0, 1, 4, 5, 2, 3, 6, 7));
}

// Sum of 32 signed bytes as 8 int32 partial sums.
inline __m256i sum_s8(__m256i s) { return dot_u8_s8_small(_mm256_set1_epi8(1), s); }

inline float half(fp16_t h) { return _cvtsh_ss(h); }

// Horizontal max of |x| over 32 floats.
inline float abs_max_32(const __m256 v[4]) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 m = _mm256_andnot_ps(sign, v[0]);
    for (int i = 1; i < 4; ++i) m = _mm256_max_ps(m, _mm256_andnot_ps(sign, v[i]));
    __m128 h = _mm_max_ps(_mm256_extractf128_ps(m, 1), _mm256_castps256_ps128(m));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
}

}  // namespace
}  // namespace qs::simd
