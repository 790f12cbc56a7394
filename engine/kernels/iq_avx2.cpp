// AVX2 kernels of ggml's IQ types (compiled with -mavx2 -mfma -mf16c). Dequantization is the
// scalar reference's float operations eight at a time; dot products compute each super-block's
// integer sums with vector instructions and then do the reference's float steps (iq_common.h), so
// both are bit-identical to iq_scalar.cpp.
#pragma GCC optimize("fp-contract=off")
#include <immintrin.h>

#include <cstring>

#include "kernels/gemm_tiles.h"
#include "kernels/iq_simd.h"
#include "kernels/kernel_table.h"

namespace qs {
namespace {

using namespace iqk;

// 8 float sign masks (sign bit where bit j of `signs` is set).
inline __m256 float_signs(uint32_t signs) {
    const __m256i bits = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    const __m256i set = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(int(signs)), bits), bits);
    return _mm256_castsi256_ps(_mm256_and_si256(set, _mm256_set1_epi32(int(0x80000000u))));
}

// db * grid (8 unsigned bytes at g) with the signs of `signs`, stored to y: the reference's
// db * grid[j] * (+-1) (the sign flip is exact).
inline void store_signed8(float* y, float db, const uint8_t* g, uint32_t signs) {
    const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(g));
    const __m256 v = _mm256_mul_ps(_mm256_set1_ps(db), _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes)));
    _mm256_storeu_ps(y, _mm256_xor_ps(v, float_signs(signs)));
}

// Two 4-byte grid vectors as one 8-byte group.
inline void store_signed4x2(float* y, float db, const uint8_t* g1, const uint8_t* g2, uint32_t signs) {
    uint8_t g[8];
    std::memcpy(g, g1, 4);
    std::memcpy(g + 4, g2, 4);
    store_signed8(y, db, g, signs);
}

// ---------------------------------------------------------------------------------------------
// Dequantization
// ---------------------------------------------------------------------------------------------

void to_f32_iq2_xxs(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_iq2_xxs*>(vx);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = half_to_float(x[i].d);
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            const uint8_t* idx = reinterpret_cast<const uint8_t*>(x[i].qs + 4 * ib);
            const uint32_t aux = load_u32(x[i].qs + 4 * ib + 2);
            const float db = d * (0.5f + float(aux >> 28)) * 0.25f;
            for (int l = 0; l < 4; ++l, y += 8)
                store_signed8(y, db, grid_iq2xxs(idx[l]), iq::ksigns_iq2xs[(aux >> 7 * l) & 127]);
        }
    }
}

void to_f32_iq2_xs(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_iq2_xs*>(vx);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = half_to_float(x[i].d);
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            const float db[2] = {d * (0.5f + float(x[i].scales[ib] & 0xf)) * 0.25f,
                                 d * (0.5f + float(x[i].scales[ib] >> 4)) * 0.25f};
            for (int l = 0; l < 4; ++l, y += 8) {
                const uint16_t q = x[i].qs[4 * ib + l];
                store_signed8(y, db[l / 2], grid_iq2xs(q & 511), iq::ksigns_iq2xs[q >> 9]);
            }
        }
    }
}

void to_f32_iq2_s(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_iq2_s*>(vx);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = half_to_float(x[i].d);
        const uint8_t* signs = x[i].qs + QK_K / 8;
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            const float db[2] = {d * (0.5f + float(x[i].scales[ib] & 0xf)) * 0.25f,
                                 d * (0.5f + float(x[i].scales[ib] >> 4)) * 0.25f};
            for (int l = 0; l < 4; ++l, y += 8) store_signed8(y, db[l / 2], grid_iq2s(iq2s_index(x[i], ib, l)), signs[4 * ib + l]);
        }
    }
}

void to_f32_iq3_xxs(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_iq3_xxs*>(vx);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = half_to_float(x[i].d);
        const uint8_t* qs = x[i].qs;
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            const uint32_t aux = load_u32(qs + QK_K / 4 + 4 * ib);
            const float db = d * (0.5f + float(aux >> 28)) * 0.5f;
            for (int l = 0; l < 4; ++l, y += 8)
                store_signed4x2(y, db, grid_iq3xxs(qs[8 * ib + 2 * l]), grid_iq3xxs(qs[8 * ib + 2 * l + 1]),
                                iq::ksigns_iq2xs[(aux >> 7 * l) & 127]);
        }
    }
}

