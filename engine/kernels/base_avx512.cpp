// AVX-512 kernels for the float types and the legacy block types: register-blocked tile kernels for
// batched matmul (the compute-bound case) and 512-bit float dot products. Entries not set here
// are the AVX2 ones (row dot products for m = 1 are memory-bound, 256 bits are enough).
//
// Tile kernels compute rows x cols outputs per pass over k, reusing every loaded weight vector for
// cols tokens and every activation vector for rows weights.
// - Float types (f32, f16, bf16): both operands are repacked to f32 (f16/bf16 values convert
//   exactly), then plain FMA: the products are the ones ggml computes, summed in another order.
// - Legacy block types (q8_0, q4_0, q5_0, q4_1, q5_1) against q8_0/q8_1 activations: weights are
//   repacked 16 rows to a vector, one int32 lane per row, and VNNI forms each row's exact block
//   sum; the float work is one fused multiply-add per block, as ggml's scalar formula (see the
//   section below for the layout and the exact float operations).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <utility>

// GCC 12's own AVX-512 intrinsic headers trip -Wuninitialized (their _mm512_undefined_* helpers);
// the warnings point into the compiler headers, not at this code.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "core/cpu_features.h"
#include "kernels/blockwise_dot.h"
#include "kernels/gemm_tiles.h"
#include "kernels/group_tile_avx512.h"
#include "kernels/kernel_table.h"
#include "kernels/simd_common.h"
#include "tensor/blocks.h"

namespace qs {
namespace {

using simd::half;

template <int R, int C>
inline void store_tile(const __m512 (&acc)[R][C], float* y, int64_t ldy, bool accumulate) {
    for (int c = 0; c < C; ++c)
        for (int r = 0; r < R; ++r) {
            const float v = _mm512_reduce_add_ps(acc[r][c]);
            y[c * ldy + r] = accumulate ? y[c * ldy + r] + v : v;
        }
}

// ---- float types: f32 panels ---------------------------------------------------------------

size_t float_packed_bytes(int64_t k) { return size_t(round_up(k, 16)) * sizeof(float); }

// A row of f32/f16/bf16 as f32, zero-padded to a multiple of 16 (zeros add nothing to a dot).
template <GgmlType T>
void pack_float(int64_t k, const char* row, char* out) {
    auto* o = reinterpret_cast<float*>(out);
    int64_t i = 0;
    if constexpr (T == GgmlType::F32) {
        std::memcpy(o, row, size_t(k) * sizeof(float));
        i = k;
    } else {
        const auto* h = reinterpret_cast<const uint16_t*>(row);
        for (; i + 16 <= k; i += 16) {
            const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + i));
            const __m512 f = T == GgmlType::F16 ? _mm512_cvtph_ps(v)
                                                : _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(v), 16));
            _mm512_storeu_ps(o + i, f);
        }
        for (; i < k; ++i) o[i] = T == GgmlType::F16 ? half(h[i]) : bf16_to_fp32(h[i]);
    }
    for (; i < round_up(k, 16); ++i) o[i] = 0.0f;
}

template <int R, int C>
struct FloatTile {
    static void run(int64_t k, const char* w, size_t ws, int, const char* x, size_t xs, int, float* y, int64_t ldy,
                    bool accumulate) {
        __m512 acc[R][C];
        for (int r = 0; r < R; ++r)
            for (int c = 0; c < C; ++c) acc[r][c] = _mm512_setzero_ps();
        const int64_t kp = round_up(k, 16);
        for (int64_t i = 0; i < kp; i += 16) {
            __m512 wv[R];
            for (int r = 0; r < R; ++r) wv[r] = _mm512_loadu_ps(reinterpret_cast<const float*>(w + r * ws) + i);
            for (int c = 0; c < C; ++c) {
                const __m512 xv = _mm512_loadu_ps(reinterpret_cast<const float*>(x + c * xs) + i);
                for (int r = 0; r < R; ++r) acc[r][c] = _mm512_fmadd_ps(wv[r], xv, acc[r][c]);
            }
        }
        store_tile<R, C>(acc, y, ldy, accumulate);
    }
};

constexpr int kFloatRows = 4, kFloatCols = 6;
using FloatTiles = TileTable<FloatTile, kFloatRows, kFloatCols>;

