// ggml's IQ quantizers (ggml-quants.c quantize_row_iq*_impl, quantize_iq4_nl / iq4_xs), what
// llama-quantize runs for the IQ types. Float expressions keep ggml's order (see quant_math.h).
//
// iq4_nl / iq4_xs: per 32 elements a weighted search over 15 candidate scales for the non-linear
// 16-value table; iq4_xs then quantizes the 8 sub-block scales to 6 bits against the largest.
// Grid types (iq2_xxs, iq2_xs, iq2_s, iq3_xxs, iq3_s): signs are taken out (iq2_xxs/xs/iq3_xxs
// store 7 sign bits per 8 and flip the least important element to keep the count of minus signs
// even), then a scale search maps the magnitudes to grid levels; a level vector not on the grid
// is replaced by its best neighbour (iq_grid_search.h). Sub-block scales are 4-bit odd multiples
// of a super-block scale max_scale / 31 (times a small per-type fudge factor, as ggml).
//
// Weights: qw[i] * sqrt(sigma2 + x[i]^2) with the imatrix, else a type-specific default (x^2 for
// iq3 / iq4; iq2_s: sigma2 / 4 + x^2). iq2_xxs and iq2_xs have no default: they require an
// importance matrix, as in ggml.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "quant/iq_grid_search.h"
#include "quant/quant_math.h"
#include "quant/quantize_rows.h"
#include "tensor/blocks_iq.h"
#include "tensor/iq_tables.h"

namespace qs::quant_detail {

namespace {

constexpr float kGroupMaxEpsIq3Xxs = 1e-8f;
constexpr float kGroupMaxEpsIq2S = 1e-8f;

// Index of the value of the sorted table nearest to x (ties to the larger), ggml best_index_int8.
inline int best_index_int8(int n, const int8_t* val, float x) {
    const float x2 = x + x;
    int idx = 0;
    for (int step = n >> 1; step > 0; step >>= 1) {
        const int j = idx + step;
        idx = (x2 >= float(val[j - 1] + val[j])) ? j : idx;
    }
    return idx;
}

// Per-element weights of n elements: qw * sqrt(sigma2 + x^2) with importance weights, else x^2 (the
// default of iq3_xxs / iq3_s / iq4).
void element_weights(const float* qw, const float* xb, float sigma2, int n, float* weight) {
    if (qw) {
        for (int i = 0; i < n; ++i) weight[i] = qw[i] * std::sqrt(sigma2 + xb[i] * xb[i]);
    } else {
        for (int i = 0; i < n; ++i) weight[i] = xb[i] * xb[i];
    }
}

// ---------------------------------------------------------------------------------------------
// iq4_nl / iq4_xs
// ---------------------------------------------------------------------------------------------

// One super-block (ggml quantize_row_iq4_nl_impl with nvalues 16): writes *dh, q4 (super / 2
// bytes), and for several sub-blocks the 6-bit scales.
void iq4_superblock(int super_block_size, const float* x, fp16_t* dh, uint8_t* q4, uint16_t* scales_h,
                    uint8_t* scales_l, float* scales, const float* quant_weights, int ntry) {
    constexpr int block_size = 32, nvalues = 16;
    const int8_t* values = iq::kvalues_iq4nl;
    float weight[block_size];
    uint8_t L[QK_K];
    float sigma2 = sum_of_squares(x, super_block_size);
    sigma2 *= 2.f / float(super_block_size);

    std::memset(q4, 0, size_t(super_block_size / 2));
    *dh = fp32_to_fp16(0.f);

    float max_scale = 0, amax_scale = 0;
    for (int ib = 0; ib < super_block_size / block_size; ++ib) {
        const float* xb = x + ib * block_size;
        uint8_t* Lb = L + ib * block_size;
        element_weights(quant_weights ? quant_weights + ib * block_size : nullptr, xb, sigma2, block_size, weight);
        float amax = 0, max = 0;
        for (int j = 0; j < block_size; ++j) {
            const float ax = std::fabs(xb[j]);
            if (ax > amax) {
                amax = ax;
                max = xb[j];
            }
        }
        if (amax < kGroupMaxEps) {
            scales[ib] = 0;
            std::memset(Lb, 0, block_size);
            continue;
        }
        float d = ntry > 0 ? -max / float(values[0]) : max / float(values[0]);
        float id = 1 / d;
        float sumqx = 0, sumq2 = 0;
        for (int j = 0; j < block_size; ++j) {
            const int l = best_index_int8(nvalues, values, id * xb[j]);
            Lb[j] = uint8_t(l);
            const float q = values[l];
            const float w = weight[j];
            sumqx += w * q * xb[j];
            sumq2 += w * q * q;
        }
        d = sumq2 > 0 ? sumqx / sumq2 : 0.f;
        float best = d * sumqx;
        for (int itry = -ntry; itry <= ntry; ++itry) {
            id = (float(itry) + float(values[0])) / max;
            sumqx = sumq2 = 0;
            for (int j = 0; j < block_size; ++j) {
                const int l = best_index_int8(nvalues, values, id * xb[j]);
                const float q = values[l];
                const float w = weight[j];
                sumqx += w * q * xb[j];
                sumq2 += w * q * q;
            }
            if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                d = sumqx / sumq2;
                best = d * sumqx;
            }
        }
        scales[ib] = d;
        const float abs_d = std::fabs(d);
        if (abs_d > amax_scale) {
            amax_scale = abs_d;
            max_scale = d;
        }
    }

