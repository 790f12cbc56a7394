// AVX2 kernels of ggml's IQ types (compiled with -mavx2 -mfma -mf16c). Dequantization is the
// scalar reference's float operations eight at a time; dot products compute each super-block's
// integer sums with vector instructions and then do the reference's float steps (iq_common.h), so
// both are bit-identical to iq_scalar.cpp.
#pragma GCC optimize("fp-contract=off")
#include <immintrin.h>

#include <cstring>

#include "kernels/iq_common.h"
#include "kernels/kernel_table.h"

namespace qs {
namespace {

using namespace iqk;

inline float half_to_float(fp16_t h) { return _cvtsh_ss(h); }

inline int32_t hsum_i32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

// 8 int32 lanes of sum(u * s) over 32 bytes, lane l = elements 4l..4l+3; u unsigned <= 127.
inline __m256i dot_u8_s8(__m256i u, __m256i s) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

// Byte masks (0xFF = minus) of 4 groups of 8 elements from 4 explicit sign bytes.
inline __m256i sign_masks_from_bytes(const uint8_t* signs) {
    const __m256i spread = _mm256_shuffle_epi8(_mm256_set1_epi32(int(load_u32(signs))),
                                               _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202,
                                                                 0x0101010101010101, 0));
    const __m256i bits = _mm256_set1_epi64x(int64_t(0x8040201008040201ull));
    return _mm256_cmpeq_epi8(_mm256_and_si256(spread, bits), bits);
}

// Byte masks from 4 x 7-bit ksigns indices packed in a uint32 (iq2_xxs, iq3_xxs).
inline __m256i sign_masks_from_index(uint32_t aux) {
    return _mm256_set_epi64x(int64_t(iq::ksigns64[(aux >> 21) & 127]), int64_t(iq::ksigns64[(aux >> 14) & 127]),
                             int64_t(iq::ksigns64[(aux >> 7) & 127]), int64_t(iq::ksigns64[aux & 127]));
}

// q8 with the grid's signs applied (mask 0xFF -> negate).
inline __m256i apply_signs(__m256i q8, __m256i mask) { return _mm256_sign_epi8(q8, _mm256_or_si256(mask, _mm256_set1_epi8(1))); }

inline __m256i grid4_u64(const uint64_t* grid, int i0, int i1, int i2, int i3) {
    return _mm256_set_epi64x(int64_t(grid[i3]), int64_t(grid[i2]), int64_t(grid[i1]), int64_t(grid[i0]));
}

inline __m256i load_q8(const int8_t* q8) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q8)); }

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

// 16 nibbles -> kvalues_iq4nl bytes: elements 0..15 in the low 128 bits, 16..31 in the high ones.
inline __m256i iq4_values(const uint8_t* qs) {
    const __m128i table = _mm_loadu_si128(reinterpret_cast<const __m128i*>(iq::kvalues_iq4nl));
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
    const __m128i lo = _mm_shuffle_epi8(table, _mm_and_si128(bytes, _mm_set1_epi8(0x0f)));
    const __m128i hi = _mm_shuffle_epi8(table, _mm_and_si128(_mm_srli_epi16(bytes, 4), _mm_set1_epi8(0x0f)));
    return _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
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

void to_f32_iq4_nl(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_iq4_nl*>(vx);
    for (int64_t i = 0; i < n / QK4_NL; ++i, y += QK4_NL) store_iq4(y, half_to_float(x[i].d), x[i].qs);
}

void to_f32_iq4_xs(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_iq4_xs*>(vx);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = half_to_float(x[i].d);
        for (int ib = 0; ib < QK_K / 32; ++ib, y += 32) store_iq4(y, d * float(iq4xs_scale(x[i], ib)), x[i].qs + 16 * ib);
    }
}

// ---------------------------------------------------------------------------------------------
// Dot products: per super-block an int32 vector accumulates (scale * partial sums); its total is
// the reference's bsum.
// ---------------------------------------------------------------------------------------------

void vec_dot_iq2_xxs(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_iq2_xxs*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    float sumf = 0.f;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = half_to_float(x[i].d) * y[i].d;
        __m256i acc = _mm256_setzero_si256();
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            const uint8_t* idx = reinterpret_cast<const uint8_t*>(x[i].qs + 4 * ib);
            const uint32_t aux = load_u32(x[i].qs + 4 * ib + 2);
            const __m256i grid = grid4_u64(iq::iq2xxs_grid, idx[0], idx[1], idx[2], idx[3]);
            const __m256i q8 = apply_signs(load_q8(y[i].qs + 32 * ib), sign_masks_from_index(aux));
            acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(dot_u8_s8(grid, q8), _mm256_set1_epi32(int(2 * (aux >> 28) + 1))));
        }
        sumf += d * float(hsum_i32(acc));
    }
    *s = 0.125f * sumf;
}

void vec_dot_iq2_xs(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_iq2_xs*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    float sumf = 0.f;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = half_to_float(x[i].d) * y[i].d;
        __m256i acc = _mm256_setzero_si256();
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            const uint16_t* q = x[i].qs + 4 * ib;
            const __m256i grid = grid4_u64(iq::iq2xs_grid, q[0] & 511, q[1] & 511, q[2] & 511, q[3] & 511);
            const __m256i mask = _mm256_set_epi64x(int64_t(iq::ksigns64[q[3] >> 9]), int64_t(iq::ksigns64[q[2] >> 9]),
                                                   int64_t(iq::ksigns64[q[1] >> 9]), int64_t(iq::ksigns64[q[0] >> 9]));
            const __m256i q8 = apply_signs(load_q8(y[i].qs + 32 * ib), mask);
            const int ls0 = 2 * (x[i].scales[ib] & 0xf) + 1, ls1 = 2 * (x[i].scales[ib] >> 4) + 1;
            const __m256i ls = _mm256_setr_epi32(ls0, ls0, ls0, ls0, ls1, ls1, ls1, ls1);
            acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(dot_u8_s8(grid, q8), ls));
        }
        sumf += d * float(hsum_i32(acc));
    }
    *s = 0.125f * sumf;
}

