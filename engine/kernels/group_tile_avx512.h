// Internal, AVX-512 files only: helpers shared by the row-interleaved tile kernels
// (base_avx512.cpp for the legacy block types, kquants_avx512.cpp for q4_K/q5_K). A group is 16
// weight rows in the 16 lanes of a vector; included only by files compiled with AVX-512, so these
// inline definitions never mix with another instruction set's (see simd_common.h).
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace qs::group_tile {

constexpr int kGroupRows = 16;

// Partial integer sums a kernel keeps per (group, token) for C tokens: with one or two tokens a
// single vpdpbusd chain per accumulator would wait on its own latency.
template <int C>
constexpr int kPartialSums = C >= 3 ? 1 : 4 / C;

// The 4 bytes at p in every int32 lane.
inline __m512i broadcast32(const void* p) {
    int32_t v;
    std::memcpy(&v, p, sizeof v);
    return _mm512_set1_epi32(v);
}

// The f32 at p (any alignment).
inline float load_f32(const void* p) {
    float v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// y[c * ldy + 16 g + lane] (+)= acc[g][c][lane] for the nr rows the G groups cover (the last group
// may be partial: its missing rows are neither read nor written).
template <int G, int C>
inline void store(const __m512 (&acc)[G][C], int nr, float* y, int64_t ldy, bool accumulate) {
    for (int g = 0; g < G; ++g) {
        const int rows = std::min(kGroupRows, nr - g * kGroupRows);
        const __mmask16 mask = __mmask16((1u << rows) - 1);
        for (int c = 0; c < C; ++c) {
            float* out = y + c * ldy + g * kGroupRows;
            const __m512 v = accumulate ? _mm512_add_ps(_mm512_maskz_loadu_ps(mask, out), acc[g][c]) : acc[g][c];
            _mm512_mask_storeu_ps(out, mask, v);
        }
    }
}

}  // namespace qs::group_tile
