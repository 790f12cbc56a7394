// AVX2 (+FMA, F16C) kernels for the float types and the legacy 32-element block types.
//
// Dot products keep ggml's per-block arithmetic: exact integer sums per block, converted to float
// and multiplied by the block's d_x * d_y. For the tiled types (q8_0, q4_0, q5_0, q4_1, q5_1) one
// fused multiply-add per block in the order of the row-interleaved tiles below (blockwise_dot.h),
// so batches and single tokens agree bit for bit; q8_1 accumulates in 8 float lanes. Only the
// float summation order differs from the scalar reference. Dequantization is bit-identical
// to the scalar kernels (same single product, same separate add for the min, no FMA).
// Activation quantization follows ggml's AVX2 quantize_row_q8_0/q8_1 (multiply by 127/amax, round
// half to even): it may differ from the scalar reference by one unit on exact .5 ties.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "core/cpu_features.h"
#include "kernels/blockwise_dot.h"
#include "kernels/gemm_tiles.h"
#include "kernels/blockwise_tile_avx2.h"
#include "kernels/group_tile_avx2.h"
#include "kernels/kernel_table.h"
#include "kernels/simd_common.h"
#include "tensor/blocks.h"

namespace qs {
namespace {

using namespace simd;

// ---- float types ---------------------------------------------------------------------------

// Loads 8 elements of a float-type row as f32.
inline __m256 load8(const float* p) { return _mm256_loadu_ps(p); }
inline __m256 load8(const fp16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
inline __m256 load8(const uint16_t* p, int /*bf16 tag*/) {
    const __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
}

struct F32Row { using T = float; static __m256 load(const T* p) { return load8(p); } static float one(T v) { return v; } };
struct F16Row { using T = fp16_t; static __m256 load(const T* p) { return load8(p); } static float one(T v) { return half(v); } };
struct BF16Row { using T = bf16_t; static __m256 load(const T* p) { return load8(p, 0); } static float one(T v) { return bf16_to_fp32(v); } };

// Four independent accumulators hide the FMA latency (ggml does the same with GGML_F32_STEP).
template <class Row>
void vec_dot_float(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const typename Row::T*>(vx);
    const auto* y = static_cast<const typename Row::T*>(vy);
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    int64_t i = 0;
    for (; i + 32 <= n; i += 32)
        for (int a = 0; a < 4; ++a) acc[a] = _mm256_fmadd_ps(Row::load(x + i + 8 * a), Row::load(y + i + 8 * a), acc[a]);
    for (; i + 8 <= n; i += 8) acc[0] = _mm256_fmadd_ps(Row::load(x + i), Row::load(y + i), acc[0]);
    float sum = hsum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
    for (; i < n; ++i) sum += Row::one(x[i]) * Row::one(y[i]);
    *s = sum;
}

void f16_to_f32(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const fp16_t*>(vx);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, load8(x + i));
    for (; i < n; ++i) y[i] = half(x[i]);
}
void bf16_to_f32(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const bf16_t*>(vx);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, load8(x + i, 0));
    for (; i < n; ++i) y[i] = bf16_to_fp32(x[i]);
}
void f16_from_f32(const float* x, void* vy, int64_t n) {
    auto* y = static_cast<fp16_t*>(vy);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; ++i) y[i] = fp32_to_fp16(x[i]);
}

// ---- dequantization (bit-identical to the scalar kernels) -----------------------------------

// Stores 32 signed byte quants q as float(q) * d (+ m when with_min).
template <bool with_min>
inline void store_dequant(__m256i q, float d, float m, float* y) {
    const __m256 vd = _mm256_set1_ps(d), vm = _mm256_set1_ps(m);
    const __m128i halves[2] = {_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1)};
    for (int h = 0; h < 2; ++h)
        for (int part = 0; part < 2; ++part) {
            const __m128i bytes = part ? _mm_srli_si128(halves[h], 8) : halves[h];
            __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(bytes)), vd);
            if constexpr (with_min) v = _mm256_add_ps(v, vm);
            _mm256_storeu_ps(y + 16 * h + 8 * part, v);
        }
}

