// AVX2 kernels of QuantScope's own formats (compiled with -mavx2 -mfma -mf16c). Same chunk
// scheme as extra_scalar.cpp: decoded values and their products with the scale are bit-identical
// to the scalar reference; dot products differ only in the order the float sums are taken.
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

// 32 decoded values of one chunk, elements 8k..8k+7 in w[k], and the chunk scale.
struct Chunk {
    __m256 w[4];
    float d;
};

// 16 bytes of nibbles -> (elements 0..15, elements 16..31) as bytes 0..15.
inline void unpack_nibbles(const uint8_t* qs, __m128i& lo, __m128i& hi) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
    const __m128i mask = _mm_set1_epi8(0x0F);
    lo = _mm_and_si128(bytes, mask);
    hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), mask);
}

// Bytes 0..7 (half 0) or 8..15 (half 1) of v, zero-extended to 8 int32.
inline __m256i u8_to_i32(__m128i v, int half) { return _mm256_cvtepu8_epi32(half ? _mm_srli_si128(v, 8) : v); }

// Table lookup of 16 floats by 8 indices 0..15.
inline __m256 lookup16(const float* table, __m256i idx) {
    const __m256 lo = _mm256_permutevar8x32_ps(_mm256_loadu_ps(table), idx);
    const __m256 hi = _mm256_permutevar8x32_ps(_mm256_loadu_ps(table + 8), idx);
    return _mm256_blendv_ps(lo, hi, _mm256_castsi256_ps(_mm256_slli_epi32(idx, 28)));  // bit 3 -> sign
}

struct Nf4 {
    static Chunk chunk(const void* row, int64_t c) {
        const block_nf4& b = static_cast<const block_nf4*>(row)[c / 2];
        __m128i lo, hi;
        unpack_nibbles(b.qs + 16 * (c % 2), lo, hi);
        return {{lookup16(kNf4Values, u8_to_i32(lo, 0)), lookup16(kNf4Values, u8_to_i32(lo, 1)),
                 lookup16(kNf4Values, u8_to_i32(hi, 0)), lookup16(kNf4Values, u8_to_i32(hi, 1))},
                b.d};
    }
};

// FP8 without table gathers (slow on CPUs with the gather-data-sampling mitigation): both formats
// are rewritten as fp16 bit patterns and widened with F16C, exactly (see extra_common.h).
// 8 codes (zero-extended to 16 bits) -> 8 floats.
inline __m256 e5m2_to_f32(__m128i codes16) { return _mm256_cvtph_ps(_mm_slli_epi16(codes16, 8)); }
inline __m256 e4m3_to_f32(__m128i codes16) {
    const __m128i mag = _mm_and_si128(codes16, _mm_set1_epi16(0x7F));
    const __m128i sign = _mm_slli_epi16(_mm_and_si128(codes16, _mm_set1_epi16(0x80)), 8);
    const __m256 v = _mm256_mul_ps(_mm256_cvtph_ps(_mm_or_si128(sign, _mm_slli_epi16(mag, 7))), _mm256_set1_ps(256.0f));
    // S.1111.111 is NaN: the table's quiet NaN with the code's sign.
    const __m256 is_nan = _mm256_castsi256_ps(_mm256_cvtepi16_epi32(_mm_cmpeq_epi16(mag, _mm_set1_epi16(0x7F))));
    const __m256 nan = _mm256_or_ps(_mm256_and_ps(v, _mm256_set1_ps(-0.0f)), _mm256_castsi256_ps(_mm256_set1_epi32(0x7FC00000)));
    return _mm256_blendv_ps(v, nan, is_nan);
}

template <__m256 (*decode)(__m128i)>
struct Fp8 {
    static Chunk chunk(const void* row, int64_t c) {
        const block_fp8& b = static_cast<const block_fp8*>(row)[c];
        Chunk out;
        for (int k = 0; k < 4; ++k)
            out.w[k] = decode(_mm_cvtepu8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b.qs + 8 * k))));
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
        for (int k = 0; k < 4; ++k)
            out.w[k] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(q + 8 * k))));
        out.d = d;
        return out;
    }
};

struct I4G128 {
    static Chunk chunk(const void* row, int64_t c) {
        const block_i4_g128& b = static_cast<const block_i4_g128*>(row)[c / 4];
        __m128i lo, hi;
        unpack_nibbles(b.qs + 16 * (c % 4), lo, hi);
        const __m256i zero = _mm256_set1_epi32(b.zero);
        auto value = [&](__m128i v, int half) { return _mm256_cvtepi32_ps(_mm256_sub_epi32(u8_to_i32(v, half), zero)); };
        return {{value(lo, 0), value(lo, 1), value(hi, 0), value(hi, 1)}, half_to_float(b.d)};
    }
};

inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

template <class F>
void to_f32(const void* x, float* y, int64_t n) {
    for (int64_t c = 0; c < n / 32; ++c) {
        const Chunk ch = F::chunk(x, c);
        const __m256 d = _mm256_set1_ps(ch.d);
        for (int k = 0; k < 4; ++k) _mm256_storeu_ps(y + 32 * c + 8 * k, _mm256_mul_ps(ch.w[k], d));
    }
}

template <class F>
void vec_dot(int64_t n, float* s, const void* x, const void* vy) {
    const auto* y = static_cast<const block_q8_0*>(vy);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t c = 0; c < n / 32; ++c) {
        const Chunk ch = F::chunk(x, c);
        __m256 sum = _mm256_setzero_ps();
        for (int k = 0; k < 4; ++k) {
            const __m128i yq = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(y[c].qs + 8 * k));
            sum = _mm256_fmadd_ps(ch.w[k], _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(yq)), sum);
        }
        acc = _mm256_fmadd_ps(sum, _mm256_set1_ps(ch.d * half_to_float(y[c].d)), acc);
    }
    *s = hsum(acc);
}

template <class F>
void set_kernels(TypeKernels& k) {
    k.to_f32 = to_f32<F>;
    k.vec_dot = vec_dot<F>;
}

}  // namespace

void kernels_register_extra_avx2(KernelTable& t) {
    set_kernels<Nf4>(t[GgmlType::NF4]);
    set_kernels<Fp8<e4m3_to_f32>>(t[GgmlType::FP8_E4M3]);
    set_kernels<Fp8<e5m2_to_f32>>(t[GgmlType::FP8_E5M2]);
    set_kernels<I8Row>(t[GgmlType::I8_ROW]);
    set_kernels<I4G128>(t[GgmlType::I4_G128]);
}

}  // namespace qs
