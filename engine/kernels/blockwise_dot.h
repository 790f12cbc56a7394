// Internal, x86 SIMD files only (base_avx2.cpp, base_avx512.cpp): the weight and activation layouts
// of the legacy block types' row-interleaved tiles, and the one-output dot products that repeat those
// tiles' float operations, so a matrix gives the same floats whether a token goes through the tile
// or through vec_dot.
//
// Per block b the tile computes, in its row's lane,
//     acc = fma(float(isum_b), d_w * d_x, acc)     [+ acc = fma(m_w, s_x, acc) for q4_1/q5_1]
// where isum_b is the block's exact integer dot (with q4_0/q5_0's offset taken out), blocks in
// order, restarting every kChunk elements (chunk results added in order). The integer sum is exact
// however it is formed, so each level supplies its own: a `Lanes` policy with
//     using XBlock, YBlock; static constexpr bool with_min;
//     static __m256i lanes(const XBlock&, const YBlock&)   // 8 int32 lanes summing to isum_b
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "kernels/gemm_tiles.h"
#include "kernels/simd_common.h"
#include "tensor/blocks.h"

// Internal linkage (see simd_common.h): compiled with different -m flags in different files.
namespace qs::blockwise {
namespace {

constexpr int64_t kChunk = 2048;  // k elements per tile pass (GemmTile::k_chunk)

// A packed activation block of the tiles: 32 signed quants, f32 d_x, then for q8_0 the int32
// -(sum of the quants) (the offset types' correction) and for q8_1 the f32 s_x.
constexpr size_t kXScale = 32, kXThird = 36, kXBlockBytes = 40;
inline size_t x_packed_bytes(int64_t k) { return size_t(k / 32) * kXBlockBytes; }

template <class Block>
void pack_x(int64_t k, const char* row, char* out) {
    const auto* x = reinterpret_cast<const Block*>(row);
    for (int64_t b = 0; b < k / 32; ++b) {
        char* o = out + size_t(b) * kXBlockBytes;
        std::memcpy(o, x[b].qs, 32);
        const float d = simd::half(x[b].d);
        std::memcpy(o + kXScale, &d, sizeof d);
        if constexpr (std::is_same_v<Block, block_q8_1>) {
            const float sx = simd::half(x[b].s);
            std::memcpy(o + kXThird, &sx, sizeof sx);
        } else {
            int32_t neg_sum = 0;
            for (int j = 0; j < 32; ++j) neg_sum -= x[b].qs[j];
            std::memcpy(o + kXThird, &neg_sum, sizeof neg_sum);
        }
    }
}

// A packed group of Rows weight rows (16 at AVX-512, 8 at AVX2), per block of 32 elements:
//     quants   8-bit types: 8 vectors of Rows x 4 bytes, vector j: lane r = row r's quants 4j..4j+3;
//              4-bit types (U::nibbles): 4 vectors, the same for quants 4j..4j+3 in the low
//              nibbles and 4(j+4)..4(j+4)+3 in the high nibbles (half the memory traffic)
//     Rows f32 d_w of each row (zero for rows past the matrix's end)
//     Rows f32 m_w of each row (min types only)
// U: using XBlock; static constexpr bool nibbles, with_min; static __m256i get(const XBlock&): the
// block's 32 quants as the tile multiplies them, in element order.
template <class U, int Rows>
struct WeightGroup {
    static constexpr size_t quant_bytes = (U::nibbles ? 4 : 8) * Rows * 4;
    // The rows' scales (and mins) stay fp16 as stored: converting them costs one instruction per
    // block in the kernel, and f32 would make the packed copy 6-20 % larger than the file's
    // (more RSS, and more bytes to stream per decoded token).
    static constexpr size_t block_bytes = quant_bytes + (U::with_min ? 2 : 1) * Rows * sizeof(uint16_t);
    static size_t packed_bytes(int64_t k) { return size_t(k / 32) * block_bytes; }
    // Within 30 % of the stored size (q8_0, q4_0, q4_1; not the 5-bit types, whose quants take a
    // byte each): models pack such matrices once at load and run single tokens through the tile.
    static constexpr bool pack_once_worth = block_bytes * 10 <= Rows * sizeof(typename U::XBlock) * 13;

