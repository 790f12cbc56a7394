// Internal, AVX2-level files only (base_avx2.cpp, and base_avxvnni.cpp with AVX-VNNI): the legacy
// block types' row-interleaved tiles at 8 rows per ymm, and their per-type traits.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "kernels/blockwise_dot.h"
#include "kernels/gemm_tiles.h"
#include "kernels/group_tile_avx2.h"
#include "kernels/simd_common.h"
#include "tensor/blocks.h"

// Internal linkage (see simd_common.h): compiled with different -m flags in different files.
namespace qs {
namespace {
namespace legacy_avx2 {

using namespace simd;
constexpr int64_t kQ8Chunk = blockwise::kChunk;

// The tiled types (q8_0, q4_0, q5_0, q4_1, q5_1): a block's weights as unsigned bytes in element
// order (q8_0: signed), how the tile treats them, and the block's exact integer dot with the
// activation block as 8 int32 lanes (blockwise_dot.h repeats the tile's float operations on it).
//   Kind::Signed  q8_0: signed quants, ggml's sign trick |w| x sign(x, w) in the tile
//   Kind::Offset  q4_0 / q5_0: u = q + (1 << shift); isum starts at -(1 << shift) * sum(x)
//   Kind::Min     q4_1 / q5_1: u = q; the min term m_w * s_x is added in float
enum class Kind { Signed, Offset, Min };
template <class B, class Y, Kind K, int Shift, bool Nibbles>
struct LegacyOf {
    using XBlock = B;
    using YBlock = Y;
    static constexpr Kind kind = K;
    static constexpr int shift = Shift;
    static constexpr bool with_min = K == Kind::Min;
    static constexpr bool nibbles = Nibbles;
};
template <class U>
struct LegacyLanes : U {
    // Exact for every byte value of both blocks (u <= 31 cannot saturate vpmaddubsw, even against -128).
    static __m256i lanes(const typename U::XBlock& x, const typename U::YBlock& y) {
        const __m256i qy = load_bytes(y.qs);
        if constexpr (U::kind == Kind::Signed) return dot_s8_s8(U::get(x), qy);
        const __m256i prod = dot_u8_s8_small(U::get(x), qy);
        if constexpr (U::kind == Kind::Offset) return _mm256_sub_epi32(prod, _mm256_slli_epi32(sum_s8(qy), U::shift));
        return prod;
    }
};
struct LegacyQ8_0 : LegacyOf<block_q8_0, block_q8_0, Kind::Signed, 0, false> {
    static __m256i get(const block_q8_0& b) { return load_bytes(b.qs); } };
struct LegacyQ4_0 : LegacyOf<block_q4_0, block_q8_0, Kind::Offset, 3, true> {
    static __m256i get(const block_q4_0& b) { return bytes_from_nibbles_32(b.qs); } };
struct LegacyQ5_0 : LegacyOf<block_q5_0, block_q8_0, Kind::Offset, 4, false> {
    static __m256i get(const block_q5_0& b) { return q5_unsigned(b.qs, b.qh); } };
struct LegacyQ4_1 : LegacyOf<block_q4_1, block_q8_1, Kind::Min, 0, true> {
    static __m256i get(const block_q4_1& b) { return bytes_from_nibbles_32(b.qs); } };
struct LegacyQ5_1 : LegacyOf<block_q5_1, block_q8_1, Kind::Min, 0, false> {
    static __m256i get(const block_q5_1& b) { return q5_unsigned(b.qs, b.qh); } };


// Legacy block types x q8_0/q8_1 activations: row-interleaved groups of 8 weight rows, one int32
// lane per row (the AVX2 form of base_avx512.cpp's 16-row groups; layout: blockwise::WeightGroup,
// q8_0's quants kept signed). Per (group, token) the token's 4 bytes of a quant vector are broadcast and vpmaddubsw + vpmaddwd
// give every lane its row's exact block sum. Activations come from the q8_0/q8_1 quantizer, so
// |x| <= 127; int16 pair sums are added before vpmaddwd as long as they cannot overflow:
//     4-bit (u <= 15): 8 vpmaddubsw per int16 sum, |sum| <= 8 * 2 * 15 * 127 = 30480
//     5-bit (u <= 31): 4 per sum, <= 4 * 2 * 31 * 127 = 31496
//     q8_0 (|w| x sign(x, w), |w| <= 128): 1, <= 2 * 128 * 127 = 32512
// Then per block and lane the float operations of blockwise_dot.h (vec_dot repeats them).
using group_tile8::broadcast32;
using group_tile8::kGroupRows;
using group_tile8::load_f32;

template <class U>
using Group = blockwise::WeightGroup<U, kGroupRows>;

using blockwise::kXBlockBytes;
using blockwise::kXScale;
using blockwise::kXThird;

template <class U, bool kVnni>
struct BlockwiseTile {
    // G groups of 8 rows x C tokens; nr rows in all (a partial last group is stored masked).
    template <int G, int C>
    struct For {
        static void run(int64_t k, const char* w, size_t ws, int nr, const char* x, size_t xs, int, float* y, int64_t ldy,
                        bool accumulate) {
            constexpr size_t kWBlock = Group<U>::block_bytes, kScales = Group<U>::quant_bytes;
            const __m256i low4 = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
            __m256 acc[G][C];
            for (int g = 0; g < G; ++g)
                for (int c = 0; c < C; ++c) acc[g][c] = _mm256_setzero_ps();
            for (int64_t b = 0; b < k / 32; ++b) {
                const char* wb = w + size_t(b) * kWBlock;
                const char* xb = x + size_t(b) * kXBlockBytes;
                if constexpr (C <= 2)  // few tokens: streaming the weights is the work; fetch ahead
                    for (int g = 0; g < G; ++g)
                        for (size_t line = 0; line < kWBlock; line += 64) _mm_prefetch(wb + g * ws + 8 * kWBlock + line, _MM_HINT_T0);
                __m256i isum[G][C];
                for (int c = 0; c < C; ++c) {
                    __m256i start = _mm256_setzero_si256();
                    if constexpr (U::kind == Kind::Offset) start = _mm256_slli_epi32(broadcast32(xb + c * xs + kXThird), U::shift);
                    for (int g = 0; g < G; ++g) isum[g][c] = start;
                }
                if constexpr (kVnni) {  // vpdpbusd: exact int32 dots of 4 bytes, no int16 stage
                    for (int j = 0; j < (U::nibbles ? 4 : 8); ++j) {
                        __m256i wv[G], wh[G];
                        for (int g = 0; g < G; ++g) {
                            wv[g] = load_bytes(wb + g * ws + j * 32);
                            if constexpr (U::nibbles) {
                                wh[g] = _mm256_and_si256(_mm256_srli_epi16(wv[g], 4), low4);
                                wv[g] = _mm256_and_si256(wv[g], low4);
                            }
                        }
                        for (int c = 0; c < C; ++c) {
                            const __m256i xv = broadcast32(xb + c * xs + 4 * j);
                            for (int g = 0; g < G; ++g) {
                                if constexpr (U::kind == Kind::Signed)
                                    isum[g][c] = _mm256_dpbusd_avx_epi32(isum[g][c], _mm256_sign_epi8(wv[g], wv[g]), _mm256_sign_epi8(xv, wv[g]));
                                else
                                    isum[g][c] = _mm256_dpbusd_avx_epi32(isum[g][c], wv[g], xv);
                            }
                            if constexpr (U::nibbles) {
                                const __m256i xh = broadcast32(xb + c * xs + 4 * (j + 4));
                                for (int g = 0; g < G; ++g) isum[g][c] = _mm256_dpbusd_avx_epi32(isum[g][c], wh[g], xh);
                            }
                        }
                    }
                } else if constexpr (U::nibbles) {
                    // All 8 vpmaddubsw of a block (4 vectors x low/high nibbles) in one int16 sum.
                    __m256i s16[G][C];
                    for (int g = 0; g < G; ++g)
                        for (int c = 0; c < C; ++c) s16[g][c] = _mm256_setzero_si256();
                    for (int j = 0; j < 4; ++j) {
                        __m256i wl[G], wh[G];
                        for (int g = 0; g < G; ++g) {
                            const __m256i v = load_bytes(wb + g * ws + j * 32);
                            wl[g] = _mm256_and_si256(v, low4);
                            wh[g] = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
                        }
                        for (int c = 0; c < C; ++c) {
                            const __m256i xl = broadcast32(xb + c * xs + 4 * j), xh = broadcast32(xb + c * xs + 4 * (j + 4));
                            for (int g = 0; g < G; ++g)
                                s16[g][c] = _mm256_add_epi16(s16[g][c], _mm256_add_epi16(_mm256_maddubs_epi16(wl[g], xl),
                                                                                          _mm256_maddubs_epi16(wh[g], xh)));
                        }
                    }
                    for (int g = 0; g < G; ++g)
                        for (int c = 0; c < C; ++c) isum[g][c] = _mm256_add_epi32(isum[g][c], _mm256_madd_epi16(s16[g][c], ones));
                } else {
                    // Bytes: q5 sums 4 vpmaddubsw in int16, q8_0 (sign trick) widens each one.
                    constexpr int kRun = U::kind == Kind::Signed ? 1 : 4;
                    for (int j0 = 0; j0 < 8; j0 += kRun) {
                        __m256i s16[G][C];
                        for (int j = j0; j < j0 + kRun; ++j) {
                            __m256i wv[G], wu[G];
                            for (int g = 0; g < G; ++g) {
                                wv[g] = load_bytes(wb + g * ws + j * 32);
                                wu[g] = U::kind == Kind::Signed ? _mm256_sign_epi8(wv[g], wv[g]) : wv[g];
                            }
                            for (int c = 0; c < C; ++c) {
                                const __m256i xv = broadcast32(xb + c * xs + 4 * j);
                                for (int g = 0; g < G; ++g) {
                                    const __m256i p = U::kind == Kind::Signed ? _mm256_maddubs_epi16(wu[g], _mm256_sign_epi8(xv, wv[g]))
                                                                              : _mm256_maddubs_epi16(wu[g], xv);
                                    s16[g][c] = j == j0 ? p : _mm256_add_epi16(s16[g][c], p);
                                }
                            }
                        }
                        for (int g = 0; g < G; ++g)
                            for (int c = 0; c < C; ++c) isum[g][c] = _mm256_add_epi32(isum[g][c], _mm256_madd_epi16(s16[g][c], ones));
                    }
                }
                for (int g = 0; g < G; ++g) {
                    const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(wb + g * ws + kScales)));
                    for (int c = 0; c < C; ++c) {
                        const __m256 dx = _mm256_set1_ps(load_f32(xb + c * xs + kXScale));
                        acc[g][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[g][c]), _mm256_mul_ps(dw, dx), acc[g][c]);
                        if constexpr (U::with_min)
                            acc[g][c] = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128(
                                                            reinterpret_cast<const __m128i*>(wb + g * ws + kScales + 16))),
                                                        _mm256_set1_ps(load_f32(xb + c * xs + kXThird)), acc[g][c]);
                    }
                }
            }
            group_tile8::store<G, C>(acc, nr, y, ldy, accumulate);
        }
    };
};

