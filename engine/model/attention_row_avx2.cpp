// attention_row at the AVX2 level (compiled with -mavx2 -mfma -mf16c -ffp-contract=off).
#include <immintrin.h>

#include "model/attention_row_impl.h"

namespace qs::attention_detail {
namespace {

struct Avx2Lanes {
    static constexpr int64_t n = 8;
    static __m256 load(const float* p) { return _mm256_loadu_ps(p); }
    static void store(float* p, __m256 v) { _mm256_storeu_ps(p, v); }
    static __m256 set1(float x) { return _mm256_set1_ps(x); }
    static __m256 mul(__m256 a, __m256 b) { return _mm256_mul_ps(a, b); }
    static __m256 add(__m256 a, __m256 b) { return _mm256_add_ps(a, b); }
    static __m256 round_f16(__m256 x) { return _mm256_cvtph_ps(_mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)); }
};

}  // namespace

void attend_row_f16_avx2(const float* scores, const float* v_head, int64_t v_ld, int64_t n_vis, int64_t hd, float* acc,
                         float* out) {
    attend_row<LaneF16Ops<Avx2Lanes>>(scores, v_head, v_ld, n_vis, hd, acc, out);
}

}  // namespace qs::attention_detail