    // Packs nrows (<= Rows) rows, row_stride bytes apart, into one group.
    static void pack(int64_t k, const char* rows, size_t row_stride, int nrows, char* out) {
        for (int64_t b = 0; b < k / 32; ++b) {
            alignas(32) uint32_t u[Rows][8] = {};  // [row][4-byte group]
            uint16_t d[Rows] = {}, m[Rows] = {};  // fp16 bits; a missing row's 0 is +0.0
            for (int r = 0; r < nrows; ++r) {
                const auto& blk = reinterpret_cast<const typename U::XBlock*>(rows + size_t(r) * row_stride)[b];
                _mm256_store_si256(reinterpret_cast<__m256i*>(u[r]), U::get(blk));
                std::memcpy(&d[r], &blk.d, sizeof d[r]);
                if constexpr (U::with_min) std::memcpy(&m[r], &blk.m, sizeof m[r]);
            }
            char* o = out + size_t(b) * block_bytes;
            auto* q = reinterpret_cast<uint32_t*>(o);
            for (int j = 0; j < (U::nibbles ? 4 : 8); ++j)
                for (int r = 0; r < Rows; ++r)  // nibbles: every byte < 16, so << 4 stays in its byte
                    q[j * Rows + r] = U::nibbles ? u[r][j] | u[r][j + 4] << 4 : u[r][j];
            std::memcpy(o + quant_bytes, d, sizeof d);
            if constexpr (U::with_min) std::memcpy(o + quant_bytes + sizeof d, m, sizeof m);
        }
    }
};

// The GemmTile of a level's row-interleaved tile: Groups groups of Rows rows x Cols tokens, weights
// in WeightGroup<U, Rows>, activations in pack_x's layout, k in chunks of kChunk.
template <class U, int Rows, int Groups, int Cols>
constexpr GemmTile weight_group_tile(GemmTileKernelFn kernel) {
    using Group = WeightGroup<U, Rows>;
    return GemmTile{Groups * Rows, Cols,   Group::packed_bytes, nullptr, x_packed_bytes, pack_x<typename U::YBlock>,
                    kernel,        32,     kChunk,              3,       Rows,           Group::pack,
                    Group::pack_once_worth};
}

inline int32_t hsum_epi32(__m256i v) {
    __m128i h = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4E));
    h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0xB1));
    return _mm_cvtsi128_si32(h);
}

template <class Lanes>
void vec_dot(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const typename Lanes::XBlock*>(vx);
    const auto* y = static_cast<const typename Lanes::YBlock*>(vy);
    const int64_t nb = n / 32, chunk_blocks = kChunk / 32;
    float total = 0;
    for (int64_t c0 = 0; c0 < nb; c0 += chunk_blocks) {
        float acc = 0;
        for (int64_t b = c0; b < std::min(nb, c0 + chunk_blocks); ++b) {
            acc = std::fma(float(hsum_epi32(Lanes::lanes(x[b], y[b]))), simd::half(x[b].d) * simd::half(y[b].d), acc);
            if constexpr (Lanes::with_min) acc = std::fma(simd::half(x[b].m), simd::half(y[b].s), acc);
        }
        total = c0 == 0 ? acc : total + acc;
    }
    *s = total;
}

// vec_dot for four weight rows at a time: their fused multiply-add chains run in the four lanes of
// one vector (the same operations per lane), so decoding one token is not bound by one chain's
// latency; a remainder of rows goes through vec_dot.
template <class Lanes>
void vec_dot_rows(int64_t n, float* s, int64_t nrows, const void* vx, size_t x_stride, const void* vy) {
    using XBlock = typename Lanes::XBlock;
    constexpr int kRows = 4;
    const auto* y = static_cast<const typename Lanes::YBlock*>(vy);
    const int64_t nb = n / 32, chunk_blocks = kChunk / 32;
    int64_t r0 = 0;
    for (; r0 + kRows <= nrows; r0 += kRows) {
        const XBlock* x[kRows];
        for (int i = 0; i < kRows; ++i) x[i] = reinterpret_cast<const XBlock*>(static_cast<const char*>(vx) + size_t(r0 + i) * x_stride);
        __m128 total = _mm_setzero_ps();
        for (int64_t c0 = 0; c0 < nb; c0 += chunk_blocks) {
            __m128 acc = _mm_setzero_ps();
            for (int64_t b = c0; b < std::min(nb, c0 + chunk_blocks); ++b) {
                __m256i lanes[kRows];
                for (int i = 0; i < kRows; ++i) lanes[i] = Lanes::lanes(x[i][b], y[b]);
                // Row i's eight partial sums end in lane i of both halves.
                const __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(lanes[0], lanes[1]), _mm256_hadd_epi32(lanes[2], lanes[3]));
                const __m128i isum = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
                const __m128 dw = _mm_setr_ps(simd::half(x[0][b].d), simd::half(x[1][b].d), simd::half(x[2][b].d), simd::half(x[3][b].d));
                acc = _mm_fmadd_ps(_mm_cvtepi32_ps(isum), _mm_mul_ps(dw, _mm_set1_ps(simd::half(y[b].d))), acc);
                if constexpr (Lanes::with_min) {
                    const __m128 mw = _mm_setr_ps(simd::half(x[0][b].m), simd::half(x[1][b].m), simd::half(x[2][b].m), simd::half(x[3][b].m));
                    acc = _mm_fmadd_ps(mw, _mm_set1_ps(simd::half(y[b].s)), acc);
                }
            }
            total = c0 == 0 ? acc : _mm_add_ps(total, acc);
        }
        _mm_storeu_ps(s + r0, total);
    }
    for (; r0 < nrows; ++r0) vec_dot<Lanes>(n, s + r0, static_cast<const char*>(vx) + size_t(r0) * x_stride, vy);
}

}  // namespace
}  // namespace qs::blockwise
