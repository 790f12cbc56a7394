// Internal: the candidate-scale search of ggml's make_qkx2_quants / make_qkx3_quants, the hot loop
// of the K-quant quantizers (q2_K, q4_K, q5_K: about nine tenths of quantizing Q4_K_M).
//
// For each candidate step is = 0..nstep the search rounds every x[i] to a level with the inverse
// scale (rmin + rdelta*is + nmax) / (max - min), fits (scale, min) by weighted least squares over
// those levels, and measures the weighted error; the first step with the smallest error wins.
// ggml's loop also moves `min` to each new best step's fitted min, so the steps after an
// improvement see another min: they are not independent. The SIMD levels (ggml's rule: a scalar
// reference, one file per instruction set, a test comparing them) therefore compute steps
// first..nstep together with the current min, one step per lane, walking the elements in order;
// make_qkx2_quants scans them in order and, at the first improvement that moves min, searches the
// remaining steps again from there. Every lane performs exactly the scalar step's float operations
// in the scalar step's order (no FMA contraction, no reassociation), so the results are bit for
// bit ggml's, and the quantized bytes stay llama-quantize's. A block's few improvements (one to
// three typically) cost a pass each instead of the twenty-one passes of the scalar loop.
#pragma once

#include <cstdint>

#include "core/cpu_features.h"

namespace qs::quant_detail {

constexpr int kQkxMaxElements = 32;  // the K-quants' sub-blocks hold 16 or 32 values
constexpr int kQkxMaxSteps = 48;     // nstep + 1 <= 48 (ggml uses 16, 21 and 37)

struct QkxSearch {
    // Input.
    int n = 0;                    // elements, <= kQkxMaxElements
    int nmax = 0;                 // levels 0..nmax
    int nstep = 0;                // steps 0..nstep, nstep < kQkxMaxSteps
    const float* x = nullptr;     // n values
    const float* w = nullptr;     // n weights (never null: the caller fills in x^2 for qkx3)
    float min = 0, max = 0;       // the block's range (min <= 0 < max - min)
    float sum_w = 0, sum_x = 0;   // sums of w and w*x in index order
    float rmin = 0, rdelta = 0;
    bool use_mad = false;         // |err| instead of err^2
    bool clamp_first = false;     // qkx3's rounding: v > 0 ? nearest_int(min(v, nmax)) : 0
    int first = 0;                // steps first..nstep are computed; the others are left as they are
    // Output, per step s.
    bool valid[kQkxMaxSteps] = {};     // the 2x2 system's determinant D > 0
    float scale[kQkxMaxSteps] = {};    // fitted scale and min (meaningful where valid)
    float min_of[kQkxMaxSteps] = {};
    float error[kQkxMaxSteps] = {};
    // levels[i][s]. A search stores whole groups of 16 (or 32) steps from `first` on: the 32 extra
    // columns take the lanes past nstep.
    alignas(64) uint8_t levels[kQkxMaxElements][kQkxMaxSteps + 32] = {};
};

using QkxSearchFn = void (*)(QkxSearch& s);

// The scalar reference: ggml's loop, step after step.
void qkx_search_scalar(QkxSearch& s);
// The level's implementation (scalar where there is none); Isa::Scalar gives the reference.
QkxSearchFn qkx_search_for(Isa isa);

// The symmetric search of ggml's make_qx_quants (q6_K, q3_K's scales, the weighted legacy types):
// 18 inverse scales -(nmax + 0.1 is) / max, is = -9..9 without 0, each giving levels in
// [-nmax, nmax - 1] and the sums sumlx, suml2 the caller compares. These steps are independent
// (max never moves), so one pass computes them all; the caller picks in order.
constexpr int kQxSteps = 18;

struct QxSearch {
    int n = 0;                 // elements, <= kQkxMaxElements
    int nmax = 0;
    const float* x = nullptr;
    const float* w = nullptr;  // never null: the caller fills in x^2
    float max = 0;             // the signed value of largest magnitude
    float sumlx[kQxSteps] = {}, suml2[kQxSteps] = {};
    alignas(64) int8_t levels[kQkxMaxElements][2 * 16] = {};  // levels[i][step], step = is + 9 - (is > 0)
};

using QxSearchFn = void (*)(QxSearch& s);
void qx_search_scalar(QxSearch& s);
QxSearchFn qx_search_for(Isa isa);
// The step index's is: -9..-1, 1..9.
constexpr int qx_step_is(int step) { return step < 9 ? step - 9 : step - 8; }

}  // namespace qs::quant_detail