    if (super_block_size / block_size > 1) {
        const int nb = super_block_size / block_size;
        std::memset(scales_h, 0, size_t((nb + 7) / 8) * sizeof(uint16_t));
        const float d = -max_scale / 32;
        *dh = fp32_to_fp16(d);
        const float id = d != 0.f ? 1 / d : 0.f;
        for (int ib = 0; ib < nb; ++ib) {
            int l = std::max(-32, std::min(31, nearest_int(id * scales[ib])));
            const float dl = d * float(l);
            const float idl = dl != 0.f ? 1 / dl : 0.f;
            uint8_t* Lb = L + ib * block_size;
            const float* xb = x + ib * block_size;
            for (int j = 0; j < block_size; ++j) Lb[j] = uint8_t(best_index_int8(nvalues, values, idl * xb[j]));
            l += 32;
            const uint8_t l_l = uint8_t(l & 0xf), l_h = uint8_t(l >> 4);
            if (ib % 2 == 0) scales_l[ib / 2] = l_l;
            else scales_l[ib / 2] |= uint8_t(l_l << 4);
            scales_h[ib / 8] = uint16_t(scales_h[ib / 8] | (l_h << 2 * (ib % 8)));
        }
    } else {
        *dh = fp32_to_fp16(scales[0]);
        if (ntry > 0) {
            const float id = scales[0] != 0.f ? 1 / scales[0] : 0;
            for (int j = 0; j < super_block_size; ++j) L[j] = uint8_t(best_index_int8(nvalues, values, id * x[j]));
        }
    }
    for (int i = 0; i < super_block_size / 32; ++i)
        for (int j = 0; j < 16; ++j) q4[16 * i + j] = uint8_t(L[32 * i + j] | (L[32 * i + 16 + j] << 4));
}

// ---------------------------------------------------------------------------------------------
// Grid types: shared steps
// ---------------------------------------------------------------------------------------------

// Best grid point among an off-grid level vector's neighbours for (xval * scale) by weighted
// squared error; writes its levels to L and returns its grid index (ggml iq2/iq3_find_best_neighbour).
int best_neighbour(const IqGridSearch& g, int index, const float* xval, const float* weight, float scale, int8_t* L) {
    const uint16_t* nb = g.neighbours_of(index);
    const int count = nb[0];
    float best_d2 = FLT_MAX;
    int grid_index = -1;
    for (int j = 1; j <= count; ++j) {
        const int8_t* pg = g.point(nb[j]);
        float d2 = 0;
        for (int i = 0; i < g.dim; ++i) {
            const float q = pg[i];
            const float diff = scale * q - xval[i];
            d2 += weight[i] * diff * diff;
        }
        if (d2 < best_d2) {
            best_d2 = d2;
            grid_index = nb[j];
        }
    }
    const int8_t* pg = g.point(grid_index);
    for (int i = 0; i < g.dim; ++i) L[i] = int8_t((pg[i] - 1) / 2);
    return grid_index;
}

// Level (0..kMaxQ-1) of a magnitude for inverse scale id: nearest odd multiple 2 l + 1.
inline int grid_level(float id, float xval, int kMaxQ) {
    return std::max(0, std::min(kMaxQ - 1, nearest_int(0.5f * (id * xval - 1))));
}

// Index of a level vector of g.dim levels.
inline int level_index(const IqGridSearch& g, const int8_t* L) {
    int u = 0;
    for (int i = 0; i < g.dim; ++i) u |= L[i] << (g.bits * i);
    return u;
}

// Magnitudes and sign bits of 8 elements; with `even_signs` an odd count of minus signs is made even
// by flipping the element with the smallest weight * x^2 (its sign is then implied).
uint8_t take_signs(const float* xb, const float* weight, bool even_signs, float* xval) {
    int nflip = 0;
    uint8_t s = 0;
    for (int i = 0; i < 8; ++i) {
        if (xb[i] >= 0) {
            xval[i] = xb[i];
        } else {
            xval[i] = -xb[i];
            ++nflip;
            s = uint8_t(s | (1 << i));
        }
    }
    if (even_signs && nflip % 2) {
        int imin = 0;
        float min = weight[imin] * xb[imin] * xb[imin];
        for (int i = 1; i < 8; ++i) {
            const float ax = weight[i] * xb[i] * xb[i];
            if (ax < min) {
                min = ax;
                imin = i;
            }
        }
        xval[imin] = -xval[imin];
        s = uint8_t(s ^ (1 << imin));
    }
    return even_signs ? uint8_t(s & 127) : s;
}

// sum(w * xval * q) and sum(w * q^2) for q = 2 L + 1.
inline void fit_sums(int n, const float* weight, const float* xval, const int8_t* L, float& sumqx, float& sumq2) {
    sumqx = sumq2 = 0;
    for (int i = 0; i < n; ++i) {
        const float w = weight[i];
        const float q = float(2 * L[i] + 1);
        sumqx += w * xval[i] * q;
        sumq2 += w * q * q;
    }
}

// The scale search of iq2_xs / iq2_s / iq3_xxs / iq3_s over one sub-block of n elements
// (groups of g.dim): candidate inverse scales (2 kMaxQ - 1 + is * step) / max for is in
// [-nsteps, nsteps], levels of each candidate snapped to the grid; the best fit's levels go to L.
// Then, unless every group was on the grid, the off-grid groups (all groups when redo_all) are
// requantized with the best scale and the scale refitted. Returns the scale.
float grid_scale_search(const IqGridSearch& g, int n, int kMaxQ, float max, int nsteps, float step, bool on_grid_init,
                        bool redo_all, const float* xval, const float* weight, const float* waux, int8_t* L) {
    const int groups = n / g.dim;
    bool is_on_grid[8], is_on_grid_aux[8];
    int8_t Laux[32];
    float best = 0;
    float scale = max / float(2 * kMaxQ - 1);
    for (int k = 0; k < groups; ++k) is_on_grid[k] = on_grid_init;
    for (int is = -nsteps; is <= nsteps; ++is) {
        const float id = (float(2 * kMaxQ - 1) + float(is) * step) / max;
        const float this_scale = 1 / id;
        for (int k = 0; k < groups; ++k) {
            for (int i = 0; i < g.dim; ++i) Laux[g.dim * k + i] = int8_t(grid_level(id, xval[g.dim * k + i], kMaxQ));
            const int u = level_index(g, Laux + g.dim * k);
            is_on_grid_aux[k] = g.map[size_t(u)] >= 0;
            if (!is_on_grid_aux[k])
                best_neighbour(g, u, xval + g.dim * k, waux + g.dim * k, this_scale, Laux + g.dim * k);
        }
        float sumqx, sumq2;
        fit_sums(n, weight, xval, Laux, sumqx, sumq2);
        if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
            scale = sumqx / sumq2;
            best = scale * sumqx;
            std::copy(Laux, Laux + n, L);
            std::copy(is_on_grid_aux, is_on_grid_aux + groups, is_on_grid);
        }
    }
    int n_not_ongrid = 0;
    for (int k = 0; k < groups; ++k)
        if (!is_on_grid[k]) ++n_not_ongrid;
    if (n_not_ongrid > 0 && scale > 0) {
        const float id = 1 / scale;
        for (int k = 0; k < groups; ++k) {
            if (!redo_all && is_on_grid[k]) continue;
            int8_t lv[8];
            for (int i = 0; i < g.dim; ++i) lv[i] = int8_t(grid_level(id, xval[g.dim * k + i], kMaxQ));
            const int u = level_index(g, lv);
            int grid_index = g.map[size_t(u)];
            if (grid_index < 0) grid_index = best_neighbour(g, u, xval + g.dim * k, waux + g.dim * k, scale, L + g.dim * k);
            const int8_t* pg = g.point(grid_index);
            for (int i = 0; i < g.dim; ++i) L[g.dim * k + i] = int8_t((pg[i] - 1) / 2);
        }
        float sumqx, sumq2;
        fit_sums(n, weight, xval, L, sumqx, sumq2);
        if (sumq2 > 0) scale = sumqx / sumq2;
    }
    return scale;
}