void q4_0_to_f32(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_q4_0*>(vx);
    for (int64_t b = 0; b < n / QK4_0; ++b)
        store_dequant<false>(_mm256_sub_epi8(bytes_from_nibbles_32(x[b].qs), _mm256_set1_epi8(8)), half(x[b].d), 0, y + b * 32);
}
void q4_1_to_f32(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_q4_1*>(vx);
    for (int64_t b = 0; b < n / QK4_1; ++b)
        store_dequant<true>(bytes_from_nibbles_32(x[b].qs), half(x[b].d), half(x[b].m), y + b * 32);
}
void q5_0_to_f32(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_q5_0*>(vx);
    for (int64_t b = 0; b < n / QK5_0; ++b)
        store_dequant<false>(_mm256_sub_epi8(q5_unsigned(x[b].qs, x[b].qh), _mm256_set1_epi8(16)), half(x[b].d), 0, y + b * 32);
}
void q5_1_to_f32(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_q5_1*>(vx);
    for (int64_t b = 0; b < n / QK5_1; ++b)
        store_dequant<true>(q5_unsigned(x[b].qs, x[b].qh), half(x[b].d), half(x[b].m), y + b * 32);
}
template <class Block>
void q8_to_f32(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const Block*>(vx);
    for (int64_t b = 0; b < n / 32; ++b) store_dequant<false>(load_bytes(x[b].qs), half(x[b].d), 0, y + b * 32);
}

// ---- activation quantization (ggml's AVX2 quantize_row_q8_0 / q8_1) --------------------------

template <class Block, bool with_sum>
void q8_from_f32(const float* x, void* vy, int64_t n) {
    auto* y = static_cast<Block*>(vy);
    for (int64_t b = 0; b < n / 32; ++b, x += 32) {
        __m256 v[4];
        for (int i = 0; i < 4; ++i) v[i] = _mm256_loadu_ps(x + 8 * i);
        const float amax = abs_max_32(v);
        const float d = amax / 127.0f;
        y[b].d = fp32_to_fp16(d);
        const __m256 mul = _mm256_set1_ps(amax != 0.0f ? 127.0f / amax : 0.0f);
        __m256i q[4];
        for (int i = 0; i < 4; ++i)
            q[i] = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v[i], mul), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        if constexpr (with_sum) {
            const __m256i s = _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
            __m128i h = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
            h = _mm_add_epi32(h, _mm_unpackhi_epi64(h, h));
            h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 1));
            y[b].s = fp32_to_fp16(d * float(_mm_cvtsi128_si32(h)));
        }
        // Pack 32 int32 -> 32 int8; the packs interleave 128-bit lanes, the permute restores order.
        const __m256i p01 = _mm256_packs_epi32(q[0], q[1]), p23 = _mm256_packs_epi32(q[2], q[3]);
        const __m256i p = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(p01, p23), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[b].qs), p);
    }
}

// ---- block dot products --------------------------------------------------------------------

// q8_1 x q8_1 (q8_1 as a weight type: no tile): 8 float lanes per block, chunk sums in order.
constexpr int64_t kQ8Chunk = blockwise::kChunk;

template <class BlockFma>
inline float sum_in_chunks(int64_t nb, BlockFma block_fma) {
    float total = 0;
    for (int64_t c0 = 0; c0 < nb; c0 += kQ8Chunk / 32) {
        __m256 acc = _mm256_setzero_ps();
        for (int64_t b = c0; b < std::min(nb, c0 + kQ8Chunk / 32); ++b) acc = block_fma(b, acc);
        const float partial = hsum(acc);
        total = c0 == 0 ? partial : total + partial;
    }
    return total;
}

template <class Block>
void vec_dot_q8_q8(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const Block*>(vx);
    const auto* y = static_cast<const Block*>(vy);
    *s = sum_in_chunks(n / 32, [&](int64_t b, __m256 acc) {
        const __m256i sumi = dot_s8_s8(load_bytes(x[b].qs), load_bytes(y[b].qs));
        return _mm256_fmadd_ps(_mm256_set1_ps(half(x[b].d) * half(y[b].d)), _mm256_cvtepi32_ps(sumi), acc);
    });
}

using namespace legacy_avx2;

template <class U>
void set_blockwise(TypeKernels& k) {
    k.vec_dot = blockwise::vec_dot<LegacyLanes<U>>;
    k.vec_dot_rows = blockwise::vec_dot_rows<LegacyLanes<U>>;
}

// ---- tile kernels for batched matmul ---------------------------------------------------------
// Same scheme as the AVX-512 tiles (see base_avx512.cpp), sized for 16 ymm registers.

template <int R, int C>
inline void store_tile(const __m256 (&acc)[R][C], float* y, int64_t ldy, bool accumulate) {
    for (int c = 0; c < C; ++c)
        for (int r = 0; r < R; ++r) {
            const float v = hsum(acc[r][c]);
            y[c * ldy + r] = accumulate ? y[c * ldy + r] + v : v;
        }
}

