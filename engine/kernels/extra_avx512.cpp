// AVX-512 kernels of QuantScope's own formats (compiled with the AVX-512 F/BW/VL/DQ flags). Same
// chunk scheme as extra_scalar.cpp: decoded values and their products with the scale are
// bit-identical to the scalar reference; dot products differ only in the float summation order.
// GCC 12's AVX-512 intrinsic headers trip -Wuninitialized (their _mm512_undefined_* helpers).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <cstring>

#include "kernels/kernel_table.h"
#include "tensor/blocks.h"
#include "tensor/blocks_extra.h"

namespace qs {
namespace {

// fp16 -> fp32 in one F16C instruction; exact, so equal to core/fp16.h's fp16_to_fp32 for every
// finite value (the only kind stored in scales).
inline float half_to_float(fp16_t h) { return _cvtsh_ss(h); }

// 32 decoded values of one chunk, elements 16k..16k+15 in w[k], and the chunk scale.
struct Chunk {
    __m512 w[2];
    float d;
};

// 16 bytes of nibbles -> elements 0..15 (low nibbles) and 16..31 (high nibbles) as int32.
inline void unpack_nibbles(const uint8_t* qs, __m512i& lo, __m512i& hi) {
    const __m512i bytes = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs)));
    const __m512i mask = _mm512_set1_epi32(0x0F);
    lo = _mm512_and_si512(bytes, mask);
    hi = _mm512_srli_epi32(bytes, 4);
}

struct Nf4 {
    static Chunk chunk(const void* row, int64_t c) {
        const block_nf4& b = static_cast<const block_nf4*>(row)[c / 2];
        __m512i lo, hi;
        unpack_nibbles(b.qs + 16 * (c % 2), lo, hi);
        const __m512 table = _mm512_loadu_ps(kNf4Values);
        return {{_mm512_permutexvar_ps(lo, table), _mm512_permutexvar_ps(hi, table)}, b.d};
    }
};

// FP8 without table gathers (slow on CPUs with the gather-data-sampling mitigation): both formats
// are rewritten as fp16 bit patterns and widened with F16C, exactly (see extra_common.h).
// 16 codes (zero-extended to 16 bits) -> 16 floats.
inline __m512 e5m2_to_f32(__m256i codes16) { return _mm512_cvtph_ps(_mm256_slli_epi16(codes16, 8)); }
inline __m512 e4m3_to_f32(__m256i codes16) {
    const __m256i mag = _mm256_and_si256(codes16, _mm256_set1_epi16(0x7F));
    const __m256i sign = _mm256_slli_epi16(_mm256_and_si256(codes16, _mm256_set1_epi16(0x80)), 8);
    const __m512 v = _mm512_mul_ps(_mm512_cvtph_ps(_mm256_or_si256(sign, _mm256_slli_epi16(mag, 7))), _mm512_set1_ps(256.0f));
    // S.1111.111 is NaN: the table's quiet NaN with the code's sign.
    const __mmask16 is_nan = _mm256_cmpeq_epi16_mask(mag, _mm256_set1_epi16(0x7F));
    const __m512 nan = _mm512_or_ps(_mm512_and_ps(v, _mm512_set1_ps(-0.0f)), _mm512_castsi512_ps(_mm512_set1_epi32(0x7FC00000)));
    return _mm512_mask_blend_ps(is_nan, v, nan);
}

template <__m512 (*decode)(__m256i)>
struct Fp8 {
    static Chunk chunk(const void* row, int64_t c) {
        const block_fp8& b = static_cast<const block_fp8*>(row)[c];
        Chunk out;
        for (int k = 0; k < 2; ++k)
            out.w[k] = decode(_mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs + 16 * k))));
        out.d = b.d;
        return out;
    }
};

struct I8Row {
    static Chunk chunk(const void* row, int64_t c) {
        float d;
        std::memcpy(&d, row, sizeof d);  // row header
        const int8_t* q = reinterpret_cast<const block_i8_row*>(static_cast<const uint8_t*>(row) + sizeof(float))[c].qs;
        Chunk out;
        for (int k = 0; k < 2; ++k)
            out.w[k] = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q + 16 * k))));
        out.d = d;
        return out;
    }
};

struct I4G128 {
    static Chunk chunk(const void* row, int64_t c) {
        const block_i4_g128& b = static_cast<const block_i4_g128*>(row)[c / 4];
        __m512i lo, hi;
        unpack_nibbles(b.qs + 16 * (c % 4), lo, hi);
        const __m512i zero = _mm512_set1_epi32(b.zero);
        return {{_mm512_cvtepi32_ps(_mm512_sub_epi32(lo, zero)), _mm512_cvtepi32_ps(_mm512_sub_epi32(hi, zero))},
                half_to_float(b.d)};
    }
};

template <class F>
void to_f32(const void* x, float* y, int64_t n) {
    for (int64_t c = 0; c < n / 32; ++c) {
        const Chunk ch = F::chunk(x, c);
        const __m512 d = _mm512_set1_ps(ch.d);
        for (int k = 0; k < 2; ++k) _mm512_storeu_ps(y + 32 * c + 16 * k, _mm512_mul_ps(ch.w[k], d));
    }
}

template <class F>
void vec_dot(int64_t n, float* s, const void* x, const void* vy) {
    const auto* y = static_cast<const block_q8_0*>(vy);
    __m512 acc = _mm512_setzero_ps();
    for (int64_t c = 0; c < n / 32; ++c) {
        const Chunk ch = F::chunk(x, c);
        __m512 sum = _mm512_setzero_ps();
        for (int k = 0; k < 2; ++k) {
            const __m128i yq = _mm_loadu_si128(reinterpret_cast<const __m128i*>(y[c].qs + 16 * k));
            sum = _mm512_fmadd_ps(ch.w[k], _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(yq)), sum);
        }
        acc = _mm512_fmadd_ps(sum, _mm512_set1_ps(ch.d * half_to_float(y[c].d)), acc);
    }
    *s = _mm512_reduce_add_ps(acc);
}

template <class F>
void set_kernels(TypeKernels& k) {
    k.to_f32 = to_f32<F>;
    k.vec_dot = vec_dot<F>;
}

}  // namespace

void kernels_register_extra_avx512(KernelTable& t) {
    set_kernels<Nf4>(t[GgmlType::NF4]);
    set_kernels<Fp8<e4m3_to_f32>>(t[GgmlType::FP8_E4M3]);
    set_kernels<Fp8<e5m2_to_f32>>(t[GgmlType::FP8_E5M2]);
    set_kernels<I8Row>(t[GgmlType::I8_ROW]);
    set_kernels<I4G128>(t[GgmlType::I4_G128]);
}

}  // namespace qs