template <GgmlType T>
constexpr GemmTile float_tile{kFloatRows, kFloatCols, float_packed_bytes, pack_float<T>,
                              float_packed_bytes, pack_float<T>, FloatTiles::run, 16, 1024, 4};

// ---- 8-bit activations x legacy block weights: row-interleaved VNNI panels -----------------
//
// A vector holds 16 weight rows, one int32 lane each. Weights are repacked to unsigned bytes
// u = q + o (o = 128, 8, 16 for q8_0, q4_0, q5_0; q4_1/q5_1 are unsigned already) so one vpdpbusd
// multiplies them with the token's signed bytes; eight vpdpbusd (one per 4-element group, the
// token's 4 bytes broadcast) give every lane its row's exact block sum. Starting the q8_0-type
// sums at -o * (sum of the token's block quants) takes the offset out. The float work is then one
// lane per block and (row, token):
//     acc = fma(float(isum_b), d_w * d_x, acc)     [+ acc = fma(m_w, s_x, acc) for q4_1/q5_1]
// blocks in order, restarting every blockwise::kChunk elements (chunk results added in order):
// ggml's scalar per-block formula with the multiply-adds fused. blockwise::vec_dot
// (blockwise_dot.h) repeats it for one output, so batched and one-token results are bit-identical.
using group_tile::broadcast32;
using group_tile::load_f32;
using group_tile::kGroupRows;
using group_tile::kPartialSums;

// Unsigned quants of a block as 32 bytes (element order) and the offset o subtracted from them
// (0: a min type, whose m_w * s_x term is added instead). 4-bit types are packed as nibbles.
template <class B, int Offset, bool Nibbles>
struct UnsignedOf {
    using Block = B;
    using XBlock = B;
    using YBlock = std::conditional_t<Offset == 0, block_q8_1, block_q8_0>;
    static constexpr int offset = Offset;
    static constexpr int shift = Offset == 128 ? 7 : Offset == 16 ? 4 : Offset == 8 ? 3 : 0;  // o = 1 << shift
    static constexpr bool with_min = Offset == 0;
    static constexpr bool nibbles = Nibbles;
};
struct UnsignedQ8_0 : UnsignedOf<block_q8_0, 128, false> { static __m256i get(const block_q8_0& b) {
    return _mm256_xor_si256(simd::load_bytes(b.qs), _mm256_set1_epi8(char(0x80))); } };
struct UnsignedQ4_0 : UnsignedOf<block_q4_0, 8, true> { static __m256i get(const block_q4_0& b) {
    return simd::bytes_from_nibbles_32(b.qs); } };
struct UnsignedQ5_0 : UnsignedOf<block_q5_0, 16, false> { static __m256i get(const block_q5_0& b) {
    return simd::q5_unsigned(b.qs, b.qh); } };
struct UnsignedQ4_1 : UnsignedOf<block_q4_1, 0, true> { static __m256i get(const block_q4_1& b) {
    return simd::bytes_from_nibbles_32(b.qs); } };
struct UnsignedQ5_1 : UnsignedOf<block_q5_1, 0, false> { static __m256i get(const block_q5_1& b) {
    return simd::q5_unsigned(b.qs, b.qh); } };

// A packed group of 16 weight rows: blockwise::WeightGroup (blockwise_dot.h).
template <class U>
using Group = blockwise::WeightGroup<U, kGroupRows>;

using blockwise::kXBlockBytes;
using blockwise::kXScale;
using blockwise::kXThird;

