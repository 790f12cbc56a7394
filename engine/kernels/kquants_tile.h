// Internal, x86 K-quant SIMD files only (kquants_avx2.cpp, kquants_avx512.cpp): the packed q8_K
// activation layout their row-interleaved tiles share.
#pragma once

#include <cstdint>
#include <cstring>

#include "tensor/blocks.h"

// Internal linkage (see simd_common.h): compiled with different -m flags in different files.
namespace qs::kquants {
namespace {

// A packed activation super-block: q8_K's quants, scale and sums of 16 quants (q2_K/q3_K/q6_K
// sub-blocks), and the sums of 32 (q4_K/q5_K sub-blocks).
struct alignas(64) KX {
    int8_t qs[QK_K];
    float d;
    int16_t bsums[QK_K / 16];
    int16_t bsum32[QK_K / 32];
    uint8_t pad[12];
};
static_assert(sizeof(KX) == 320);

inline size_t kx_packed_bytes(int64_t k) { return size_t(k / QK_K) * sizeof(KX); }
inline void kx_pack(int64_t k, const char* row, char* out) {
    const auto* x = reinterpret_cast<const block_q8_K*>(row);
    auto* o = reinterpret_cast<KX*>(out);
    for (int64_t i = 0; i < k / QK_K; ++i) {
        std::memcpy(o[i].qs, x[i].qs, QK_K);
        o[i].d = x[i].d;
        std::memcpy(o[i].bsums, x[i].bsums, sizeof o[i].bsums);
        for (int s = 0; s < QK_K / 32; ++s) o[i].bsum32[s] = int16_t(x[i].bsums[2 * s] + x[i].bsums[2 * s + 1]);
        std::memset(o[i].pad, 0, sizeof o[i].pad);
    }
}

}  // namespace
}  // namespace qs::kquants