// Grid index of an on-grid level vector (ggml aborts otherwise; unreachable).
int grid_index_of(const IqGridSearch& g, const int8_t* L) {
    const int index = g.map[size_t(level_index(g, L))];
    if (index < 0) throw Error("IQ quantizer: internal error, a level vector is not on the grid");
    return index;
}

// 4-bit sub-block scale level of an odd multiple: nearest (s / d - 1) / 2 in [0, 15].
inline int odd_scale_level(float id, float scale) { return std::max(0, std::min(15, nearest_int(0.5f * (id * scale - 1)))); }

void require_weights(const float* qw, const char* type) {
    if (!qw) throw Error(fmt::format("{} needs an importance matrix (quant weights); none was given", type));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Row quantizers (one row of n elements; qw: n importance weights, or null)
// ---------------------------------------------------------------------------------------------

void quantize_row_iq4_nl(const float* x, void* y, int64_t n, const float* qw) {
    auto* blocks = static_cast<block_iq4_nl*>(y);
    float scale;
    uint16_t unused_h;
    for (int64_t ib = 0; ib < n / QK4_NL; ++ib)
        iq4_superblock(QK4_NL, x + QK4_NL * ib, &blocks[ib].d, blocks[ib].qs, &unused_h, nullptr, &scale,
                       qw ? qw + QK4_NL * ib : nullptr, 7);
}

void quantize_row_iq4_xs(const float* x, void* y, int64_t n, const float* qw) {
    auto* blocks = static_cast<block_iq4_xs*>(y);
    float scales[QK_K / 32];
    for (int64_t ib = 0; ib < n / QK_K; ++ib)
        iq4_superblock(QK_K, x + QK_K * ib, &blocks[ib].d, blocks[ib].qs, &blocks[ib].scales_h, blocks[ib].scales_l, scales,
                       qw ? qw + QK_K * ib : nullptr, 7);
}

// iq2_xxs: scale start from make_qp_quants, 13 candidates around it; every group re-snapped with
// the final scale.
void quantize_row_iq2_xxs(const float* x, void* vy, int64_t n, const float* quant_weights) {
    require_weights(quant_weights, "iq2_xxs");
    const IqGridSearch& g = iq_grid_search(IqGridKind::Iq2xxs);
    constexpr int kMaxQ = 3;
    auto* y = static_cast<block_iq2_xxs*>(vy);
    float scales[QK_K / 32], weight[32], xval[32], waux[32];
    int8_t L[32], Laux[32];
    uint8_t block_signs[4];
    uint32_t q2[2 * (QK_K / 32)];
    for (int64_t ibl = 0; ibl < n / QK_K; ++ibl) {
        y[ibl].d = fp32_to_fp16(0.f);
        std::memset(q2, 0, sizeof q2);
        float max_scale = 0;
        const float* xbl = x + QK_K * ibl;
        const float sumx2 = sum_of_squares(xbl, QK_K);
        const float sigma2 = sumx2 / QK_K;
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            const float* xb = xbl + 32 * ib;
            element_weights(quant_weights + QK_K * ibl + 32 * ib, xb, sigma2, 32, weight);
            for (int i = 0; i < 32; ++i) waux[i] = std::sqrt(weight[i]);
            for (int k = 0; k < 4; ++k) block_signs[k] = take_signs(xb + 8 * k, weight + 8 * k, true, xval + 8 * k);
            float max = xval[0];
            for (int i = 1; i < 32; ++i) max = std::max(max, xval[i]);
            if (max < kGroupMaxEps) {
                scales[ib] = 0;
                std::memset(L, 0, 32);
                continue;
            }
            float scale = make_qp_quants(32, kMaxQ + 1, xval, reinterpret_cast<uint8_t*>(L), weight);
            const float eff_max = scale * kMaxQ;
            if (eff_max <= 0) {
                scales[ib] = 0;
                std::memset(L, 0, 32);
                continue;
            }
            float best = 0;
            for (int is = -6; is <= 6; ++is) {
                const float id = (float(2 * kMaxQ - 1) + float(is) * 0.1f) / eff_max;
                const float this_scale = 1 / id;
                for (int k = 0; k < 4; ++k) {
                    for (int i = 0; i < 8; ++i) Laux[8 * k + i] = int8_t(grid_level(id, xval[8 * k + i], kMaxQ));
                    const int u = level_index(g, Laux + 8 * k);
                    if (g.map[size_t(u)] < 0) best_neighbour(g, u, xval + 8 * k, waux + 8 * k, this_scale, Laux + 8 * k);
                }
                float sumqx, sumq2;
                fit_sums(32, weight, xval, Laux, sumqx, sumq2);
                if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                    scale = sumqx / sumq2;
                    best = scale * sumqx;
                    std::memcpy(L, Laux, 32);
                }
            }
            if (scale > 0) {
                const float id = 1 / scale;
                for (int k = 0; k < 4; ++k) {
                    int8_t lv[8];
                    for (int i = 0; i < 8; ++i) lv[i] = int8_t(grid_level(id, xval[8 * k + i], kMaxQ));
                    const int u = level_index(g, lv);
                    int grid_index = g.map[size_t(u)];
                    if (grid_index < 0) grid_index = best_neighbour(g, u, xval + 8 * k, waux + 8 * k, scale, L + 8 * k);
                    const int8_t* pg = g.point(grid_index);
                    for (int i = 0; i < 8; ++i) L[8 * k + i] = int8_t((pg[i] - 1) / 2);
                }
                float sumqx, sumq2;
                fit_sums(32, weight, xval, L, sumqx, sumq2);
                if (sumq2 > 0) scale = sumqx / sumq2;
            }
            if (scale < 0) {  // never in practice: store a positive scale, flip the signs instead
                scale = -scale;
                for (int k = 0; k < 4; ++k) block_signs[k] = uint8_t(~block_signs[k] & 127);
            }
            for (int k = 0; k < 4; ++k) {
                q2[2 * ib + 0] |= uint32_t(grid_index_of(g, L + 8 * k)) << (8 * k);
                q2[2 * ib + 1] |= uint32_t(block_signs[k]) << (7 * k);
            }
            scales[ib] = scale;
            max_scale = std::max(max_scale, scale);
        }
        if (max_scale == 0.f) {
            std::memset(y[ibl].qs, 0, QK_K / 4);
            continue;
        }
        const float d = max_scale / 31;
        y[ibl].d = fp32_to_fp16(d);
        const float id = 1 / d;
        for (int ib = 0; ib < QK_K / 32; ++ib) q2[2 * ib + 1] |= uint32_t(odd_scale_level(id, scales[ib])) << 28;
        std::memcpy(y[ibl].qs, q2, QK_K / 4);
    }
}