void to_f32_iq3_s(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_iq3_s*>(vx);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = half_to_float(x[i].d);
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            const float db = d * float(1 + 2 * ((x[i].scales[ib / 2] >> 4 * (ib % 2)) & 0xf));
            for (int l = 0; l < 4; ++l, y += 8)
                store_signed4x2(y, db, grid_iq3s(iq3s_index(x[i], ib, 2 * l)), grid_iq3s(iq3s_index(x[i], ib, 2 * l + 1)),
                                x[i].signs[4 * ib + l]);
        }
    }
}

// dl * (grid + delta) for 8 signed grid bytes.
inline void store_shifted8(float* y, float dl, const int8_t* g, float delta) {
    const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(g));
    const __m256 v = _mm256_add_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(bytes)), _mm256_set1_ps(delta));
    _mm256_storeu_ps(y, _mm256_mul_ps(_mm256_set1_ps(dl), v));
}

void to_f32_iq1_s(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_iq1_s*>(vx);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = half_to_float(x[i].d);
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            const uint16_t qh = x[i].qh[ib];
            const float dl = d * float(2 * ((qh >> 12) & 7) + 1);
            const float delta = (qh & 0x8000) ? -iq::IQ1S_DELTA : iq::IQ1S_DELTA;
            for (int l = 0; l < 4; ++l, y += 8) store_shifted8(y, dl, grid_iq1s(x[i].qs[4 * ib + l] | (((qh >> 3 * l) & 7) << 8)), delta);
        }
    }
}

void to_f32_iq1_m(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_iq1_m*>(vx);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        uint16_t sc[4];
        std::memcpy(sc, x[i].scales, sizeof sc);
        const float d = half_to_float(iq1m_scale(x[i]));
        const uint8_t* qs = x[i].qs;
        const uint8_t* qh = x[i].qh;
        for (int ib = 0; ib < QK_K / 32; ++ib, qs += 4, qh += 2) {
            const float dl[2] = {d * float(2 * ((sc[ib / 2] >> (6 * (ib % 2) + 0)) & 0x7) + 1),
                                 d * float(2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3)) & 0x7) + 1)};
            for (int l = 0; l < 4; ++l, y += 8) {
                const int index = qs[l] | ((int(qh[l / 2]) << (8 - 4 * (l % 2))) & 0x700);
                const bool minus = qh[l / 2] & (l % 2 ? 0x80 : 0x08);
                store_shifted8(y, dl[l / 2], grid_iq1s(index), minus ? -iq::IQ1M_DELTA : iq::IQ1M_DELTA);
            }
        }
    }
}

inline void store_iq4(float* y, float d, const uint8_t* qs) {
    const __m256i v = iq4_values(qs);
    const __m256 dv = _mm256_set1_ps(d);
    for (int k = 0; k < 4; ++k) {
        const __m128i part = k < 2 ? _mm256_castsi256_si128(v) : _mm256_extracti128_si256(v, 1);
        const __m128i bytes = (k % 2) ? _mm_srli_si128(part, 8) : part;
        _mm256_storeu_ps(y + 8 * k, _mm256_mul_ps(dv, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(bytes))));
    }
}

constexpr auto to_f32_iq4_nl = to_f32_iq4_nl_with<store_iq4>;
constexpr auto to_f32_iq4_xs = to_f32_iq4_xs_with<store_iq4>;

// ---------------------------------------------------------------------------------------------
// Dot products
// ---------------------------------------------------------------------------------------------

