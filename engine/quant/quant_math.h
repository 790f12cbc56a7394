// Private to engine/quant: the scale-search helpers shared by ggml's K-quant reference quantizers.
//
// Every function mirrors one helper of ggml/src/ggml-quants.c operation for operation. The order of
// float operations matters for byte identity (a different summation order or a fused multiply-add
// can move a scale by one ulp, which flips a rounding and changes a quant), so these files are
// built with -ffp-contract=off and without fast-math, and expressions keep ggml's association.
#pragma once

#include <bit>
#include <cstdint>

namespace qs::quant_detail {

// Sub-blocks whose largest magnitude is below this are treated as all zero (ggml GROUP_MAX_EPS).
constexpr float kGroupMaxEps = 1e-15f;

// Round to nearest, ties to even, for |v| < 2^22. Adding 1.5 * 2^23 forces the float adder to round
// v to an integer (in the current rounding mode: nearest-even), which then sits in the low mantissa
// bits. ggml uses this instead of lroundf (ties away from zero), so we must too.
inline int nearest_int(float v) {
    const float shifted = v + 12582912.f;
    const int32_t bits = std::bit_cast<int32_t>(shifted);
    return (bits & 0x007fffff) - 0x00400000;
}

// sum of x[i]^2, accumulated in float in index order (as every ggml quantizer computes its sigma2).
inline float sum_of_squares(const float* x, int64_t n) {
    float s = 0;
    for (int64_t i = 0; i < n; ++i) s += x[i] * x[i];
    return s;
}

// Symmetric quantization of n values to the integers [-nmax, nmax-1] (stored as L + nmax), with a
// weighted least-squares scale search (ggml make_qx_quants, rmse_type 1). The weight of x[i] is
// weights[i], or x[i]^2 when weights is null. Starts from the scale mapping the largest-magnitude
// value to -nmax, tries 18 nearby scales -(nmax + 0.1*is)/max and keeps the one maximising
// sum(w*x*l)^2 / sum(w*l^2) (equivalently minimising the weighted error). Returns the scale.
float make_qx_quants(int n, int nmax, const float* x, int8_t* L, const float* weights);

// 3-bit variant (ggml make_q3_quants with do_rmse): same start, then up to 5 passes of coordinate
// descent that move one quant at a time when that improves the x^2-weighted fit. L gets l + nmax.
float make_q3_quants(int n, int nmax, const float* x, int8_t* L);

// Asymmetric quantization x ~ scale * L - the_min with L in [0, nmax] (ggml make_qkx2_quants).
// Starts from the min/max range, then for nstep+1 candidate inverse scales
// (rmin + rdelta*is + nmax) / (max - min) solves the weighted 2x2 least-squares problem for
// (scale, min) and keeps the candidate with the smallest weighted error (|err| if use_mad, else
// err^2). Writes the chosen levels to L and -min to *the_min. n <= 32 and nstep < 48 (qkx_search.h).
float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, uint8_t* L, float* the_min, float rmin,
                       float rdelta, int nstep, bool use_mad);

// As make_qkx2_quants, for the importance-weighted quantizers (ggml make_qkx3_quants): the
// weight of x[i] is weights[i] (x[i]^2 when null), candidate levels are clamped before rounding
// (v > 0 ? nearest_int(min(v, nmax)) : 0), and a flat block (max <= min) gives all-zero levels.
float make_qkx3_quants(int n, int nmax, const float* x, const float* weights, uint8_t* L, float* the_min, float rmin,
                       float rdelta, int nstep, bool use_mad);

// Non-negative values x (e.g. sub-block scales) to levels L in [0, nmax] with a weighted scale
// search (ggml make_qp_quants): the scale of the largest value, 8 nearby scales (nmax + 0.1 is)/max
// by weighted squared error, then up to 5 passes of coordinate descent on the levels. Returns the
// scale (sumlx / suml2 of the final levels).
float make_qp_quants(int n, int nmax, const float* x, uint8_t* L, const float* quant_weights);

// Q4_K / Q5_K pack 8 six-bit scales and 8 six-bit mins into 12 bytes: bytes 0-3 hold scales 0-3,
// bytes 4-7 mins 0-3, bytes 8-11 the low nibbles of scale/min 4-7, and the top 2 bits of
// scale/min 4-7 go to the free top bits of bytes 0-7.
void pack_scale_min_k4(const uint8_t scales[8], const uint8_t mins[8], uint8_t packed[12]);
inline void unpack_scale_min_k4(int j, const uint8_t* packed, uint8_t* scale, uint8_t* min) {
    if (j < 4) {
        *scale = packed[j] & 63;
        *min = packed[j + 4] & 63;
    } else {
        *scale = uint8_t((packed[j + 4] & 0xF) | ((packed[j - 4] >> 6) << 4));
        *min = uint8_t((packed[j + 4] >> 4) | ((packed[j] >> 6) << 4));
    }
}

}  // namespace qs::quant_detail
