// AVX-512 kernels of ggml's IQ types (AVX-512 F/BW/VL; VNNI is not required). Two 32-element
// sub-blocks per 512-bit vector for the dot products of iq4_nl, iq4_xs and the iq2/iq3 grid types
// (decoded as the AVX2 file does, iq_simd.h), 16 floats per store for the iq4 dequantization. As in iq_avx2.cpp, integer sums are exact and the
// float steps are the scalar reference's (iq_common.h), so results are bit-identical to
// iq_scalar.cpp. The iq1 types and the grid types' dequantization keep the AVX2 versions.
#pragma GCC optimize("fp-contract=off")
#include <immintrin.h>

#include <cstring>

#include "kernels/iq_simd.h"
#include "kernels/kernel_table.h"

namespace qs {
namespace {

using namespace iqk;

// 16 int32 lanes of sum(u * s), lane l = elements 4l..4l+3: lanes 0..7 the first 32 elements.
inline __m512i dot_u8_s8_512(__m512i u, __m512i s) {
    return _mm512_madd_epi16(_mm512_maddubs_epi16(u, s), _mm512_set1_epi16(1));
}

// q8 negated where the byte mask is set.
inline __m512i negate_where(__m512i q8, __mmask64 minus) { return _mm512_mask_sub_epi8(q8, minus, _mm512_setzero_si512(), q8); }

inline __m512i join(__m256i lo, __m256i hi) { return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1); }

// The q8_K grid types and iq4_xs, two sub-blocks (iq_simd.h's AVX2 decoding) per 512-bit product.
template <class T>
void vec_dot_grid(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const typename T::Block*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    float sumf = 0.f;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = half_to_float(x[i].d) * y[i].d;
        __m512i acc = _mm512_setzero_si512();
        for (int ib = 0; ib < QK_K / 32; ib += 2) {
            __m256i v0, s0, v1, s1;
            T::step(x[i], ib, v0, s0);
            T::step(x[i], ib + 1, v1, s1);
            const __m512i v = join(v0, v1);
            const __m512i q8 = negate_where(_mm512_loadu_si512(y[i].qs + 32 * ib), _mm512_movepi8_mask(v));
            const __m512i prod = dot_u8_s8_512(_mm512_abs_epi8(v), q8);
            if constexpr (T::kPerSubBlock) {
                sumf += d * float(_mm256_extract_epi32(s0, 0)) * float(hsum_i32(_mm512_castsi512_si256(prod)));
                sumf += d * float(_mm256_extract_epi32(s1, 0)) * float(hsum_i32(_mm512_extracti64x4_epi64(prod, 1)));
            } else {
                acc = _mm512_add_epi32(acc, _mm512_mullo_epi32(prod, join(s0, s1)));
            }
        }
        if constexpr (!T::kPerSubBlock) sumf += d * float(_mm512_reduce_add_epi32(acc));
    }
    *s = float(T::kFactorTimes8) / 8.0f * sumf;
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
    const __m512i q = negate_where(_mm512_loadu_si512(q8), _mm512_movepi8_mask(w));
    const __m512i sums = dot_u8_s8_512(_mm512_abs_epi8(w), q);
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

constexpr auto to_f32_iq4_nl = to_f32_iq4_nl_with<store_iq4>;
constexpr auto to_f32_iq4_xs = to_f32_iq4_xs_with<store_iq4>;

}  // namespace

void kernels_register_iq_avx512(KernelTable& t) {
    t[GgmlType::IQ2_XXS].vec_dot = vec_dot_grid<Iq2XxsT>;
    t[GgmlType::IQ2_XS].vec_dot = vec_dot_grid<Iq2XsT>;
    t[GgmlType::IQ2_S].vec_dot = vec_dot_grid<Iq2ST>;
    t[GgmlType::IQ3_XXS].vec_dot = vec_dot_grid<Iq3XxsT>;
    t[GgmlType::IQ3_S].vec_dot = vec_dot_grid<Iq3ST>;
    t[GgmlType::IQ4_NL].to_f32 = to_f32_iq4_nl;
    t[GgmlType::IQ4_NL].vec_dot = vec_dot_iq4_nl;
    t[GgmlType::IQ4_XS].to_f32 = to_f32_iq4_xs;
    t[GgmlType::IQ4_XS].vec_dot = vec_dot_grid<Iq4XsT>;
}

}  // namespace qs