// The q8_K grid types and iq4_xs: iq_simd.h decodes a sub-block; the integer sums are exact and
// the float steps vec_dot_grid's in iq_scalar.cpp.
template <class T>
void vec_dot_grid(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const typename T::Block*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    float sumf = 0.f;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = half_to_float(x[i].d) * y[i].d;
        __m256i acc = _mm256_setzero_si256();
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            __m256i v, sc;
            T::step(x[i], ib, v, sc);
            const __m256i prod = dot_u8_s8(_mm256_sign_epi8(v, v), _mm256_sign_epi8(load_q8(y[i].qs + 32 * ib), v));
            if constexpr (T::kPerSubBlock) {
                const float dl = d * float(_mm256_extract_epi32(sc, 0));
                sumf += dl * float(hsum_i32(prod));
            } else {
                acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(prod, sc));
            }
        }
        if constexpr (!T::kPerSubBlock) sumf += d * float(hsum_i32(acc));
    }
    *s = float(T::kFactorTimes8) / 8.0f * sumf;
}

// Sum of grid * q8 for signed grid bytes -1, 0, 1 (as 8 int32 lanes of 4 elements).
inline __m256i dot_ternary(__m256i grid, __m256i q8) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), _mm256_sign_epi8(q8, grid)), _mm256_set1_epi16(1));
}

void vec_dot_iq1_s(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_iq1_s*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    float sumf = 0.f;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        __m256i acc = _mm256_setzero_si256();
        int32_t sumi1 = 0;
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            const uint16_t qh = x[i].qh[ib];
            const uint8_t* qs = x[i].qs + 4 * ib;
            const __m256i grid = grid4_u64(iq::iq1s_grid, qs[0] | ((qh << 8) & 0x700), qs[1] | ((qh << 5) & 0x700),
                                           qs[2] | ((qh << 2) & 0x700), qs[3] | ((qh >> 1) & 0x700));
            const int32_t ls = 2 * ((qh >> 12) & 7) + 1;
            acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(dot_ternary(grid, load_q8(y[i].qs + 32 * ib)), _mm256_set1_epi32(ls)));
            sumi1 += ls * ((qh & 0x8000) ? -1 : 1) * (y[i].bsums[2 * ib] + y[i].bsums[2 * ib + 1]);
        }
        sumf += half_to_float(x[i].d) * y[i].d * (float(hsum_i32(acc)) + iq::IQ1S_DELTA * float(sumi1));
    }
    *s = sumf;
}

void vec_dot_iq1_m(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_iq1_m*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    float sumf = 0.f;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        uint16_t sc[4];
        std::memcpy(sc, x[i].scales, sizeof sc);
        const uint8_t* qs = x[i].qs;
        const uint8_t* qh = x[i].qh;
        __m256i acc1 = _mm256_setzero_si256(), acc2 = _mm256_setzero_si256();
        for (int ib = 0; ib < QK_K / 32; ++ib, qs += 4, qh += 2) {
            const __m256i grid = grid4_u64(iq::iq1s_grid, qs[0] | ((qh[0] << 8) & 0x700), qs[1] | ((qh[0] << 4) & 0x700),
                                           qs[2] | ((qh[1] << 8) & 0x700), qs[3] | ((qh[1] << 4) & 0x700));
            const __m256i q8 = load_q8(y[i].qs + 32 * ib);
            const int ls1 = 2 * ((sc[ib / 2] >> (6 * (ib % 2) + 0)) & 0x7) + 1;
            const int ls2 = 2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3)) & 0x7) + 1;
            const __m256i ls = _mm256_setr_epi32(ls1, ls1, ls1, ls1, ls2, ls2, ls2, ls2);
            acc1 = _mm256_add_epi32(acc1, _mm256_mullo_epi32(dot_ternary(grid, q8), ls));
            const int d0 = (qh[0] & 0x08) ? -ls1 : ls1, d1 = (qh[0] & 0x80) ? -ls1 : ls1;
            const int d2 = (qh[1] & 0x08) ? -ls2 : ls2, d3 = (qh[1] & 0x80) ? -ls2 : ls2;
            const __m256i q8sum = dot_u8_s8(_mm256_set1_epi8(1), q8);
            acc2 = _mm256_add_epi32(acc2, _mm256_mullo_epi32(q8sum, _mm256_setr_epi32(d0, d0, d1, d1, d2, d2, d3, d3)));
        }
        sumf += half_to_float(iq1m_scale(x[i])) * y[i].d * (float(hsum_i32(acc1)) + iq::IQ1M_DELTA * float(hsum_i32(acc2)));
    }
    *s = sumf;
}

