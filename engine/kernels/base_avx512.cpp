// AVX-512 kernels for the float types and the legacy block types: register-blocked tile kernels for
// batched matmul (the compute-bound case) and 512-bit float dot products. Entries not set here
// are the AVX2 ones (row dot products for m = 1 are memory-bound, 256 bits are enough).
//
// Tile kernels compute rows x cols outputs per pass over k, reusing every loaded weight vector for
// cols tokens and every activation vector for rows weights.
// - Float types (f32, f16, bf16): both operands are repacked to f32 (f16/bf16 values convert
//   exactly), then plain FMA: the products are the ones ggml computes, summed in another order.
// - q8_0, q4_0, q5_0 against q8_0 activations: weights are repacked to unsigned bytes u = q + o
//   (o = 128, 8, 16) so one vpdpbusd multiplies them with the signed activation bytes; starting
//   the accumulator at -o * (sum of the 4 activation bytes per lane) makes every int32 lane the
//   exact integer dot of the signed quants. Two blocks share a 512-bit vector (lanes 0-7 block b,
//   8-15 block b+1), scaled per lane by d_w * d_x like ggml's per-block float formula.
// - q4_1, q5_1 against q8_1 activations: unsigned quants need no offset; ggml's min term m_w * s_x
//   is added once per block by one more FMA.
#include <algorithm>
#include <array>
#include <cstring>
#include <type_traits>
#include <utility>

// GCC 12's own AVX-512 intrinsic headers trip -Wuninitialized (their _mm512_undefined_* helpers);
// the warnings point into the compiler headers, not at this code.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "core/cpu_features.h"
#include "kernels/gemm_tiles.h"
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

// ---- 8-bit activations x legacy block weights: VNNI panels ----------------------------------

// Per 64 elements (two blocks), 64-byte slots:
//   weights:     [unsigned quants][16 f32 lane scales d_w]   + for min types [16 f32 lanes m_w]
//   activations: [signed quants][16 f32 lane scales d_x][third slot]
// The third activation slot is, for q8_0, 16 int32 lanes of -(sum of the lane's 4 quants) (the
// offset correction) and, for q8_1, the block's s in lane 0 / lane 8 and zeros elsewhere, so that
// m_w * s_x lands once per block in the float accumulator.
constexpr size_t kSlot = 64, kXStep = 3 * kSlot;
constexpr int64_t kQ8Chunk = 2048;  // k elements per pass; the row kernels below use the same
constexpr size_t w_step(bool with_min) { return with_min ? 3 * kSlot : 2 * kSlot; }
size_t q8_steps(int64_t k) { return size_t((k + 63) / 64); }
template <bool WithMin>
size_t w_q8_packed_bytes(int64_t k) { return q8_steps(k) * w_step(WithMin); }
size_t x_q8_packed_bytes(int64_t k) { return q8_steps(k) * kXStep; }

template <class Block>
void pack_x_q8(int64_t k, const char* row, char* out) {
    const auto* x = reinterpret_cast<const Block*>(row);
    std::memset(out, 0, x_q8_packed_bytes(k));
    for (int64_t b = 0; b < k / 32; ++b) {
        char* step = out + size_t(b / 2) * kXStep;
        const int lane0 = 8 * int(b % 2);
        std::memcpy(step + 4 * lane0, x[b].qs, 32);
        auto* d = reinterpret_cast<float*>(step + kSlot) + lane0;
        const float dx = half(x[b].d);
        for (int l = 0; l < 8; ++l) d[l] = dx;
        if constexpr (std::is_same_v<Block, block_q8_1>) {
            reinterpret_cast<float*>(step + 2 * kSlot)[lane0] = half(x[b].s);
        } else {
            auto* neg_sum = reinterpret_cast<int32_t*>(step + 2 * kSlot) + lane0;
            for (int l = 0; l < 8; ++l)
                neg_sum[l] = -(x[b].qs[4 * l] + x[b].qs[4 * l + 1] + x[b].qs[4 * l + 2] + x[b].qs[4 * l + 3]);
        }
    }
}