// Float types: rows as f32 (f16/bf16 convert exactly), zero-padded to a multiple of 8.
size_t float_packed_bytes(int64_t k) { return size_t(round_up(k, 8)) * sizeof(float); }

template <class Row>
void pack_float(int64_t k, const char* row, char* out) {
    const auto* x = reinterpret_cast<const typename Row::T*>(row);
    auto* o = reinterpret_cast<float*>(out);
    int64_t i = 0;
    for (; i + 8 <= k; i += 8) _mm256_storeu_ps(o + i, Row::load(x + i));
    for (; i < k; ++i) o[i] = Row::one(x[i]);
    for (; i < round_up(k, 8); ++i) o[i] = 0.0f;
}

template <int R, int C>
struct FloatTile {
    static void run(int64_t k, const char* w, size_t ws, int, const char* x, size_t xs, int, float* y, int64_t ldy,
                    bool accumulate) {
        __m256 acc[R][C];
        for (int r = 0; r < R; ++r)
            for (int c = 0; c < C; ++c) acc[r][c] = _mm256_setzero_ps();
        for (int64_t i = 0; i < round_up(k, 8); i += 8) {
            __m256 wv[R];
            for (int r = 0; r < R; ++r) wv[r] = _mm256_loadu_ps(reinterpret_cast<const float*>(w + r * ws) + i);
            for (int c = 0; c < C; ++c) {
                const __m256 xv = _mm256_loadu_ps(reinterpret_cast<const float*>(x + c * xs) + i);
                for (int r = 0; r < R; ++r) acc[r][c] = _mm256_fmadd_ps(wv[r], xv, acc[r][c]);
            }
        }
        store_tile<R, C>(acc, y, ldy, accumulate);
    }
};

template <class Row>
constexpr GemmTile float_tile{3, 4, float_packed_bytes, pack_float<Row>, float_packed_bytes, pack_float<Row>,
                              TileTable<FloatTile, 3, 4>::run, 8, 1024, 4};

}  // namespace

void kernels_register_base_avx2(KernelTable& t) {
    t[GgmlType::F32].vec_dot = vec_dot_float<F32Row>;
    t[GgmlType::F16] = {f16_to_f32, f16_from_f32, vec_dot_float<F16Row>, GgmlType::F16};
    t[GgmlType::BF16].to_f32 = bf16_to_f32;
    t[GgmlType::BF16].vec_dot = vec_dot_float<BF16Row>;
    t[GgmlType::Q4_0].to_f32 = q4_0_to_f32;
    t[GgmlType::Q4_1].to_f32 = q4_1_to_f32;
    t[GgmlType::Q5_0].to_f32 = q5_0_to_f32;
    t[GgmlType::Q5_1].to_f32 = q5_1_to_f32;
    t[GgmlType::Q8_0].to_f32 = q8_to_f32<block_q8_0>;
    t[GgmlType::Q8_0].from_f32 = q8_from_f32<block_q8_0, false>;
    set_blockwise<LegacyQ8_0>(t[GgmlType::Q8_0]);
    set_blockwise<LegacyQ4_0>(t[GgmlType::Q4_0]);
    set_blockwise<LegacyQ5_0>(t[GgmlType::Q5_0]);
    set_blockwise<LegacyQ4_1>(t[GgmlType::Q4_1]);
    set_blockwise<LegacyQ5_1>(t[GgmlType::Q5_1]);
    t[GgmlType::Q8_1] = {q8_to_f32<block_q8_1>, q8_from_f32<block_q8_1, true>, vec_dot_q8_q8<block_q8_1>, GgmlType::Q8_1};
}

const GemmTile* gemm_tile_avx2_plain(GgmlType t) { return legacy_tile<false>(t); }

const GemmTile* gemm_tile_avx2(GgmlType t) {
    switch (t) {
        case GgmlType::F32: return &float_tile<F32Row>;
        case GgmlType::F16: return &float_tile<F16Row>;
        case GgmlType::BF16: return &float_tile<BF16Row>;
        default: break;
    }
    if (const GemmTile* tile = cpu_features().avxvnni ? gemm_tile_avxvnni(t) : legacy_tile<false>(t)) return tile;
    if (const GemmTile* tile = gemm_tile_kquants_avx2(t)) return tile;
    return gemm_tile_iq_avx2(t);
}

}  // namespace qs