// Sum of kvalues(w) * q8 over 32 elements (signed x signed via |w| and the sign moved to q8).
inline int32_t iq4_block_sum(const uint8_t* qs, const int8_t* q8) {
    const __m256i w = iq4_values(qs);
    const __m256i q = load_q8(q8);
    return hsum_i32(dot_u8_s8(_mm256_sign_epi8(w, w), _mm256_sign_epi8(q, w)));
}

void vec_dot_iq4_nl(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_iq4_nl*>(vx);
    const auto* y = static_cast<const block_q8_0*>(vy);
    float sumf = 0.f;
    for (int64_t ib = 0; ib < n / QK4_NL; ++ib) {
        const float d = half_to_float(y[ib].d) * half_to_float(x[ib].d);
        sumf += d * float(iq4_block_sum(x[ib].qs, y[ib].qs));
    }
    *s = sumf;
}

// ---------------------------------------------------------------------------------------------
// Batched matmul tile (gemm_tiles.h) for the q8_K types iq2_xxs, iq2_xs, iq2_s, iq3_xxs, iq3_s and
// iq4_xs: each weight row is decoded once per call to signed int8 values (grid magnitude with its
// sign, or the iq4 table value) plus integer sub-block scales, so every token reuses the decoding.
// Per super-block the integer sums are those of vec_dot and the float steps are vec_dot's, in the
// same order (sumf += (d_w * d_x) * bsum, one factor at the end; iq4_xs per 32-element sub-block),
// with k in a single pass: results are bit-identical to vec_dot, so a batch equals one-token calls.
// ---------------------------------------------------------------------------------------------

// Packed weight super-block: float d_w (32-byte slot), then per 32 elements 32 signed values and 8
// int32 lane scales (lanes 0..3: elements 0..15, 4..7: 16..31; iq4_xs: its signed 6-bit scale).
constexpr size_t kIqWHead = 32, kIqWStep = 64, kIqWBlock = kIqWHead + 8 * kIqWStep;
// Packed activation super-block: float d_x (32-byte slot), then the 256 q8 quants.
constexpr size_t kIqXBlock = 32 + QK_K;

size_t iq_w_packed_bytes(int64_t k) { return size_t(k / QK_K) * kIqWBlock; }
size_t iq_x_packed_bytes(int64_t k) { return size_t(k / QK_K) * kIqXBlock; }

void pack_x_q8_K(int64_t k, const char* row, char* out) {
    const auto* y = reinterpret_cast<const block_q8_K*>(row);
    for (int64_t i = 0; i < k / QK_K; ++i, out += kIqXBlock) {
        std::memcpy(out, &y[i].d, sizeof(float));
        std::memcpy(out + 32, y[i].qs, QK_K);
    }
}

// One 32-element step of a packed super-block: signed values and lane scales.
inline void put_step(char* block, int ib, __m256i values, __m256i scales) {
    char* step = block + kIqWHead + size_t(ib) * kIqWStep;
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(step), values);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(step + 32), scales);
}

template <class T>
void pack_w_iq(int64_t k, const char* row, char* out) {
    const auto* x = reinterpret_cast<const typename T::Block*>(row);
    for (int64_t i = 0; i < k / QK_K; ++i, out += kIqWBlock) {
        const float d = half_to_float(x[i].d);
        std::memcpy(out, &d, sizeof d);
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            __m256i v, sc;
            T::step(x[i], ib, v, sc);
            put_step(out, ib, v, sc);
        }
    }
}

