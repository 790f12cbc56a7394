// Scale-search helpers of the K-quants; see quant_math.h. Float expressions keep ggml's
// left-to-right association (e.g. w*l*l is (w*l)*l) because byte identity depends on it.
#include "quant/quant_math.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>

#include "core/error.h"
#include "quant/qkx_search.h"

namespace qs::quant_detail {

namespace {

// Levels of the symmetric quantizer for inverse scale iscale, clamped to [-nmax, nmax-1].
inline int symmetric_level(float iscale, float x, int nmax) {
    return std::max(-nmax, std::min(nmax - 1, nearest_int(iscale * x)));
}

// Index of the largest |x| (first one on ties) and its signed value.
float signed_absmax(int n, const float* x) {
    float max = 0, amax = 0;
    for (int i = 0; i < n; ++i) {
        const float ax = std::fabs(x[i]);
        if (ax > amax) {
            amax = ax;
            max = x[i];
        }
    }
    return max;
}

}  // namespace

float make_qx_quants(int n, int nmax, const float* x, int8_t* L, const float* weights) {
    const float max = signed_absmax(n, x);
    if (std::fabs(max) < kGroupMaxEps) {  // all zero
        std::fill(L, L + n, int8_t(0));
        return 0.f;
    }
    auto weight = [&](int i) { return weights ? weights[i] : x[i] * x[i]; };

    // Start: the largest magnitude maps to -nmax (so the sign of the scale follows that value).
    float iscale = float(-nmax) / max;
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        const int l = symmetric_level(iscale, x[i], nmax);
        L[i] = int8_t(l + nmax);
        const float w = weight(i);
        sumlx += w * x[i] * float(l);
        suml2 += w * float(l) * float(l);
    }
    float scale = suml2 != 0.f ? sumlx / suml2 : 0.0f;
    float best = scale * sumlx;

    // Nearby scales: for fixed levels the optimal scale is sumlx/suml2 and the error decreases
    // with sumlx^2/suml2, so compare that (cross-multiplied, as ggml does). The steps do not
    // depend on one another: the level's search computes them at once (qkx_search.h).
    if (n > kQkxMaxElements)
        throw Error(fmt::format("scale search: {} values exceed its {}", n, kQkxMaxElements));
    static const QxSearchFn search = qx_search_for(cpu_best_isa());
    std::array<float, kQkxMaxElements> w{};
    for (int i = 0; i < n; ++i) w[size_t(i)] = weight(i);
    QxSearch s{.n = n, .nmax = nmax, .x = x, .w = w.data(), .max = max};
    search(s);
    for (int step = 0; step < kQxSteps; ++step) {
        const float sumlx_is = s.sumlx[step], suml2_is = s.suml2[step];
        if (suml2_is > 0 && sumlx_is * sumlx_is > best * suml2_is) {
            for (int i = 0; i < n; ++i) L[i] = int8_t(nmax + s.levels[i][step]);
            scale = sumlx_is / suml2_is;
            best = scale * sumlx_is;
        }
    }
    return scale;
}

float make_q3_quants(int n, int nmax, const float* x, int8_t* L) {
    const float max = signed_absmax(n, x);
    if (std::fabs(max) < kGroupMaxEps) {  // all zero: levels 0, not nmax (ggml leaves them so)
        std::fill(L, L + n, int8_t(0));
        return 0.f;
    }
    const float iscale = float(-nmax) / max;
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        const int l = symmetric_level(iscale, x[i], nmax);
        L[i] = int8_t(l);
        const float w = x[i] * x[i];
        sumlx += w * x[i] * float(l);
        suml2 += w * float(l) * float(l);
    }
    // Coordinate descent: for each element, the level that best fits it given the scale implied by
    // all the others (sl2/slx); accept it if the total fit sumlx^2/suml2 improves.
    for (int itry = 0; itry < 5; ++itry) {
        int n_changed = 0;
        for (int i = 0; i < n; ++i) {
            const float w = x[i] * x[i];
            float slx = sumlx - w * x[i] * float(L[i]);
            if (slx > 0) {
                float sl2 = suml2 - w * float(L[i]) * float(L[i]);
                int new_l = nearest_int(x[i] * sl2 / slx);
                new_l = std::max(-nmax, std::min(nmax - 1, new_l));
                if (new_l != L[i]) {
                    slx += w * x[i] * float(new_l);
                    sl2 += w * float(new_l) * float(new_l);
                    if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                        L[i] = int8_t(new_l);
                        sumlx = slx;
                        suml2 = sl2;
                        ++n_changed;
                    }
                }
            }
        }
        if (!n_changed) break;
    }
    for (int i = 0; i < n; ++i) L[i] = int8_t(L[i] + nmax);
    return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

