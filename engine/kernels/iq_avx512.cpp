// AVX-512 kernels of ggml's IQ types (AVX-512 F/BW/VL; VNNI is not required). Two 32-element
// sub-blocks per 512-bit vector for the dot products of iq4_nl, iq4_xs and the iq2/iq3 grid types,
// 16 floats per store for the iq4 dequantization. As in iq_avx2.cpp, integer sums are exact and the
// float steps are the scalar reference's (iq_common.h), so results are bit-identical to
// iq_scalar.cpp. The iq1 types and the grid types' dequantization keep the AVX2 versions.
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

// 16 int32 lanes of sum(u * s), lane l = elements 4l..4l+3: lanes 0..7 the first 32 elements.
inline __m512i dot_u8_s8(__m512i u, __m512i s) {
    return _mm512_madd_epi16(_mm512_maddubs_epi16(u, s), _mm512_set1_epi16(1));
}

// q8 negated where the byte mask is 0xFF.
inline __m512i apply_signs(__m512i q8, __m512i mask) {
    return _mm512_mask_sub_epi8(q8, _mm512_movepi8_mask(mask), _mm512_setzero_si512(), q8);
}

inline __m512i load_q8(const int8_t* q8) { return _mm512_loadu_si512(q8); }

// Byte masks of 8 groups of 8 elements from 8 explicit sign bytes.
inline __m512i sign_masks_from_bytes(const uint8_t* signs) {
    uint64_t s;
    std::memcpy(&s, signs, sizeof s);
    const __m512i spread = _mm512_shuffle_epi8(_mm512_set1_epi64(int64_t(s)),
                                               _mm512_set_epi64(0x0707070707070707, 0x0606060606060606, 0x0505050505050505,
                                                                0x0404040404040404, 0x0303030303030303, 0x0202020202020202,
                                                                0x0101010101010101, 0));
    const __m512i bits = _mm512_set1_epi64(int64_t(0x8040201008040201ull));
    return _mm512_movm_epi8(_mm512_cmpeq_epi8_mask(_mm512_and_si512(spread, bits), bits));
}

inline __m512i ksigns8(const int idx[8]) {
    return _mm512_set_epi64(int64_t(iq::ksigns64[idx[7]]), int64_t(iq::ksigns64[idx[6]]), int64_t(iq::ksigns64[idx[5]]),
                            int64_t(iq::ksigns64[idx[4]]), int64_t(iq::ksigns64[idx[3]]), int64_t(iq::ksigns64[idx[2]]),
                            int64_t(iq::ksigns64[idx[1]]), int64_t(iq::ksigns64[idx[0]]));
}

inline __m512i grid8_u64(const uint64_t* grid, const int idx[8]) {
    return _mm512_set_epi64(int64_t(grid[idx[7]]), int64_t(grid[idx[6]]), int64_t(grid[idx[5]]), int64_t(grid[idx[4]]),
                            int64_t(grid[idx[3]]), int64_t(grid[idx[2]]), int64_t(grid[idx[1]]), int64_t(grid[idx[0]]));
}

inline __m512i grid16_u32(const uint32_t* grid, const int idx[16]) {
    alignas(64) uint32_t v[16];
    for (int k = 0; k < 16; ++k) v[k] = grid[idx[k]];
    return _mm512_load_si512(v);
}

// Per-lane scales: the first 8 lanes (sub-block ib) get a, the next 8 (ib + 1) get b.
inline __m512i two_scales(int a, int b) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi32(a)), _mm256_set1_epi32(b), 1);
}

void vec_dot_iq2_xxs(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_iq2_xxs*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    float sumf = 0.f;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = half_to_float(x[i].d) * y[i].d;
        __m512i acc = _mm512_setzero_si512();
        for (int ib = 0; ib < QK_K / 32; ib += 2) {
            int gidx[8], sidx[8], ls[2];
            for (int h = 0; h < 2; ++h) {
                const uint8_t* idx = reinterpret_cast<const uint8_t*>(x[i].qs + 4 * (ib + h));
                const uint32_t aux = load_u32(x[i].qs + 4 * (ib + h) + 2);
                for (int l = 0; l < 4; ++l) {
                    gidx[4 * h + l] = idx[l];
                    sidx[4 * h + l] = int((aux >> 7 * l) & 127);
                }
                ls[h] = int(2 * (aux >> 28) + 1);
            }
            const __m512i q8 = apply_signs(load_q8(y[i].qs + 32 * ib), ksigns8(sidx));
            acc = _mm512_add_epi32(acc, _mm512_mullo_epi32(dot_u8_s8(grid8_u64(iq::iq2xxs_grid, gidx), q8), two_scales(ls[0], ls[1])));
        }
        sumf += d * float(_mm512_reduce_add_epi32(acc));
    }
    *s = 0.125f * sumf;
}