// R weight rows x C tokens. kFactor: vec_dot's final factor; kPerStep: iq4_xs's float per sub-block.
template <int kFactorTimes8, bool kPerStep>
struct IqTileFor {
    template <int R, int C>
    struct Tile {
        static void run(int64_t k, const char* w, size_t ws, int, const char* x, size_t xs, int, float* y, int64_t ldy,
                        bool accumulate) {
            float sumf[R][C] = {};
            for (int64_t blk = 0; blk < k / QK_K; ++blk) {
                const char* wb[R];
                float dw[R], dx[C];
                for (int r = 0; r < R; ++r) {
                    wb[r] = w + r * ws + size_t(blk) * kIqWBlock;
                    std::memcpy(&dw[r], wb[r], sizeof(float));
                }
                const char* xb[C];
                for (int c = 0; c < C; ++c) {
                    xb[c] = x + c * xs + size_t(blk) * kIqXBlock;
                    std::memcpy(&dx[c], xb[c], sizeof(float));
                }
                __m256i acc[R][C];
                for (int r = 0; r < R; ++r)
                    for (int c = 0; c < C; ++c) acc[r][c] = _mm256_setzero_si256();
                for (int ib = 0; ib < QK_K / 32; ++ib) {
                    __m256i v[R], u[R], sc[R];
                    for (int r = 0; r < R; ++r) {
                        const char* step = wb[r] + kIqWHead + size_t(ib) * kIqWStep;
                        v[r] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(step));
                        u[r] = _mm256_sign_epi8(v[r], v[r]);
                        sc[r] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(step + 32));
                    }
                    for (int c = 0; c < C; ++c) {
                        const __m256i q8 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb[c] + 32 + 32 * ib));
                        for (int r = 0; r < R; ++r) {
                            const __m256i prod = dot_u8_s8(u[r], _mm256_sign_epi8(q8, v[r]));
                            if constexpr (kPerStep) {
                                const float dl = dw[r] * dx[c] * float(_mm256_extract_epi32(sc[r], 0));
                                sumf[r][c] += dl * float(hsum_i32(prod));
                            } else {
                                acc[r][c] = _mm256_add_epi32(acc[r][c], _mm256_mullo_epi32(prod, sc[r]));
                            }
                        }
                    }
                }
                if constexpr (!kPerStep)
                    for (int r = 0; r < R; ++r)
                        for (int c = 0; c < C; ++c) sumf[r][c] += dw[r] * dx[c] * float(hsum_i32(acc[r][c]));
            }
            const float factor = float(kFactorTimes8) / 8.0f;
            for (int c = 0; c < C; ++c)
                for (int r = 0; r < R; ++r) {
                    const float v = factor * sumf[r][c];
                    y[c * ldy + r] = accumulate ? y[c * ldy + r] + v : v;
                }
        }
    };
};

// One pass over the whole row (k_chunk beyond any k): the float sum runs over super-blocks in order,
// as in vec_dot.
constexpr int64_t kIqWholeRow = int64_t(1) << 40;

template <class T>
constexpr GemmTile iq_tile{2, 4, iq_w_packed_bytes, pack_w_iq<T>, iq_x_packed_bytes, pack_x_q8_K,
                           TileTable<IqTileFor<T::kFactorTimes8, T::kPerSubBlock>::template Tile, 2, 4>::run, QK_K,
                           kIqWholeRow, 4};

// iq4_nl against q8_0 activations: 32-element blocks, each with its own float step (vec_dot:
// sumf += (d_x * d_w) * sumi, block after block). Packed: 32 table values + float d_w per block;
// 32 quants + float d_x per activation block (64 bytes each).
constexpr size_t kNlStep = 64;
size_t nl_packed_bytes(int64_t k) { return size_t(k / QK4_NL) * kNlStep; }

void pack_w_iq4_nl(int64_t k, const char* row, char* out) {
    const auto* x = reinterpret_cast<const block_iq4_nl*>(row);
    for (int64_t b = 0; b < k / QK4_NL; ++b, out += kNlStep) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), iq4_values(x[b].qs));
        const float d = half_to_float(x[b].d);
        std::memcpy(out + 32, &d, sizeof d);
    }
}

void pack_x_q8_0_nl(int64_t k, const char* row, char* out) {
    const auto* y = reinterpret_cast<const block_q8_0*>(row);
    for (int64_t b = 0; b < k / QK4_NL; ++b, out += kNlStep) {
        std::memcpy(out, y[b].qs, 32);
        const float d = half_to_float(y[b].d);
        std::memcpy(out + 32, &d, sizeof d);
    }
}