template <class U>
struct BlockwiseTile {
    // G groups of 16 rows x C tokens; nr rows in all (a partial last group is stored masked).
    template <int G, int C>
    struct For {
        static void run(int64_t k, const char* w, size_t ws, int nr, const char* x, size_t xs, int, float* y, int64_t ldy,
                        bool accumulate) {
            constexpr size_t kWBlock = Group<U>::block_bytes, kScales = Group<U>::quant_bytes;
            const __m512i low4 = _mm512_set1_epi8(0x0F);
            __m512 acc[G][C];
            for (int g = 0; g < G; ++g)
                for (int c = 0; c < C; ++c) acc[g][c] = _mm512_setzero_ps();
            for (int64_t b = 0; b < k / 32; ++b) {
                const char* wb = w + size_t(b) * kWBlock;
                const char* xb = x + size_t(b) * kXBlockBytes;
                if constexpr (C <= 2)  // few tokens: streaming the weights is the work; fetch ahead
                    for (int g = 0; g < G; ++g)
                        for (size_t line = 0; line < kWBlock; line += 64) _mm_prefetch(wb + g * ws + 8 * kWBlock + line, _MM_HINT_T0);
                // P partial sums per (group, token), so few tokens still give enough independent
                // vpdpbusd chains to hide their latency (integer sums: any grouping is exact).
                constexpr int P = kPartialSums<C>;
                __m512i isum[P][G][C];
                for (int c = 0; c < C; ++c) {
                    __m512i start = _mm512_setzero_si512();
                    if constexpr (!U::with_min) start = _mm512_slli_epi32(broadcast32(xb + c * xs + kXThird), U::shift);
                    for (int g = 0; g < G; ++g) {
                        isum[0][g][c] = start;
                        for (int q = 1; q < P; ++q) isum[q][g][c] = _mm512_setzero_si512();
                    }
                }
                // Quant vector j (and j + 4 from the high nibbles): one vpdpbusd per (group, token).
                for (int j = 0; j < (U::nibbles ? 4 : 8); ++j) {
                    __m512i wv[G], wh[G];
                    for (int g = 0; g < G; ++g) {
                        wv[g] = _mm512_loadu_si512(wb + g * ws + j * 64);
                        if constexpr (U::nibbles) {
                            wh[g] = _mm512_and_si512(_mm512_srli_epi16(wv[g], 4), low4);
                            wv[g] = _mm512_and_si512(wv[g], low4);
                        }
                    }
                    for (int c = 0; c < C; ++c) {
                        const __m512i xv = broadcast32(xb + c * xs + 4 * j);
                        constexpr int kPerJ = U::nibbles ? 2 : 1;
                        __m512i(&lo)[G][C] = isum[(kPerJ * j) % P];
                        for (int g = 0; g < G; ++g) lo[g][c] = _mm512_dpbusd_epi32(lo[g][c], wv[g], xv);
                        if constexpr (U::nibbles) {
                            const __m512i xh = broadcast32(xb + c * xs + 4 * (j + 4));
                            __m512i(&hi)[G][C] = isum[(kPerJ * j + 1) % P];
                            for (int g = 0; g < G; ++g) hi[g][c] = _mm512_dpbusd_epi32(hi[g][c], wh[g], xh);
                        }
                    }
                }
                for (int q = 1; q < P; ++q)
                    for (int g = 0; g < G; ++g)
                        for (int c = 0; c < C; ++c) isum[0][g][c] = _mm512_add_epi32(isum[0][g][c], isum[q][g][c]);
                for (int g = 0; g < G; ++g) {
                    const __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb + g * ws + kScales)));
                    for (int c = 0; c < C; ++c) {
                        const __m512 dx = _mm512_set1_ps(load_f32(xb + c * xs + kXScale));
                        acc[g][c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[0][g][c]), _mm512_mul_ps(dw, dx), acc[g][c]);
                        if constexpr (U::with_min)
                            acc[g][c] = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256(
                                                            reinterpret_cast<const __m256i*>(wb + g * ws + kScales + 32))),
                                                        _mm512_set1_ps(load_f32(xb + c * xs + kXThird)), acc[g][c]);
                    }
                }
            }
            group_tile::store<G, C>(acc, nr, y, ldy, accumulate);
        }
    };
};

constexpr int kBlockwiseGroups = 2, kBlockwiseCols = 4;

template <class U>
constexpr GemmTile blockwise_tile = blockwise::weight_group_tile<U, kGroupRows, kBlockwiseGroups, kBlockwiseCols>(
    GroupTileTable<BlockwiseTile<U>::template For, kGroupRows, kBlockwiseGroups, kBlockwiseCols>::run);

// ---- float dot products --------------------------------------------------------------------

template <GgmlType T>
inline __m512 load16(const void* p) {
    if constexpr (T == GgmlType::F32) return _mm512_loadu_ps(p);
    const __m256i v = _mm256_loadu_si256(static_cast<const __m256i*>(p));
    if constexpr (T == GgmlType::F16) return _mm512_cvtph_ps(v);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(v), 16));
}

