// The candidate-scale search's scalar reference and the choice of level; see qkx_search.h.
#include "quant/qkx_search.h"

#include <algorithm>
#include <cmath>

#include "quant/quant_math.h"

namespace qs::quant_detail {

#if defined(__x86_64__)
void qkx_search_avx2(QkxSearch& s);
void qkx_search_avx512(QkxSearch& s);
void qx_search_avx2(QxSearch& s);
void qx_search_avx512(QxSearch& s);
#endif

void qkx_search_scalar(QkxSearch& s) {
    for (int is = s.first; is <= s.nstep; ++is) {
        const float iscale = (s.rmin + s.rdelta * float(is) + float(s.nmax)) / (s.max - s.min);
        float sum_l = 0, sum_l2 = 0, sum_xl = 0;
        for (int i = 0; i < s.n; ++i) {
            int l;
            if (s.clamp_first) {
                // min is the best fit so far and may sit near max: v can be huge, so clamp first.
                const float v = iscale * (s.x[i] - s.min);
                l = v > 0 ? nearest_int(std::min(v, float(s.nmax))) : 0;
            } else {
                l = std::max(0, std::min(s.nmax, nearest_int(iscale * (s.x[i] - s.min))));
            }
            s.levels[i][is] = uint8_t(l);
            const float w = s.w[i];
            sum_l += w * float(l);
            sum_l2 += w * float(l) * float(l);
            sum_xl += w * float(l) * s.x[i];
        }
        // Weighted least squares for x ~ scale*l + m over the fixed levels (Cramer's rule).
        const float D = s.sum_w * sum_l2 - sum_l * sum_l;
        s.valid[is] = D > 0;
        if (!s.valid[is]) continue;
        float this_scale = (s.sum_w * sum_xl - s.sum_x * sum_l) / D;
        float this_min = (sum_l2 * s.sum_x - sum_l * sum_xl) / D;
        if (this_min > 0) {  // a positive offset is not representable: refit the scale alone
            this_min = 0;
            this_scale = sum_xl / sum_l2;
        }
        float cur_error = 0;
        for (int i = 0; i < s.n; ++i) {
            const float diff = this_scale * float(s.levels[i][is]) + this_min - s.x[i];
            cur_error += s.w[i] * (s.use_mad ? std::fabs(diff) : diff * diff);
        }
        s.scale[is] = this_scale;
        s.min_of[is] = this_min;
        s.error[is] = cur_error;
    }
}

void qx_search_scalar(QxSearch& s) {
    for (int step = 0; step < kQxSteps; ++step) {
        const float iscale = -(float(s.nmax) + 0.1f * float(qx_step_is(step))) / s.max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < s.n; ++i) {
            const int l = std::max(-s.nmax, std::min(s.nmax - 1, nearest_int(iscale * s.x[i])));
            s.levels[i][step] = int8_t(l);
            const float w = s.w[i];
            sumlx += w * s.x[i] * float(l);
            suml2 += w * float(l) * float(l);
        }
        s.sumlx[step] = sumlx;
        s.suml2[step] = suml2;
    }
}

namespace {

// The function of the best level the CPU and `isa` allow.
template <class Fn>
Fn pick_level(Isa isa, Fn scalar, [[maybe_unused]] Fn avx2, [[maybe_unused]] Fn avx512) {
    if (!isa_supported(isa)) isa = cpu_best_isa();
#if defined(__x86_64__)
    if (isa == Isa::Avx512) return avx512;
    if (isa == Isa::Avx2) return avx2;
#endif
    return scalar;
}

}  // namespace

#if defined(__x86_64__)
QxSearchFn qx_search_for(Isa isa) { return pick_level(isa, qx_search_scalar, qx_search_avx2, qx_search_avx512); }
QkxSearchFn qkx_search_for(Isa isa) { return pick_level(isa, qkx_search_scalar, qkx_search_avx2, qkx_search_avx512); }
#else
QxSearchFn qx_search_for(Isa isa) { return pick_level(isa, qx_search_scalar, qx_search_scalar, qx_search_scalar); }
QkxSearchFn qkx_search_for(Isa isa) { return pick_level(isa, qkx_search_scalar, qkx_search_scalar, qkx_search_scalar); }
#endif

}  // namespace qs::quant_detail
