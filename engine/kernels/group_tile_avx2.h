// Internal, AVX2 files only: helpers shared by the AVX2 row-interleaved tile kernels (base_avx2.cpp
// for the legacy block types, kquants_avx2.cpp for q4_K). A group is 8 weight rows in the 8 int32
// lanes of a ymm, the AVX2 counterpart of group_tile_avx512.h's 16.
//
// AVX2 has no VNNI: a lane's 4-byte dot is vpmaddubsw (u8 x s8 pairs summed into int16, saturating)
// then vpmaddwd (int16 pairs summed into int32). The int16 pair sums of several vpmaddubsw are
// added before widening where they cannot overflow (each kernel states its bound), so a lane
// costs about two instructions per 4 bytes instead of one vpdpbusd.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

// Internal linkage, as simd_common.h: one inline definition compiled with other -m flags must not
// be picked by the linker for this file's callers.
namespace qs::group_tile8 {
namespace {

constexpr int kGroupRows = 8;

// The 4 bytes at p in every int32 lane.
inline __m256i broadcast32(const void* p) {
    int32_t v;
    std::memcpy(&v, p, sizeof v);
    return _mm256_set1_epi32(v);
}

// The f32 at p (any alignment).
inline float load_f32(const void* p) {
    float v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// y[c * ldy + 8 g + lane] (+)= acc[g][c][lane] for the nr rows the G groups cover (the last group
// may be partial: its missing rows are neither read nor written).
template <int G, int C>
inline void store(const __m256 (&acc)[G][C], int nr, float* y, int64_t ldy, bool accumulate) {
    for (int g = 0; g < G; ++g) {
        const int rows = std::min(kGroupRows, nr - g * kGroupRows);
        const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(rows), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        for (int c = 0; c < C; ++c) {
            float* out = y + c * ldy + g * kGroupRows;
            const __m256 v = accumulate ? _mm256_add_ps(_mm256_maskload_ps(out, mask), acc[g][c]) : acc[g][c];
            _mm256_maskstore_ps(out, mask, v);
        }
    }
}

}  // namespace
}  // namespace qs::group_tile8