template <int R, int C>
struct Iq4NlTile {
    static void run(int64_t k, const char* w, size_t ws, int, const char* x, size_t xs, int, float* y, int64_t ldy,
                    bool accumulate) {
        float sumf[R][C] = {};
        for (int64_t blk = 0; blk < k / QK4_NL; ++blk) {
            __m256i v[R], u[R];
            float dw[R];
            for (int r = 0; r < R; ++r) {
                const char* p = w + r * ws + size_t(blk) * kNlStep;
                v[r] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
                u[r] = _mm256_sign_epi8(v[r], v[r]);
                std::memcpy(&dw[r], p + 32, sizeof(float));
            }
            for (int c = 0; c < C; ++c) {
                const char* p = x + c * xs + size_t(blk) * kNlStep;
                const __m256i q8 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
                float dx;
                std::memcpy(&dx, p + 32, sizeof dx);
                for (int r = 0; r < R; ++r)
                    sumf[r][c] += dx * dw[r] * float(hsum_i32(dot_u8_s8(u[r], _mm256_sign_epi8(q8, v[r]))));
            }
        }
        for (int c = 0; c < C; ++c)
            for (int r = 0; r < R; ++r) y[c * ldy + r] = accumulate ? y[c * ldy + r] + sumf[r][c] : sumf[r][c];
    }
};

constexpr GemmTile iq4_nl_tile{2, 4, nl_packed_bytes, pack_w_iq4_nl, nl_packed_bytes, pack_x_q8_0_nl,
                               TileTable<Iq4NlTile, 2, 4>::run, QK4_NL, kIqWholeRow, 4};

}  // namespace

const GemmTile* gemm_tile_iq_avx2(GgmlType t) {
    switch (t) {
        case GgmlType::IQ2_XXS: return &iq_tile<Iq2XxsT>;
        case GgmlType::IQ2_XS: return &iq_tile<Iq2XsT>;
        case GgmlType::IQ2_S: return &iq_tile<Iq2ST>;
        case GgmlType::IQ3_XXS: return &iq_tile<Iq3XxsT>;
        case GgmlType::IQ3_S: return &iq_tile<Iq3ST>;
        case GgmlType::IQ4_XS: return &iq_tile<Iq4XsT>;
        case GgmlType::IQ4_NL: return &iq4_nl_tile;
        default: return nullptr;
    }
}

void kernels_register_iq_avx2(KernelTable& t) {
    t[GgmlType::IQ2_XXS] = {to_f32_iq2_xxs, nullptr, vec_dot_grid<Iq2XxsT>, GgmlType::Q8_K};
    t[GgmlType::IQ2_XS] = {to_f32_iq2_xs, nullptr, vec_dot_grid<Iq2XsT>, GgmlType::Q8_K};
    t[GgmlType::IQ2_S] = {to_f32_iq2_s, nullptr, vec_dot_grid<Iq2ST>, GgmlType::Q8_K};
    t[GgmlType::IQ3_XXS] = {to_f32_iq3_xxs, nullptr, vec_dot_grid<Iq3XxsT>, GgmlType::Q8_K};
    t[GgmlType::IQ3_S] = {to_f32_iq3_s, nullptr, vec_dot_grid<Iq3ST>, GgmlType::Q8_K};
    t[GgmlType::IQ1_S] = {to_f32_iq1_s, nullptr, vec_dot_iq1_s, GgmlType::Q8_K};
    t[GgmlType::IQ1_M] = {to_f32_iq1_m, nullptr, vec_dot_iq1_m, GgmlType::Q8_K};
    t[GgmlType::IQ4_NL] = {to_f32_iq4_nl, nullptr, vec_dot_iq4_nl, GgmlType::Q8_0};
    t[GgmlType::IQ4_XS] = {to_f32_iq4_xs, nullptr, vec_dot_grid<Iq4XsT>, GgmlType::Q8_K};
}

}  // namespace qs