void vec_dot_iq2_s(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_iq2_s*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    float sumf = 0.f;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = half_to_float(x[i].d) * y[i].d;
        const uint8_t* signs = x[i].qs + QK_K / 8;
        __m256i acc = _mm256_setzero_si256();
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            const __m256i grid = grid4_u64(iq::iq2s_grid, iq2s_index(x[i], ib, 0), iq2s_index(x[i], ib, 1),
                                           iq2s_index(x[i], ib, 2), iq2s_index(x[i], ib, 3));
            const __m256i q8 = apply_signs(load_q8(y[i].qs + 32 * ib), sign_masks_from_bytes(signs + 4 * ib));
            const int ls0 = 1 + 2 * (x[i].scales[ib] & 0xf), ls1 = 1 + 2 * (x[i].scales[ib] >> 4);
            const __m256i ls = _mm256_setr_epi32(ls0, ls0, ls0, ls0, ls1, ls1, ls1, ls1);
            acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(dot_u8_s8(grid, q8), ls));
        }
        sumf += d * float(hsum_i32(acc));
    }
    *s = 0.125f * sumf;
}

inline __m256i grid8_u32(const uint32_t* grid, const int idx[8]) {
    return _mm256_setr_epi32(int(grid[idx[0]]), int(grid[idx[1]]), int(grid[idx[2]]), int(grid[idx[3]]), int(grid[idx[4]]),
                             int(grid[idx[5]]), int(grid[idx[6]]), int(grid[idx[7]]));
}

void vec_dot_iq3_xxs(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_iq3_xxs*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    float sumf = 0.f;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = half_to_float(x[i].d) * y[i].d;
        __m256i acc = _mm256_setzero_si256();
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            const uint8_t* q3 = x[i].qs + 8 * ib;
            const uint32_t aux = load_u32(x[i].qs + QK_K / 4 + 4 * ib);
            const int idx[8] = {q3[0], q3[1], q3[2], q3[3], q3[4], q3[5], q3[6], q3[7]};
            const __m256i q8 = apply_signs(load_q8(y[i].qs + 32 * ib), sign_masks_from_index(aux));
            const __m256i ls = _mm256_set1_epi32(int(2 * (aux >> 28) + 1));
            acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(dot_u8_s8(grid8_u32(iq::iq3xxs_grid, idx), q8), ls));
        }
        sumf += d * float(hsum_i32(acc));
    }
    *s = 0.25f * sumf;
}

void vec_dot_iq3_s(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_iq3_s*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    float sumf = 0.f;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = half_to_float(x[i].d) * y[i].d;
        __m256i acc = _mm256_setzero_si256();
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            int idx[8];
            for (int k = 0; k < 8; ++k) idx[k] = iq3s_index(x[i], ib, k);
            const __m256i q8 = apply_signs(load_q8(y[i].qs + 32 * ib), sign_masks_from_bytes(x[i].signs + 4 * ib));
            const __m256i ls = _mm256_set1_epi32(2 * ((x[i].scales[ib / 2] >> 4 * (ib % 2)) & 0xf) + 1);
            acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(dot_u8_s8(grid8_u32(iq::iq3s_grid, idx), q8), ls));
        }
        sumf += d * float(hsum_i32(acc));
    }
    *s = sumf;
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

void vec_dot_iq4_xs(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_iq4_xs*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    float sumf = 0.f;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d4d8 = half_to_float(x[i].d) * y[i].d;
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            const float dl = d4d8 * float(iq4xs_scale(x[i], ib));
            sumf += dl * float(iq4_block_sum(x[i].qs + 16 * ib, y[i].qs + 32 * ib));
        }
    }
    *s = sumf;
}

}  // namespace

void kernels_register_iq_avx2(KernelTable& t) {
    t[GgmlType::IQ2_XXS] = {to_f32_iq2_xxs, nullptr, vec_dot_iq2_xxs, GgmlType::Q8_K};
    t[GgmlType::IQ2_XS] = {to_f32_iq2_xs, nullptr, vec_dot_iq2_xs, GgmlType::Q8_K};
    t[GgmlType::IQ2_S] = {to_f32_iq2_s, nullptr, vec_dot_iq2_s, GgmlType::Q8_K};
    t[GgmlType::IQ3_XXS] = {to_f32_iq3_xxs, nullptr, vec_dot_iq3_xxs, GgmlType::Q8_K};
    t[GgmlType::IQ3_S] = {to_f32_iq3_s, nullptr, vec_dot_iq3_s, GgmlType::Q8_K};
    t[GgmlType::IQ1_S] = {to_f32_iq1_s, nullptr, vec_dot_iq1_s, GgmlType::Q8_K};
    t[GgmlType::IQ1_M] = {to_f32_iq1_m, nullptr, vec_dot_iq1_m, GgmlType::Q8_K};
    t[GgmlType::IQ4_NL] = {to_f32_iq4_nl, nullptr, vec_dot_iq4_nl, GgmlType::Q8_0};
    t[GgmlType::IQ4_XS] = {to_f32_iq4_xs, nullptr, vec_dot_iq4_xs, GgmlType::Q8_K};
}

}  // namespace qs