void vec_dot_iq2_xs(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_iq2_xs*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    float sumf = 0.f;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = half_to_float(x[i].d) * y[i].d;
        __m512i acc = _mm512_setzero_si512();
        for (int ib = 0; ib < QK_K / 32; ib += 2) {
            int gidx[8], sidx[8];
            for (int k = 0; k < 8; ++k) {
                const uint16_t q = x[i].qs[4 * ib + k];
                gidx[k] = q & 511;
                sidx[k] = q >> 9;
            }
            alignas(64) int32_t ls[16];
            for (int h = 0; h < 2; ++h) {
                const uint8_t sc = x[i].scales[ib + h];
                for (int l = 0; l < 4; ++l) {
                    ls[8 * h + l] = 2 * (sc & 0xf) + 1;
                    ls[8 * h + 4 + l] = 2 * (sc >> 4) + 1;
                }
            }
            const __m512i q8 = apply_signs(load_q8(y[i].qs + 32 * ib), ksigns8(sidx));
            acc = _mm512_add_epi32(acc, _mm512_mullo_epi32(dot_u8_s8(grid8_u64(iq::iq2xs_grid, gidx), q8), _mm512_load_si512(ls)));
        }
        sumf += d * float(_mm512_reduce_add_epi32(acc));
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
        __m512i acc = _mm512_setzero_si512();
        for (int ib = 0; ib < QK_K / 32; ib += 2) {
            int gidx[8];
            alignas(64) int32_t ls[16];
            for (int h = 0; h < 2; ++h) {
                for (int l = 0; l < 4; ++l) gidx[4 * h + l] = iq2s_index(x[i], ib + h, l);
                const uint8_t sc = x[i].scales[ib + h];
                for (int l = 0; l < 4; ++l) {
                    ls[8 * h + l] = 1 + 2 * (sc & 0xf);
                    ls[8 * h + 4 + l] = 1 + 2 * (sc >> 4);
                }
            }
            const __m512i q8 = apply_signs(load_q8(y[i].qs + 32 * ib), sign_masks_from_bytes(signs + 4 * ib));
            acc = _mm512_add_epi32(acc, _mm512_mullo_epi32(dot_u8_s8(grid8_u64(iq::iq2s_grid, gidx), q8), _mm512_load_si512(ls)));
        }
        sumf += d * float(_mm512_reduce_add_epi32(acc));
    }
    *s = 0.125f * sumf;
}

void vec_dot_iq3_xxs(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_iq3_xxs*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    float sumf = 0.f;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = half_to_float(x[i].d) * y[i].d;
        __m512i acc = _mm512_setzero_si512();
        for (int ib = 0; ib < QK_K / 32; ib += 2) {
            int gidx[16], sidx[8], ls[2];
            for (int k = 0; k < 16; ++k) gidx[k] = x[i].qs[8 * ib + k];
            for (int h = 0; h < 2; ++h) {
                const uint32_t aux = load_u32(x[i].qs + QK_K / 4 + 4 * (ib + h));
                for (int l = 0; l < 4; ++l) sidx[4 * h + l] = int((aux >> 7 * l) & 127);
                ls[h] = int(2 * (aux >> 28) + 1);
            }
            const __m512i q8 = apply_signs(load_q8(y[i].qs + 32 * ib), ksigns8(sidx));
            acc = _mm512_add_epi32(acc, _mm512_mullo_epi32(dot_u8_s8(grid16_u32(iq::iq3xxs_grid, gidx), q8), two_scales(ls[0], ls[1])));
        }
        sumf += d * float(_mm512_reduce_add_epi32(acc));
    }
    *s = 0.25f * sumf;
}

void vec_dot_iq3_s(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_iq3_s*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    float sumf = 0.f;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = half_to_float(x[i].d) * y[i].d;
        __m512i acc = _mm512_setzero_si512();
        for (int ib = 0; ib < QK_K / 32; ib += 2) {
            int gidx[16];
            for (int h = 0; h < 2; ++h)
                for (int k = 0; k < 8; ++k) gidx[8 * h + k] = iq3s_index(x[i], ib + h, k);
            const uint8_t sc = x[i].scales[ib / 2];
            const __m512i q8 = apply_signs(load_q8(y[i].qs + 32 * ib), sign_masks_from_bytes(x[i].signs + 4 * ib));
            acc = _mm512_add_epi32(acc, _mm512_mullo_epi32(dot_u8_s8(grid16_u32(iq::iq3s_grid, gidx), q8),
                                                           two_scales(2 * (sc & 0xf) + 1, 2 * (sc >> 4) + 1)));
        }
        sumf += d * float(_mm512_reduce_add_epi32(acc));
    }
    *s = sumf;
}