// Writes block b's 32 unsigned quants (element order), scale and min into a packed weight row.
template <bool WithMin>
inline void put_w_block(char* out, int64_t b, __m256i u, float d, float m = 0) {
    char* step = out + size_t(b / 2) * w_step(WithMin);
    const int lane0 = 8 * int(b % 2);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(step + 4 * lane0), u);
    _mm256_storeu_ps(reinterpret_cast<float*>(step + kSlot) + lane0, _mm256_set1_ps(d));
    if constexpr (WithMin) _mm256_storeu_ps(reinterpret_cast<float*>(step + 2 * kSlot) + lane0, _mm256_set1_ps(m));
}

// Weight repackers: Unsigned(block) gives the 32 quants as unsigned bytes (element order).
template <class Block, bool WithMin, class Unsigned>
void pack_w_blocks(int64_t k, const char* row, char* out, Unsigned to_unsigned) {
    const auto* x = reinterpret_cast<const Block*>(row);
    std::memset(out, 0, w_q8_packed_bytes<WithMin>(k));
    for (int64_t b = 0; b < k / 32; ++b) {
        if constexpr (WithMin) put_w_block<true>(out, b, to_unsigned(x[b]), half(x[b].d), half(x[b].m));
        else put_w_block<false>(out, b, to_unsigned(x[b]), half(x[b].d));
    }
}
void pack_w_q8_0(int64_t k, const char* row, char* out) {
    pack_w_blocks<block_q8_0, false>(k, row, out, [](const block_q8_0& b) {
        return _mm256_xor_si256(simd::load_bytes(b.qs), _mm256_set1_epi8(char(0x80)));  // q + 128
    });
}
void pack_w_q4_0(int64_t k, const char* row, char* out) {
    pack_w_blocks<block_q4_0, false>(k, row, out, [](const block_q4_0& b) { return simd::bytes_from_nibbles_32(b.qs); });
}
void pack_w_q5_0(int64_t k, const char* row, char* out) {
    pack_w_blocks<block_q5_0, false>(k, row, out, [](const block_q5_0& b) { return simd::q5_unsigned(b.qs, b.qh); });
}
void pack_w_q4_1(int64_t k, const char* row, char* out) {
    pack_w_blocks<block_q4_1, true>(k, row, out, [](const block_q4_1& b) { return simd::bytes_from_nibbles_32(b.qs); });
}
void pack_w_q5_1(int64_t k, const char* row, char* out) {
    pack_w_blocks<block_q5_1, true>(k, row, out, [](const block_q5_1& b) { return simd::q5_unsigned(b.qs, b.qh); });
}

// Shift: log2 of the weight offset (128 -> 7, 8 -> 3, 16 -> 4); min types have no offset.
template <int Shift, bool WithMin>
struct Q8TileFor {
    template <int R, int C>
    struct Tile {
        static void run(int64_t k, const char* w, size_t ws, int, const char* x, size_t xs, int, float* y, int64_t ldy,
                        bool accumulate) {
            constexpr size_t kWStep = w_step(WithMin);
            __m512 acc[R][C];
            for (int r = 0; r < R; ++r)
                for (int c = 0; c < C; ++c) acc[r][c] = _mm512_setzero_ps();
            const int64_t steps = int64_t(q8_steps(k));
            for (int64_t s = 0; s < steps; ++s) {
                __m512i wq[R];
                __m512 wd[R], wm[R];
                for (int r = 0; r < R; ++r) {
                    const char* p = w + r * ws + s * kWStep;
                    wq[r] = _mm512_loadu_si512(p);
                    wd[r] = _mm512_loadu_ps(p + kSlot);
                    if constexpr (WithMin) wm[r] = _mm512_loadu_ps(p + 2 * kSlot);
                }
                for (int c = 0; c < C; ++c) {
                    const char* p = x + c * xs + s * kXStep;
                    const __m512i xq = _mm512_loadu_si512(p);
                    const __m512 xd = _mm512_loadu_ps(p + kSlot);
                    if constexpr (WithMin) {
                        const __m512 xs_lanes = _mm512_loadu_ps(p + 2 * kSlot);
                        for (int r = 0; r < R; ++r) {
                            const __m512i sumi = _mm512_dpbusd_epi32(_mm512_setzero_si512(), wq[r], xq);
                            acc[r][c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi), _mm512_mul_ps(wd[r], xd), acc[r][c]);
                            acc[r][c] = _mm512_fmadd_ps(wm[r], xs_lanes, acc[r][c]);
                        }
                    } else {
                        const __m512i bias = _mm512_slli_epi32(_mm512_loadu_si512(p + 2 * kSlot), Shift);
                        for (int r = 0; r < R; ++r) {
                            const __m512i sumi = _mm512_dpbusd_epi32(bias, wq[r], xq);
                            acc[r][c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi), _mm512_mul_ps(wd[r], xd), acc[r][c]);
                        }
                    }
                }
            }
            store_tile<R, C>(acc, y, ldy, accumulate);
        }
    };
};