namespace {

// The steps of make_qkx2_quants / make_qkx3_quants (qkx_search.h, the level's SIMD search): each
// step whose error is below the best so far replaces L, scale and min, as in ggml's loop.
void search_candidate_scales(int n, int nmax, const float* x, const float* w, float min, float max, float sum_w,
                             float sum_x, float rmin, float rdelta, int nstep, bool use_mad, bool clamp_first,
                             uint8_t* L, float best_error, float& scale, float& best_min) {
    // ggml's loop, step by step: min (the level offset and the range max - min) is the best step's
    // so far. The search computes steps together with one min, so it restarts after a move.
    if (n > kQkxMaxElements || nstep >= kQkxMaxSteps)
        throw Error(fmt::format("K-quant scale search: {} values and {} steps exceed its {} and {}", n, nstep + 1,
                                kQkxMaxElements, kQkxMaxSteps));
    static const QkxSearchFn search = qkx_search_for(cpu_best_isa());
    QkxSearch s{.n = n, .nmax = nmax, .nstep = nstep, .x = x, .w = w, .min = min, .max = max, .sum_w = sum_w,
                .sum_x = sum_x, .rmin = rmin, .rdelta = rdelta, .use_mad = use_mad, .clamp_first = clamp_first};
    best_min = min;
    for (s.first = 0; s.first <= nstep;) {
        s.min = best_min;
        search(s);
        int restart = nstep + 1;
        for (int is = s.first; is <= nstep; ++is) {
            if (!s.valid[is] || !(s.error[is] < best_error)) continue;
            best_error = s.error[is];
            scale = s.scale[is];
            for (int i = 0; i < n; ++i) L[i] = s.levels[i][is];
            const bool moved = std::bit_cast<uint32_t>(s.min_of[is]) != std::bit_cast<uint32_t>(best_min);
            best_min = s.min_of[is];
            if (moved) {  // the later steps round with the new min: search them again
                restart = is + 1;
                break;
            }
        }
        s.first = restart;
    }
}

}  // namespace

float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, uint8_t* L, float* the_min, float rmin,
                       float rdelta, int nstep, bool use_mad) {
    float min = x[0], max = x[0];
    float sum_w = weights[0];
    float sum_x = sum_w * x[0];
    for (int i = 1; i < n; ++i) {
        if (x[i] < min) min = x[i];
        if (x[i] > max) max = x[i];
        const float w = weights[i];
        sum_w += w;
        sum_x += w * x[i];
    }
    if (min > 0) min = 0;  // the offset only ever subtracts: a zero must stay representable
    if (max == min) {
        std::fill(L, L + n, uint8_t(0));
        *the_min = -min;
        return 0.f;
    }
    auto error_of = [use_mad](float diff) { return use_mad ? std::fabs(diff) : diff * diff; };
    auto level = [nmax](float iscale, float v) { return std::max(0, std::min(nmax, nearest_int(iscale * v))); };

    float iscale = float(nmax) / (max - min);
    float scale = 1 / iscale;
    float best_error = 0;
    for (int i = 0; i < n; ++i) {
        L[i] = uint8_t(level(iscale, x[i] - min));
        const float diff = scale * float(L[i]) + min - x[i];
        best_error += weights[i] * error_of(diff);
    }
    if (nstep < 1) {
        *the_min = -min;
        return scale;
    }
    search_candidate_scales(n, nmax, x, weights, min, max, sum_w, sum_x, rmin, rdelta, nstep, use_mad, false, L,
                            best_error, scale, min);
    *the_min = -min;
    return scale;
}