template <GgmlType T>
void vec_dot_float(int64_t n, float* s, const void* vx, const void* vy) {
    using Elem = std::conditional_t<T == GgmlType::F32, float, uint16_t>;
    const auto* x = static_cast<const Elem*>(vx);
    const auto* y = static_cast<const Elem*>(vy);
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    int64_t i = 0;
    for (; i + 64 <= n; i += 64)
        for (int a = 0; a < 4; ++a) acc[a] = _mm512_fmadd_ps(load16<T>(x + i + 16 * a), load16<T>(y + i + 16 * a), acc[a]);
    for (; i + 16 <= n; i += 16) acc[0] = _mm512_fmadd_ps(load16<T>(x + i), load16<T>(y + i), acc[0]);
    float sum = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])));
    for (; i < n; ++i) {
        if constexpr (T == GgmlType::F32) sum += x[i] * y[i];
        else if constexpr (T == GgmlType::F16) sum += half(x[i]) * half(y[i]);
        else sum += bf16_to_fp32(x[i]) * bf16_to_fp32(y[i]);
    }
    *s = sum;
}

// ---- block dot products (m = 1 path) -------------------------------------------------------

// BlockwiseTile's integer lanes for one output (blockwise_dot.h repeats its float operations).
template <class Unsigned>
struct VnniLanes : Unsigned {
    using XBlock = typename Unsigned::XBlock;
    using YBlock = typename Unsigned::YBlock;
    static __m256i lanes(const XBlock& x, const YBlock& y) {
        const __m256i q = simd::load_bytes(y.qs);
        const __m256i lanes = _mm256_dpbusd_epi32(_mm256_setzero_si256(), Unsigned::get(x), q);
        if constexpr (Unsigned::offset == 0) return lanes;
        return _mm256_sub_epi32(lanes, _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_set1_epi8(char(Unsigned::offset)), q));
    }
};

template <class Unsigned>
void set_blockwise(TypeKernels& k) {
    k.vec_dot = blockwise::vec_dot<VnniLanes<Unsigned>>;
    k.vec_dot_rows = blockwise::vec_dot_rows<VnniLanes<Unsigned>>;
}

}  // namespace

void kernels_register_base_avx512(KernelTable& t) {
    t[GgmlType::F32].vec_dot = vec_dot_float<GgmlType::F32>;
    t[GgmlType::F16].vec_dot = vec_dot_float<GgmlType::F16>;
    t[GgmlType::BF16].vec_dot = vec_dot_float<GgmlType::BF16>;
    // vpdpbusd is AVX512-VNNI, which cpu_best_isa() does not require for the AVX-512 level.
    if (!cpu_features().avx512vnni) return;
    set_blockwise<UnsignedQ8_0>(t[GgmlType::Q8_0]);
    set_blockwise<UnsignedQ4_0>(t[GgmlType::Q4_0]);
    set_blockwise<UnsignedQ5_0>(t[GgmlType::Q5_0]);
    set_blockwise<UnsignedQ4_1>(t[GgmlType::Q4_1]);
    set_blockwise<UnsignedQ5_1>(t[GgmlType::Q5_1]);
}

const GemmTile* gemm_tile_avx512(GgmlType t) {
    switch (t) {
        case GgmlType::F32: return &float_tile<GgmlType::F32>;
        case GgmlType::F16: return &float_tile<GgmlType::F16>;
        case GgmlType::BF16: return &float_tile<GgmlType::BF16>;
        default: break;
    }
    // vpdpbusd is AVX512-VNNI, which cpu_best_isa() does not require for the AVX-512 level.
    if (!cpu_features().avx512vnni) return nullptr;
    switch (t) {
        case GgmlType::Q8_0: return &blockwise_tile<UnsignedQ8_0>;
        case GgmlType::Q4_0: return &blockwise_tile<UnsignedQ4_0>;
        case GgmlType::Q5_0: return &blockwise_tile<UnsignedQ5_0>;
        case GgmlType::Q4_1: return &blockwise_tile<UnsignedQ4_1>;
        case GgmlType::Q5_1: return &blockwise_tile<UnsignedQ5_1>;
        default: return gemm_tile_kquants_avx512(t);
    }
}

}  // namespace qs