// kvalues_iq4nl bytes of two 16-byte nibble groups (a: elements 0..31, b: 32..63), element order.
inline __m512i iq4_values_x2(const uint8_t* a, const uint8_t* b) {
    const __m256i bytes = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a))),
                                                  _mm_loadu_si128(reinterpret_cast<const __m128i*>(b)), 1);
    const __m256i lo = _mm256_and_si256(bytes, _mm256_set1_epi8(0x0f));
    const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bytes, 4), _mm256_set1_epi8(0x0f));
    // lanes (a lo, b lo, a hi, b hi) -> (a lo, a hi, b lo, b hi)
    const __m512i idx = _mm512_shuffle_i64x2(_mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1),
                                             _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1), _MM_SHUFFLE(3, 1, 2, 0));
    const __m512i table = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(iq::kvalues_iq4nl)));
    return _mm512_shuffle_epi8(table, idx);
}

// Sums of kvalues(w) * q8 of the two 32-element halves.
inline void iq4_pair_sums(const uint8_t* qa, const uint8_t* qb, const int8_t* q8, int32_t& s0, int32_t& s1) {
    const __m512i w = iq4_values_x2(qa, qb);
    const __m512i q = apply_signs(load_q8(q8), _mm512_movm_epi8(_mm512_movepi8_mask(w)));
    const __m512i sums = dot_u8_s8(_mm512_abs_epi8(w), q);
    s0 = hsum_i32(_mm512_castsi512_si256(sums));
    s1 = hsum_i32(_mm512_extracti64x4_epi64(sums, 1));
}

void vec_dot_iq4_nl(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_iq4_nl*>(vx);
    const auto* y = static_cast<const block_q8_0*>(vy);
    const int64_t nb = n / QK4_NL;
    float sumf = 0.f;
    int64_t ib = 0;
    for (; ib + 1 < nb; ib += 2) {
        alignas(64) int8_t q8[64];
        std::memcpy(q8, y[ib].qs, 32);
        std::memcpy(q8 + 32, y[ib + 1].qs, 32);
        int32_t s0, s1;
        iq4_pair_sums(x[ib].qs, x[ib + 1].qs, q8, s0, s1);
        sumf += half_to_float(y[ib].d) * half_to_float(x[ib].d) * float(s0);
        sumf += half_to_float(y[ib + 1].d) * half_to_float(x[ib + 1].d) * float(s1);
    }
    for (; ib < nb; ++ib) {
        int32_t sumi = 0;
        for (int j = 0; j < QK4_NL / 2; ++j) {
            sumi += y[ib].qs[j] * iq::kvalues_iq4nl[x[ib].qs[j] & 0xf];
            sumi += y[ib].qs[j + QK4_NL / 2] * iq::kvalues_iq4nl[x[ib].qs[j] >> 4];
        }
        sumf += half_to_float(y[ib].d) * half_to_float(x[ib].d) * float(sumi);
    }
    *s = sumf;
}

void vec_dot_iq4_xs(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_iq4_xs*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    float sumf = 0.f;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d4d8 = half_to_float(x[i].d) * y[i].d;
        for (int ib = 0; ib < QK_K / 32; ib += 2) {
            int32_t s0, s1;
            iq4_pair_sums(x[i].qs + 16 * ib, x[i].qs + 16 * (ib + 1), y[i].qs + 32 * ib, s0, s1);
            sumf += d4d8 * float(iq4xs_scale(x[i], ib)) * float(s0);
            sumf += d4d8 * float(iq4xs_scale(x[i], ib + 1)) * float(s1);
        }
    }
    *s = sumf;
}

// 32 elements of one iq4 group, scaled: d * value, 16 at a time.
inline void store_iq4(float* y, float d, const uint8_t* qs) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
    const __m128i table = _mm_loadu_si128(reinterpret_cast<const __m128i*>(iq::kvalues_iq4nl));
    const __m128i lo = _mm_shuffle_epi8(table, _mm_and_si128(bytes, _mm_set1_epi8(0x0f)));
    const __m128i hi = _mm_shuffle_epi8(table, _mm_and_si128(_mm_srli_epi16(bytes, 4), _mm_set1_epi8(0x0f)));
    const __m512 dv = _mm512_set1_ps(d);
    _mm512_storeu_ps(y, _mm512_mul_ps(dv, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(lo))));
    _mm512_storeu_ps(y + 16, _mm512_mul_ps(dv, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(hi))));
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

}  // namespace

void kernels_register_iq_avx512(KernelTable& t) {
    t[GgmlType::IQ2_XXS].vec_dot = vec_dot_iq2_xxs;
    t[GgmlType::IQ2_XS].vec_dot = vec_dot_iq2_xs;
    t[GgmlType::IQ2_S].vec_dot = vec_dot_iq2_s;
    t[GgmlType::IQ3_XXS].vec_dot = vec_dot_iq3_xxs;
    t[GgmlType::IQ3_S].vec_dot = vec_dot_iq3_s;
    t[GgmlType::IQ4_NL].to_f32 = to_f32_iq4_nl;
    t[GgmlType::IQ4_NL].vec_dot = vec_dot_iq4_nl;
    t[GgmlType::IQ4_XS].to_f32 = to_f32_iq4_xs;
    t[GgmlType::IQ4_XS].vec_dot = vec_dot_iq4_xs;
}

}  // namespace qs
