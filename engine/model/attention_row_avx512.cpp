// attention_row at the AVX-512 level (compiled with -mavx512f -mavx2 -mfma -mf16c -ffp-contract=off).
#include <immintrin.h>

// GCC 12's avx512fintrin.h builds vcvtph2ps/vcvtps2ph on an "undefined" vector it then reports as
// maybe uninitialized; the lanes are all written.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "model/attention_row_impl.h"

namespace qs::attention_detail {
namespace {

struct Avx512Lanes {
    static constexpr int64_t n = 16;
    static __m512 load(const float* p) { return _mm512_loadu_ps(p); }
    static void store(float* p, __m512 v) { _mm512_storeu_ps(p, v); }
    static __m512 set1(float x) { return _mm512_set1_ps(x); }
    static __m512 mul(__m512 a, __m512 b) { return _mm512_mul_ps(a, b); }
    static __m512 add(__m512 a, __m512 b) { return _mm512_add_ps(a, b); }
    static __m512 round_f16(__m512 x) { return _mm512_cvtph_ps(_mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)); }
};

}  // namespace

void attend_row_f16_avx512(const float* scores, const float* v_head, int64_t v_ld, int64_t n_vis, int64_t hd, float* acc,
                         float* out) {
    attend_row<LaneF16Ops<Avx512Lanes>>(scores, v_head, v_ld, n_vis, hd, acc, out);
}

}  // namespace qs::attention_detail