// iq2_xs (7 sign bits per 8, grid of 512) and iq2_s (8 sign bits, grid of 1024): 16-element
// sub-blocks, 19 candidate scales.
template <bool kS>
void quantize_row_iq2_xs_s(const float* x, void* vy, int64_t n, const float* quant_weights) {
    const IqGridSearch& g = iq_grid_search(kS ? IqGridKind::Iq2s : IqGridKind::Iq2xs);
    constexpr int kMaxQ = 3;
    float scales[QK_K / 16], weight[16], xval[16], waux[16];
    int8_t L[16];
    uint8_t block_signs[2];
    uint16_t q2[2 * (QK_K / 16)];
    const int64_t nbl = n / QK_K;
    for (int64_t ibl = 0; ibl < nbl; ++ibl) {
        block_iq2_xs* bxs = kS ? nullptr : static_cast<block_iq2_xs*>(vy) + ibl;
        block_iq2_s* bs = kS ? static_cast<block_iq2_s*>(vy) + ibl : nullptr;
        if (kS) {
            std::memset(bs, 0, sizeof *bs);
        } else {
            bxs->d = fp32_to_fp16(0.f);
            std::memset(q2, 0, sizeof q2);
            std::memset(bxs->scales, 0, sizeof bxs->scales);
        }
        float max_scale = 0;
        const float* xbl = x + QK_K * ibl;
        const float sumx2 = sum_of_squares(xbl, QK_K);
        const float sigma2 = (kS ? 2 * sumx2 : sumx2) / QK_K;
        for (int ib = 0; ib < QK_K / 16; ++ib) {
            const float* xb = xbl + 16 * ib;
            if (quant_weights) {
                element_weights(quant_weights + QK_K * ibl + 16 * ib, xb, sigma2, 16, weight);
            } else {
                for (int i = 0; i < 16; ++i) weight[i] = 0.25f * sigma2 + xb[i] * xb[i];
            }
            for (int i = 0; i < 16; ++i) waux[i] = std::sqrt(weight[i]);
            for (int k = 0; k < 2; ++k) block_signs[k] = take_signs(xb + 8 * k, weight + 8 * k, !kS, xval + 8 * k);
            float max = xval[0];
            for (int i = 1; i < 16; ++i) max = std::max(max, xval[i]);
            std::memset(L, 0, 16);
            if (max < (kS ? kGroupMaxEpsIq2S : kGroupMaxEps)) {
                scales[ib] = 0;
                continue;
            }
            float scale = grid_scale_search(g, 16, kMaxQ, max, 9, 0.1f, true, false, xval, weight, waux, L);
            if (scale < 0) {
                scale = -scale;
                for (int k = 0; k < 2; ++k) block_signs[k] = uint8_t(kS ? ~block_signs[k] : ~block_signs[k] & 127);
            }
            for (int k = 0; k < 2; ++k) {
                const int grid_index = grid_index_of(g, L + 8 * k);
                if (kS) {
                    const int i8 = 2 * ib + k;
                    bs->qs[i8] = uint8_t(grid_index & 255);
                    bs->qh[i8 / 4] = uint8_t(bs->qh[i8 / 4] | ((grid_index >> 8) << 2 * (i8 % 4)));
                    bs->qs[QK_K / 8 + i8] = block_signs[k];
                } else {
                    q2[2 * ib + k] = uint16_t(grid_index | (block_signs[k] << 9));
                }
            }
            scales[ib] = scale;
            max_scale = std::max(max_scale, scale);
        }
        if (max_scale == 0.f) {
            if (!kS) std::memset(bxs->qs, 0, QK_K / 4);
            continue;
        }
        const float d = max_scale / 31;
        uint8_t* sc = kS ? bs->scales : bxs->scales;
        if (kS) bs->d = fp32_to_fp16(d * 0.9875f);
        else bxs->d = fp32_to_fp16(d);
        const float id = 1 / d;
        for (int ib = 0; ib < QK_K / 16; ++ib) {
            const int l = odd_scale_level(id, scales[ib]);
            if (ib % 2 == 0) sc[ib / 2] = uint8_t(l);
            else sc[ib / 2] = uint8_t(sc[ib / 2] | (l << 4));
        }
        if (!kS) std::memcpy(bxs->qs, q2, QK_K / 4);
    }
}