template <int Shift, bool WithMin>
using Q8Tiles = TileTable<Q8TileFor<Shift, WithMin>::template Tile, 4, WithMin ? 3 : 4>;

template <int Shift, void (*PackW)(int64_t, const char*, char*)>
constexpr GemmTile q8_0_tile{4, 4, w_q8_packed_bytes<false>, PackW, x_q8_packed_bytes, pack_x_q8<block_q8_0>,
                             Q8Tiles<Shift, false>::run, 64, kQ8Chunk, 3};
template <void (*PackW)(int64_t, const char*, char*)>
constexpr GemmTile q8_1_tile{4, 3, w_q8_packed_bytes<true>, PackW, x_q8_packed_bytes, pack_x_q8<block_q8_1>,
                             Q8Tiles<0, true>::run, 64, kQ8Chunk, 3};

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

// ---- block dot products (m = 1 path): two blocks per 512-bit vector -------------------------

// Unsigned quants of block b as 32 bytes (element order), and the offset subtracted from them.
struct UnsignedQ8_0 { static constexpr int offset = 128; static __m256i get(const block_q8_0& b) {
    return _mm256_xor_si256(simd::load_bytes(b.qs), _mm256_set1_epi8(char(0x80))); } };
struct UnsignedQ4_0 { static constexpr int offset = 8; static __m256i get(const block_q4_0& b) {
    return simd::bytes_from_nibbles_32(b.qs); } };
struct UnsignedQ5_0 { static constexpr int offset = 16; static __m256i get(const block_q5_0& b) {
    return simd::q5_unsigned(b.qs, b.qh); } };
struct UnsignedQ4_1 { static constexpr int offset = 0; static __m256i get(const block_q4_1& b) {
    return simd::bytes_from_nibbles_32(b.qs); } };
struct UnsignedQ5_1 { static constexpr int offset = 0; static __m256i get(const block_q5_1& b) {
    return simd::q5_unsigned(b.qs, b.qh); } };

inline __m512i join(__m256i lo, __m256i hi) { return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1); }
inline __m512 join(float lo, float hi) {
    return _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_set1_ps(lo)), _mm256_set1_ps(hi), 1);
}