constexpr int kBlockwiseGroups = 2, kBlockwiseCols = 2;

// kVnni: with AVX-VNNI's vpdpbusd (the same packed layout; the integer sums are exact either way,
// so both give bit-identical results). Instantiated with it only in base_avxvnni.cpp.
template <class U, bool kVnni>
constexpr GemmTile blockwise_tile = blockwise::weight_group_tile<U, kGroupRows, kBlockwiseGroups, kBlockwiseCols>(
    GroupTileTable<BlockwiseTile<U, kVnni>::template For, kGroupRows, kBlockwiseGroups, kBlockwiseCols>::run);

// The tile of a legacy type, or nullptr.
template <bool kVnni>
const GemmTile* legacy_tile(GgmlType t) {
    switch (t) {
        case GgmlType::Q8_0: return &blockwise_tile<LegacyQ8_0, kVnni>;
        case GgmlType::Q4_0: return &blockwise_tile<LegacyQ4_0, kVnni>;
        case GgmlType::Q5_0: return &blockwise_tile<LegacyQ5_0, kVnni>;
        case GgmlType::Q4_1: return &blockwise_tile<LegacyQ4_1, kVnni>;
        case GgmlType::Q5_1: return &blockwise_tile<LegacyQ5_1, kVnni>;
        default: return nullptr;
    }
}


}  // namespace legacy_avx2
}  // namespace
}  // namespace qs