void quantize_row_iq2_xs(const float* x, void* y, int64_t n, const float* qw) {
    require_weights(qw, "iq2_xs");
    quantize_row_iq2_xs_s<false>(x, y, n, qw);
}
void quantize_row_iq2_s(const float* x, void* y, int64_t n, const float* qw) { quantize_row_iq2_xs_s<true>(x, y, n, qw); }

// iq3_xxs: 32-element sub-blocks, 8 groups of 4 on the 256-point grid, 31 candidate scales.
void quantize_row_iq3_xxs(const float* x, void* vy, int64_t n, const float* quant_weights) {
    const IqGridSearch& g = iq_grid_search(IqGridKind::Iq3xxs);
    constexpr int kMaxQ = 8;
    auto* y = static_cast<block_iq3_xxs*>(vy);
    float scales[QK_K / 32], weight[32], xval[32], waux[32];
    int8_t L[32];
    uint8_t block_signs[8];
    uint8_t q3[3 * (QK_K / 8)];
    for (int64_t ibl = 0; ibl < n / QK_K; ++ibl) {
        y[ibl].d = fp32_to_fp16(0.f);
        std::memset(q3, 0, sizeof q3);
        float max_scale = 0;
        const float* xbl = x + QK_K * ibl;
        const float sumx2 = sum_of_squares(xbl, QK_K);
        const float sigma2 = 2 * sumx2 / QK_K;
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            const float* xb = xbl + 32 * ib;
            element_weights(quant_weights ? quant_weights + QK_K * ibl + 32 * ib : nullptr, xb, sigma2, 32, weight);
            for (int i = 0; i < 32; ++i) waux[i] = std::sqrt(weight[i]);
            for (int k = 0; k < 4; ++k) block_signs[k] = take_signs(xb + 8 * k, weight + 8 * k, true, xval + 8 * k);
            float max = xval[0];
            for (int i = 1; i < 32; ++i) max = std::max(max, xval[i]);
            std::memset(L, 0, 32);
            if (max < kGroupMaxEpsIq3Xxs) {
                scales[ib] = 0;
                continue;
            }
            float scale = grid_scale_search(g, 32, kMaxQ, max, 15, 0.2f, true, false, xval, weight, waux, L);
            if (scale < 0) {
                scale = -scale;
                for (int k = 0; k < 4; ++k) block_signs[k] = uint8_t(~block_signs[k] & 127);
            }
            for (int k = 0; k < 8; ++k) q3[8 * ib + k] = uint8_t(grid_index_of(g, L + 4 * k));
            const uint32_t signs = uint32_t(block_signs[0]) | (uint32_t(block_signs[1]) << 7) |
                                   (uint32_t(block_signs[2]) << 14) | (uint32_t(block_signs[3]) << 21);
            std::memcpy(q3 + QK_K / 4 + 4 * ib, &signs, 4);
            scales[ib] = scale;
            max_scale = std::max(max_scale, scale);
        }
        if (max_scale == 0.f) {
            std::memset(y[ibl].qs, 0, sizeof y[ibl].qs);
            continue;
        }
        const float d = max_scale / 31;
        y[ibl].d = fp32_to_fp16(d * 1.0125f);  // ggml's fudge factor
        const float id = 1 / d;
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            uint32_t v;
            std::memcpy(&v, q3 + QK_K / 4 + 4 * ib, 4);
            v |= uint32_t(odd_scale_level(id, scales[ib])) << 28;
            std::memcpy(q3 + QK_K / 4 + 4 * ib, &v, 4);
        }
        std::memcpy(y[ibl].qs, q3, sizeof y[ibl].qs);
    }
}