float make_qkx3_quants(int n, int nmax, const float* x, const float* weights, uint8_t* L, float* the_min, float rmin,
                       float rdelta, int nstep, bool use_mad) {
    auto weight = [&](int i) { return weights ? weights[i] : x[i] * x[i]; };
    float min = x[0], max = x[0];
    float sum_w = weight(0);
    float sum_x = sum_w * x[0];
    for (int i = 1; i < n; ++i) {
        if (x[i] < min) min = x[i];
        if (x[i] > max) max = x[i];
        const float w = weight(i);
        sum_w += w;
        sum_x += w * x[i];
    }
    if (min > 0) min = 0;
    if (max <= min) {
        std::fill(L, L + n, uint8_t(0));
        *the_min = -min;
        return 0.f;
    }
    auto error_of = [use_mad](float diff) { return use_mad ? std::fabs(diff) : diff * diff; };
    float iscale = float(nmax) / (max - min);
    float scale = 1 / iscale;
    float best_error = 0;
    for (int i = 0; i < n; ++i) {
        L[i] = uint8_t(std::max(0, std::min(nmax, nearest_int(iscale * (x[i] - min)))));
        const float diff = scale * float(L[i]) + min - x[i];
        best_error += weight(i) * error_of(diff);
    }
    if (nstep < 1) {
        *the_min = -min;
        return scale;
    }
    std::array<float, kQkxMaxElements> w{};
    if (n <= kQkxMaxElements)
        for (int i = 0; i < n; ++i) w[size_t(i)] = weight(i);
    search_candidate_scales(n, nmax, x, w.data(), min, max, sum_w, sum_x, rmin, rdelta, nstep, use_mad, true, L,
                            best_error, scale, min);
    *the_min = -min;
    return scale;
}

float make_qp_quants(int n, int nmax, const float* x, uint8_t* L, const float* quant_weights) {
    float max = 0;
    for (int i = 0; i < n; ++i) max = std::max(max, x[i]);
    if (max < kGroupMaxEps) {  // all zero
        std::fill(L, L + n, uint8_t(0));
        return 0.f;
    }
    float iscale = float(nmax) / max;
    for (int i = 0; i < n; ++i) L[i] = uint8_t(nearest_int(iscale * x[i]));
    const float scale = 1 / iscale;
    float best_mse = 0;
    for (int i = 0; i < n; ++i) {
        const float diff = x[i] - scale * float(L[i]);
        best_mse += quant_weights[i] * diff * diff;
    }
    for (int is = -4; is <= 4; ++is) {
        if (is == 0) continue;
        const float iscale_is = (0.1f * float(is) + float(nmax)) / max;
        const float scale_is = 1 / iscale_is;
        float mse = 0;
        for (int i = 0; i < n; ++i) {
            const int l = std::min(nmax, nearest_int(iscale_is * x[i]));
            const float diff = x[i] - scale_is * float(l);
            mse += quant_weights[i] * diff * diff;
        }
        if (mse < best_mse) {
            best_mse = mse;
            iscale = iscale_is;
        }
    }
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        const int l = std::min(nmax, nearest_int(iscale * x[i]));
        L[i] = uint8_t(l);
        const float w = quant_weights[i];
        sumlx += w * x[i] * float(l);
        suml2 += w * float(l) * float(l);
    }
    for (int itry = 0; itry < 5; ++itry) {
        int n_changed = 0;
        for (int i = 0; i < n; ++i) {
            const float w = quant_weights[i];
            float slx = sumlx - w * x[i] * float(L[i]);
            float sl2 = suml2 - w * float(L[i]) * float(L[i]);
            if (slx > 0 && sl2 > 0) {
                const int new_l = std::min(nmax, nearest_int(x[i] * sl2 / slx));
                if (new_l != L[i]) {
                    slx += w * x[i] * float(new_l);
                    sl2 += w * float(new_l) * float(new_l);
                    if (slx * slx * suml2 > sumlx * sumlx * sl2) {
                        L[i] = uint8_t(new_l);
                        sumlx = slx;
                        suml2 = sl2;
                        ++n_changed;
                    }
                }
            }
        }
        if (!n_changed) break;
    }
    return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

void pack_scale_min_k4(const uint8_t scales[8], const uint8_t mins[8], uint8_t packed[12]) {
    for (int j = 0; j < 8; ++j) {
        const uint8_t ls = scales[j], lm = mins[j];
        if (j < 4) {
            packed[j] = ls;
            packed[j + 4] = lm;
        } else {
            packed[j + 4] = uint8_t((ls & 0xF) | ((lm & 0xF) << 4));
            packed[j - 4] |= uint8_t((ls >> 4) << 6);
            packed[j] |= uint8_t((lm >> 4) << 6);
        }
    }
}

}  // namespace qs::quant_detail