// Per block the exact integer dot sum(u * y) - offset * sum(y) (8 int32 partial sums), times
// d_x * d_y, plus m_x * s_y for the min types: ggml's per-block formula, with VNNI. The float
// operations are exactly those of the tile kernel above for one output (same lanes, same FMAs,
// the min term in lanes 0 and 8, the same chunks of kQ8Chunk reduced and summed in order), so a
// batched matmul gives bit for bit what token-by-token calls give.
template <class XBlock, class YBlock, class Unsigned>
void vec_dot_vnni(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const XBlock*>(vx);
    const auto* y = static_cast<const YBlock*>(vy);
    constexpr bool with_min = std::is_same_v<YBlock, block_q8_1>;
    const __m512i offset = _mm512_set1_epi8(char(Unsigned::offset));
    const int64_t nb = n / 32, chunk_blocks = kQ8Chunk / 32;
    float total = 0;
    for (int64_t c0 = 0; c0 < nb; c0 += chunk_blocks) {
        const int64_t c1 = std::min(nb, c0 + chunk_blocks);
        __m512 acc = _mm512_setzero_ps();
        for (int64_t b = c0; b < c1; b += 2) {
            const bool pair = b + 1 < c1;  // an odd last block pairs with zeros, as in the packed tile rows
            const __m512i u = join(Unsigned::get(x[b]), pair ? Unsigned::get(x[b + 1]) : _mm256_setzero_si256());
            const __m512i q = join(simd::load_bytes(y[b].qs), pair ? simd::load_bytes(y[b + 1].qs) : _mm256_setzero_si256());
            __m512i sumi = _mm512_dpbusd_epi32(_mm512_setzero_si512(), u, q);
            if constexpr (Unsigned::offset != 0)
                sumi = _mm512_sub_epi32(sumi, _mm512_dpbusd_epi32(_mm512_setzero_si512(), offset, q));
            const __m512 dw = join(half(x[b].d), pair ? half(x[b + 1].d) : 0.0f);
            const __m512 dx = join(half(y[b].d), pair ? half(y[b + 1].d) : 0.0f);
            acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi), _mm512_mul_ps(dw, dx), acc);
            if constexpr (with_min) {
                const __m512 m = join(half(x[b].m), pair ? half(x[b + 1].m) : 0.0f);
                const __m512 sl = _mm512_maskz_mov_ps(0x0101, join(half(y[b].s), pair ? half(y[b + 1].s) : 0.0f));
                acc = _mm512_fmadd_ps(m, sl, acc);
            }
        }
        const float partial = _mm512_reduce_add_ps(acc);
        total = c0 == 0 ? partial : total + partial;
    }
    *s = total;
}

}  // namespace

void kernels_register_base_avx512(KernelTable& t) {
    t[GgmlType::F32].vec_dot = vec_dot_float<GgmlType::F32>;
    t[GgmlType::F16].vec_dot = vec_dot_float<GgmlType::F16>;
    t[GgmlType::BF16].vec_dot = vec_dot_float<GgmlType::BF16>;
    // vpdpbusd is AVX512-VNNI, which cpu_best_isa() does not require for the AVX-512 level.
    if (!cpu_features().avx512vnni) return;
    t[GgmlType::Q8_0].vec_dot = vec_dot_vnni<block_q8_0, block_q8_0, UnsignedQ8_0>;
    t[GgmlType::Q4_0].vec_dot = vec_dot_vnni<block_q4_0, block_q8_0, UnsignedQ4_0>;
    t[GgmlType::Q5_0].vec_dot = vec_dot_vnni<block_q5_0, block_q8_0, UnsignedQ5_0>;
    t[GgmlType::Q4_1].vec_dot = vec_dot_vnni<block_q4_1, block_q8_1, UnsignedQ4_1>;
    t[GgmlType::Q5_1].vec_dot = vec_dot_vnni<block_q5_1, block_q8_1, UnsignedQ5_1>;
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
        case GgmlType::Q8_0: return &q8_0_tile<7, pack_w_q8_0>;
        case GgmlType::Q4_0: return &q8_0_tile<3, pack_w_q4_0>;
        case GgmlType::Q5_0: return &q8_0_tile<4, pack_w_q5_0>;
        case GgmlType::Q4_1: return &q8_1_tile<pack_w_q4_1>;
        case GgmlType::Q5_1: return &q8_1_tile<pack_w_q5_1>;
        default: return gemm_tile_kquants_avx512(t);
    }
}

}  // namespace qs