// iq3_s: 32-element sub-blocks on the 512-point grid, 8 explicit sign bits per 8 elements, 19
// candidate scales; every group is re-snapped with the final scale.
void quantize_row_iq3_s(const float* x, void* vy, int64_t n, const float* quant_weights) {
    const IqGridSearch& g = iq_grid_search(IqGridKind::Iq3s);
    constexpr int kMaxQ = 8, block_size = 32;
    auto* y = static_cast<block_iq3_s*>(vy);
    float scales[QK_K / block_size], weight[block_size], xval[block_size], waux[block_size];
    int8_t L[block_size];
    uint8_t block_signs[block_size / 8];
    for (int64_t ibl = 0; ibl < n / QK_K; ++ibl) {
        std::memset(&y[ibl], 0, sizeof y[ibl]);
        y[ibl].d = fp32_to_fp16(0.f);
        uint8_t* qs = y[ibl].qs;
        uint8_t* signs = y[ibl].signs;
        float max_scale = 0;
        const float* xbl = x + QK_K * ibl;
        const float sumx2 = sum_of_squares(xbl, QK_K);
        const float sigma2 = 2 * sumx2 / QK_K;
        for (int ib = 0; ib < QK_K / block_size; ++ib) {
            const float* xb = xbl + block_size * ib;
            element_weights(quant_weights ? quant_weights + QK_K * ibl + block_size * ib : nullptr, xb, sigma2, block_size,
                            weight);
            for (int i = 0; i < block_size; ++i) waux[i] = std::sqrt(weight[i]);
            for (int k = 0; k < block_size / 8; ++k) block_signs[k] = take_signs(xb + 8 * k, weight + 8 * k, false, xval + 8 * k);
            float max = xval[0];
            for (int i = 1; i < block_size; ++i) max = std::max(max, xval[i]);
            std::memset(L, 0, block_size);
            if (max == 0.f) {
                scales[ib] = 0;
                continue;
            }
            float scale = grid_scale_search(g, block_size, kMaxQ, max, 9, 0.2f, false, true, xval, weight, waux, L);
            if (scale < 0) {
                scale = -scale;
                for (int k = 0; k < block_size / 8; ++k) block_signs[k] = uint8_t(~block_signs[k]);
            }
            for (int k = 0; k < block_size / 4; ++k) {
                const int grid_index = grid_index_of(g, L + 4 * k);
                const int i4 = ib * (block_size / 4) + k;
                qs[k] = uint8_t(grid_index & 255);
                y[ibl].qh[i4 / 8] = uint8_t(y[ibl].qh[i4 / 8] | ((grid_index >> 8) << (i4 % 8)));
            }
            qs += block_size / 4;
            std::memcpy(signs, block_signs, block_size / 8);
            signs += block_size / 8;
            scales[ib] = scale;
            max_scale = std::max(max_scale, scale);
        }
        if (max_scale == 0.f) continue;
        const float d = max_scale / 31;
        y[ibl].d = fp32_to_fp16(d * 1.033f);  // ggml's fudge factor
        const float id = 1 / d;
        for (int ib = 0; ib < QK_K / block_size; ib += 2) {
            const int l1 = odd_scale_level(id, scales[ib]), l2 = odd_scale_level(id, scales[ib + 1]);
            y[ibl].scales[ib / 2] = uint8_t(l1 | (l2 << 4));
        }
    }
}

}  // namespace qs::quant_detail
