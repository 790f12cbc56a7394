// Online-softmax attention of one query row: the scalar reference and the dispatch to the
// instruction set's version (attention_row.h; the skeleton in attention_row_impl.h).
#include "model/attention_row.h"

#include "core/cpu_features.h"
#include "model/attention_row_impl.h"

namespace qs {

namespace {

// The reference's f32 accumulator: one fused multiply-add per element, as ggml_vec_mad_f32.
struct ScalarF32Ops {
    static void rescale(float* acc, int64_t hd, float ms) {
        for (int64_t d = 0; d < hd; ++d) acc[d] *= ms;
    }
    static void accumulate(float* acc, const float* vj, int64_t hd, float vs) {
        for (int64_t d = 0; d < hd; ++d) acc[d] = std::fma(vj[d], vs, acc[d]);
    }
};

using RowFn = void (*)(const float*, const float*, int64_t, int64_t, int64_t, float*, float*);

RowFn f16_row_for(Isa isa) {
#if defined(QS_ATTENTION_ROW_X86)
    if (isa == Isa::Avx512) return attention_detail::attend_row_f16_avx512;
    if (isa == Isa::Avx2) return attention_detail::attend_row_f16_avx2;
#endif
    (void)isa;
    return attention_detail::attend_row<attention_detail::ScalarF16Ops>;
}

}  // namespace

void attend_row_online(const float* scores, const float* v_head, int64_t v_ld, int64_t n_vis, int64_t hd, bool f16_acc,
                       float* acc, float* out, Isa isa) {
    if (f16_acc) return f16_row_for(isa)(scores, v_head, v_ld, n_vis, hd, acc, out);
    attention_detail::attend_row<ScalarF32Ops>(scores, v_head, v_ld, n_vis, hd, acc, out);
}

void attend_row_online_reference(const float* scores, const float* v_head, int64_t v_ld, int64_t n_vis, int64_t hd,
                                 bool f16_acc, float* acc, float* out) {
    if (f16_acc)
        attention_detail::attend_row<attention_detail::ScalarF16Ops>(scores, v_head, v_ld, n_vis, hd, acc, out);
    else
        attention_detail::attend_row<ScalarF32Ops>(scores, v_head, v_ld, n_vis, hd, acc, out);
}

}  // namespace qs
