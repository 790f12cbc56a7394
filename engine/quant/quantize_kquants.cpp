// The K-quants: 256-element super-blocks split into sub-blocks of 16 or 32, each sub-block with its
// own scale (and min), the sub-block scales themselves quantized against one fp16 super-scale.
// These follow ggml's quantize_row_q{2,3,4,5,6}_K_ref, the path llama-quantize takes without an
// importance matrix. Each has three steps:
//   1. fit every sub-block independently in float (a scale search from quant_math.h);
//   2. quantize the sub-block scales (4, 6 or 8 bits) against the largest one;
//   3. requantize every element with the *stored* (rounded) scales, so the levels are the best
//      ones for what the dequantizer will actually use. A sub-block whose stored scale is zero
//      keeps the levels of step 1 (ggml skips it), which matters for byte identity.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant/quant_math.h"
#include "quant/quantize_rows.h"
#include "tensor/blocks.h"

namespace qs::quant_detail {

namespace {

// Q2_K and Q3_K store four 2-bit fields per byte: byte l of each 32-byte group of 128 elements
// holds elements l, l+32, l+64, l+96 in bits 0-1, 2-3, 4-5, 6-7.
void pack_2bit(const uint8_t L[QK_K], uint8_t qs[QK_K / 4]) {
    for (int j = 0; j < QK_K; j += 128) {
        for (int l = 0; l < 32; ++l) {
            qs[j / 4 + l] = uint8_t(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
        }
    }
}

// Step 3 for the asymmetric types (Q2_K, Q4_K, Q5_K): levels of x + m in units of d, clamped to
// [0, nmax]. Sub-blocks with d == 0 keep their step-1 levels.
void requantize_asymmetric(const float* x, int n, float d, float dm, int nmax, uint8_t* L) {
    if (d == 0.f) return;
    for (int ii = 0; ii < n; ++ii) L[ii] = uint8_t(std::max(0, std::min(nmax, nearest_int((x[ii] + dm) / d))));
}

// Step 3 for the symmetric types (Q3_K, Q6_K): levels of x in units of d in [-nmax, nmax-1],
// stored offset by nmax.
void requantize_symmetric(const float* x, int n, float d, int nmax, int8_t* L) {
    if (d == 0.f) return;
    for (int ii = 0; ii < n; ++ii) L[ii] = int8_t(std::max(-nmax, std::min(nmax - 1, nearest_int(x[ii] / d))) + nmax);
}

// Steps 1-3 shared by Q4_K and Q5_K: 8 sub-blocks of 32, asymmetric levels in [0, nmax], 6-bit
// scales and mins. Writes d, dmin, the packed scales and the 256 levels. The step-1 weights
// rms(sub-block) + |x| favour large values without ignoring small ones.
void quantize_superblock_k4(const float* x, int nmax, float rmin, int nstep, fp16_t* d_out, fp16_t* dmin_out,
                            uint8_t packed_scales[K_SCALE_SIZE], uint8_t L[QK_K]) {
    constexpr int kSub = 32, kNumSub = QK_K / kSub;
    float scales[kNumSub], mins[kNumSub], weights[kSub];
    float max_scale = 0, max_min = 0;  // scales are positive since the min is deducted
    for (int j = 0; j < kNumSub; ++j) {
        const float* xs = x + kSub * j;
        float sum_x2 = 0;
        for (int l = 0; l < kSub; ++l) sum_x2 += xs[l] * xs[l];
        const float av_x = std::sqrt(sum_x2 / float(kSub));
        for (int l = 0; l < kSub; ++l) weights[l] = av_x + std::fabs(xs[l]);
        scales[j] = make_qkx2_quants(kSub, nmax, xs, weights, L + kSub * j, &mins[j], rmin, 0.1f, nstep, false);
        max_scale = std::max(max_scale, scales[j]);
        max_min = std::max(max_min, mins[j]);
    }

    // 6-bit scales and mins relative to the largest of each. ggml truncates the rounded value to a
    // byte before clamping to 63 (a negative scale would wrap and clamp to 63); we do the same.
    const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
    const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
    uint8_t ls[kNumSub], lm[kNumSub];
    for (int j = 0; j < kNumSub; ++j) {
        ls[j] = std::min<uint8_t>(63, uint8_t(nearest_int(inv_scale * scales[j])));
        lm[j] = std::min<uint8_t>(63, uint8_t(nearest_int(inv_min * mins[j])));
    }
    pack_scale_min_k4(ls, lm, packed_scales);
    *d_out = fp32_to_fp16(max_scale / 63.f);
    *dmin_out = fp32_to_fp16(max_min / 63.f);

    for (int j = 0; j < kNumSub; ++j) {
        uint8_t sc, m;
        unpack_scale_min_k4(j, packed_scales, &sc, &m);
        const float d = fp16_to_fp32(*d_out) * float(sc);
        const float dm = fp16_to_fp32(*dmin_out) * float(m);
        requantize_asymmetric(x + kSub * j, kSub, d, dm, nmax, L + kSub * j);
    }
}

// Q3_K's 16 six-bit scales (stored +32): the low 4 bits of scale j go to byte j (j < 8) or the high
// nibble of byte j-8; the top 2 bits go to byte 8 + j%4 at bit 2*(j/4).
void pack_scales_q3(const int8_t biased[16], uint8_t packed[12]) {
    std::memset(packed, 0, 12);
    for (int j = 0; j < 16; ++j) {
        const int l = biased[j];
        if (j < 8) packed[j] = uint8_t(l & 0xF);
        else packed[j - 8] |= uint8_t((l & 0xF) << 4);
        packed[j % 4 + 8] |= uint8_t((l >> 4) << (2 * (j / 4)));
    }
}
// Q5_K levels 0..31: the 5th bit of elements j (low nibble) and j + 32 (high nibble) of each
// 64-element group g goes to qh[j] bits 2g and 2g + 1.
void pack_q5_K_levels(const uint8_t L[QK_K], block_q5_K& b) {
    std::memset(b.qh, 0, sizeof b.qh);
    for (int g = 0; g < QK_K / 64; ++g) {
        for (int j = 0; j < 32; ++j) {
            const int l1 = L[64 * g + j], l2 = L[64 * g + j + 32];
            b.qh[j] |= uint8_t(((l1 >> 4) & 1) << (2 * g));
            b.qh[j] |= uint8_t(((l2 >> 4) & 1) << (2 * g + 1));
            b.qs[32 * g + j] = uint8_t((l1 & 0xF) | ((l2 & 0xF) << 4));
        }
    }
}

// Q3_K levels 0..7: the high bit of element j goes to hmask[j % 32] bit j / 32, the low 2 bits to qs.
void pack_q3_K_levels(const int8_t L[QK_K], block_q3_K& b) {
    std::memset(b.hmask, 0, sizeof b.hmask);
    uint8_t low[QK_K];
    for (int j = 0; j < QK_K; ++j) {
        uint8_t l = uint8_t(L[j]);
        if (l > 3) {
            b.hmask[j % (QK_K / 8)] |= uint8_t(1u << (j / (QK_K / 8)));
            l = uint8_t(l - 4);
        }
        low[j] = l;
    }
    pack_2bit(low, b.qs);
}

int unpack_scale_q3(int j, const uint8_t packed[12]) {
    const int low = j < 8 ? packed[j] & 0xF : packed[j - 8] >> 4;
    return (low | (((packed[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32;
}

}  // namespace

// x = d * (scale_j & 0xF) * q - dmin * (scale_j >> 4), q in [0, 3], 16 sub-blocks of 16. Step 1
// fits with |x| weights and mean absolute error (use_mad), 16 candidate scales.
void quantize_q2_K(const float* x, void* y, int64_t k) {
    constexpr int kSub = 16, kNumSub = QK_K / kSub;
    constexpr float kScaleLevels = 15.f;  // 4-bit scales and mins
    auto* blocks = static_cast<block_q2_K*>(y);
    uint8_t L[QK_K];
    float weights[kSub], scales[kNumSub], mins[kNumSub];
    for (int64_t i = 0; i < k / QK_K; ++i, x += QK_K) {
        block_q2_K& b = blocks[i];
        float max_scale = 0, max_min = 0;
        for (int j = 0; j < kNumSub; ++j) {
            for (int l = 0; l < kSub; ++l) weights[l] = std::fabs(x[kSub * j + l]);
            scales[j] = make_qkx2_quants(kSub, 3, x + kSub * j, weights, L + kSub * j, &mins[j], -0.5f, 0.1f, 15, true);
            max_scale = std::max(max_scale, scales[j]);
            max_min = std::max(max_min, mins[j]);
        }
        if (max_scale > 0) {
            const float iscale = kScaleLevels / max_scale;
            for (int j = 0; j < kNumSub; ++j) b.scales[j] = uint8_t(nearest_int(iscale * scales[j]));
            b.d = fp32_to_fp16(max_scale / kScaleLevels);
        } else {
            std::fill(b.scales, b.scales + kNumSub, uint8_t(0));
            b.d = fp32_to_fp16(0.f);
        }
        if (max_min > 0) {
            const float iscale = kScaleLevels / max_min;
            for (int j = 0; j < kNumSub; ++j) b.scales[j] |= uint8_t(nearest_int(iscale * mins[j]) << 4);
            b.dmin = fp32_to_fp16(max_min / kScaleLevels);
        } else {
            b.dmin = fp32_to_fp16(0.f);
        }
        for (int j = 0; j < kNumSub; ++j) {
            const float d = fp16_to_fp32(b.d) * float(b.scales[j] & 0xF);
            const float dm = fp16_to_fp32(b.dmin) * float(b.scales[j] >> 4);
            requantize_asymmetric(x + kSub * j, kSub, d, dm, 3, L + kSub * j);
        }
        pack_2bit(L, b.qs);
    }
}

// x = d * (scale_j - 32) * (q - 4), q in [0, 7] split into 2 low bits (qs) and a high bit (hmask),
// 16 sub-blocks of 16 with signed 6-bit scales. Step 1 is make_q3_quants' coordinate descent.
void quantize_q3_K(const float* x, void* y, int64_t k) {
    constexpr int kSub = 16, kNumSub = QK_K / kSub;
    auto* blocks = static_cast<block_q3_K*>(y);
    int8_t L[QK_K];
    float scales[kNumSub];
    for (int64_t i = 0; i < k / QK_K; ++i, x += QK_K) {
        block_q3_K& b = blocks[i];
        float max_scale = 0, amax = 0;  // the scale of largest magnitude, signed
        for (int j = 0; j < kNumSub; ++j) {
            scales[j] = make_q3_quants(kSub, 4, x + kSub * j, L + kSub * j);
            if (std::fabs(scales[j]) > amax) {
                amax = std::fabs(scales[j]);
                max_scale = scales[j];
            }
        }
        if (max_scale != 0.f) {
            // As for the elements: the largest scale maps to -32 so the extra negative level is used.
            const float iscale = -32.f / max_scale;
            int8_t biased[kNumSub];
            for (int j = 0; j < kNumSub; ++j) {
                const int8_t l = int8_t(nearest_int(iscale * scales[j]));
                biased[j] = int8_t(std::max<int>(-32, std::min<int>(31, l)) + 32);
            }
            pack_scales_q3(biased, b.scales);
            b.d = fp32_to_fp16(1 / iscale);
        } else {
            std::memset(b.scales, 0, sizeof b.scales);
            b.d = fp32_to_fp16(0.f);
        }
        for (int j = 0; j < kNumSub; ++j) {
            const float d = fp16_to_fp32(b.d) * float(int8_t(unpack_scale_q3(j, b.scales)));
            requantize_symmetric(x + kSub * j, kSub, d, 4, L + kSub * j);
        }
        pack_q3_K_levels(L, b);
    }
}

// x = d * sc_j * q - dmin * m_j, q in [0, 15], 8 sub-blocks of 32.
void quantize_q4_K(const float* x, void* y, int64_t k) {
    auto* blocks = static_cast<block_q4_K*>(y);
    uint8_t L[QK_K];
    for (int64_t i = 0; i < k / QK_K; ++i, x += QK_K) {
        block_q4_K& b = blocks[i];
        quantize_superblock_k4(x, 15, -1.f, 20, &b.d, &b.dmin, b.scales, L);
        // Each 32-byte group holds 64 elements: l in the low nibble, l + 32 in the high one.
        for (int j = 0; j < QK_K; j += 64) {
            for (int l = 0; l < 32; ++l) b.qs[j / 2 + l] = uint8_t(L[j + l] | (L[j + l + 32] << 4));
        }
    }
}

// As Q4_K with q in [0, 31]; the 5th bit of elements j (low nibble) and j + 32 (high nibble) of
// each 64-element group g goes to qh[j] bits 2g and 2g + 1.
void quantize_q5_K(const float* x, void* y, int64_t k) {
    auto* blocks = static_cast<block_q5_K*>(y);
    uint8_t L[QK_K];
    for (int64_t i = 0; i < k / QK_K; ++i, x += QK_K) {
        block_q5_K& b = blocks[i];
        quantize_superblock_k4(x, 31, -0.5f, 15, &b.d, &b.dmin, b.scales, L);
        pack_q5_K_levels(L, b);
    }
}

// x = d * scale_j * (q - 32), q in [0, 63], 16 sub-blocks of 16 with signed 8-bit scales. Step 1
// is make_qx_quants with x^2 weights (or, with an imatrix, the importance weights as given).
void quantize_q6_K(const float* x, void* y, int64_t k) { quantize_q6_K_with(x, y, k, nullptr); }

void quantize_q6_K_with(const float* x, void* y, int64_t k, const float* qw) {
    constexpr int kSub = 16, kNumSub = QK_K / kSub;
    auto* blocks = static_cast<block_q6_K*>(y);
    int8_t L[QK_K];
    float scales[kNumSub];
    for (int64_t i = 0; i < k / QK_K; ++i, x += QK_K) {
        block_q6_K& b = blocks[i];
        float max_scale = 0, max_abs_scale = 0;
        const float* qwb = qw ? qw + QK_K * i : nullptr;
        for (int ib = 0; ib < kNumSub; ++ib) {
            scales[ib] = make_qx_quants(kSub, 32, x + kSub * ib, L + kSub * ib, qwb ? qwb + kSub * ib : nullptr);
            if (std::fabs(scales[ib]) > max_abs_scale) {
                max_abs_scale = std::fabs(scales[ib]);
                max_scale = scales[ib];
            }
        }
        if (max_abs_scale < kGroupMaxEps) {  // all zero: an all-zero block
            std::memset(&b, 0, sizeof b);
            continue;
        }
        const float iscale = -128.f / max_scale;
        b.d = fp32_to_fp16(1 / iscale);
        for (int ib = 0; ib < kNumSub; ++ib) b.scales[ib] = int8_t(std::min(127, nearest_int(iscale * scales[ib])));
        for (int j = 0; j < kNumSub; ++j) {
            const float d = fp16_to_fp32(b.d) * float(b.scales[j]);
            requantize_symmetric(x + kSub * j, kSub, d, 32, L + kSub * j);
        }
        // Per 128-element half: ql[l] holds elements l (low) and l+64 (high nibble), ql[l+32]
        // elements l+32 and l+96; qh[l] their top 2 bits at bits 0, 2, 4, 6.
        for (int h = 0; h < QK_K / 128; ++h) {
            const int8_t* Lh = L + 128 * h;
            uint8_t* ql = b.ql + 64 * h;
            uint8_t* qh = b.qh + 32 * h;
            for (int l = 0; l < 32; ++l) {
                const uint8_t q1 = uint8_t(Lh[l]), q2 = uint8_t(Lh[l + 32]), q3 = uint8_t(Lh[l + 64]), q4 = uint8_t(Lh[l + 96]);
                ql[l] = uint8_t((q1 & 0xF) | ((q3 & 0xF) << 4));
                ql[l + 32] = uint8_t((q2 & 0xF) | ((q4 & 0xF) << 4));
                qh[l] = uint8_t((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
            }
        }
    }
}

}  // namespace qs::quant_detail

// ---------------------------------------------------------------------------------------------
// With an importance matrix (ggml's quantize_row_q*_K_impl, what llama-quantize runs when it has
// imatrix data for the tensor). Each element's weight is qw[i] * sqrt(sigma2 + x[i]^2): the
// activation energy of its column times a term that still favours large weights. Sub-block scales
// are then quantized by a weighted search (make_qp_quants / make_qx_quants) instead of against the
// largest one. One call quantizes one row; qw holds that row's n weights.
// ---------------------------------------------------------------------------------------------

namespace qs::quant_detail {

namespace {

// weight[l] = qw[l] * sqrt(sigma2 + x[l]^2) for n elements; returns their sum.
float importance_weights(const float* qw, const float* x, float sigma2, int n, float* weight) {
    float sumw = 0;
    for (int l = 0; l < n; ++l) weight[l] = qw[l] * std::sqrt(sigma2 + x[l] * x[l]);
    for (int l = 0; l < n; ++l) sumw += weight[l];
    return sumw;
}

// Steps 2-3 and packing shared by q4_K / q5_K with an imatrix: 6-bit scales and mins from
// make_qp_quants, then requantization with the stored scales.
void pack_superblock_k4_weighted(const float* x, const float scales[8], const float mins[8], const float sw[8], int nmax,
                                 fp16_t* d_out, fp16_t* dmin_out, uint8_t packed[K_SCALE_SIZE], uint8_t L[QK_K]) {
    uint8_t Ls[8], Lm[8];
    const float d_block = make_qp_quants(8, 63, scales, Ls, sw);
    const float m_block = make_qp_quants(8, 63, mins, Lm, sw);
    for (int j = 0; j < 8; ++j) {
        Ls[j] = std::min<uint8_t>(63, Ls[j]);
        Lm[j] = std::min<uint8_t>(63, Lm[j]);
    }
    std::memset(packed, 0, K_SCALE_SIZE);
    pack_scale_min_k4(Ls, Lm, packed);
    *d_out = fp32_to_fp16(d_block);
    *dmin_out = fp32_to_fp16(m_block);
    for (int j = 0; j < 8; ++j) {
        uint8_t sc, m;
        unpack_scale_min_k4(j, packed, &sc, &m);
        const float d = fp16_to_fp32(*d_out) * float(sc);
        const float dm = fp16_to_fp32(*dmin_out) * float(m);
        requantize_asymmetric(x + 32 * j, 32, d, dm, nmax, L + 32 * j);
    }
}

void superblock_k4_weighted(const float* x, const float* qw, int nmax, fp16_t* d_out, fp16_t* dmin_out,
                            uint8_t packed[K_SCALE_SIZE], uint8_t L[QK_K]) {
    const float sigma2 = 2 * sum_of_squares(x, QK_K) / QK_K;
    float scales[8], mins[8], sw[8], weights[32];
    for (int j = 0; j < 8; ++j) {
        sw[j] = importance_weights(qw + 32 * j, x + 32 * j, sigma2, 32, weights);
        scales[j] = make_qkx3_quants(32, nmax, x + 32 * j, weights, L + 32 * j, &mins[j], -0.9f, 0.05f, 36, false);
    }
    pack_superblock_k4_weighted(x, scales, mins, sw, nmax, d_out, dmin_out, packed, L);
}

}  // namespace

void quantize_row_q2_K_weighted(const float* x, void* y, int64_t n, const float* qw) {
    auto* blocks = static_cast<block_q2_K*>(y);
    uint8_t L[QK_K], Ls[16], Lm[16];
    float weight[16], scales[16], mins[16], sw[16];
    for (int64_t i = 0; i < n / QK_K; ++i, x += QK_K, qw += QK_K) {
        block_q2_K& b = blocks[i];
        const float sigma2 = sum_of_squares(x, QK_K) / QK_K;
        for (int j = 0; j < 16; ++j) {
            sw[j] = importance_weights(qw + 16 * j, x + 16 * j, sigma2, 16, weight);
            scales[j] = make_qkx3_quants(16, 3, x + 16 * j, weight, L + 16 * j, &mins[j], -0.9f, 0.05f, 36, false);
        }
        const float dm = make_qp_quants(16, 15, scales, Ls, sw);
        const float mm = make_qp_quants(16, 15, mins, Lm, sw);
        b.d = fp32_to_fp16(dm);
        b.dmin = fp32_to_fp16(mm);
        for (int j = 0; j < 16; ++j) b.scales[j] = uint8_t(Ls[j] | (Lm[j] << 4));
        for (int j = 0; j < 16; ++j) {
            const float d = fp16_to_fp32(b.d) * float(b.scales[j] & 0xF);
            const float m = fp16_to_fp32(b.dmin) * float(b.scales[j] >> 4);
            requantize_asymmetric(x + 16 * j, 16, d, m, 3, L + 16 * j);
        }
        pack_2bit(L, b.qs);
    }
}

void quantize_row_q3_K_weighted(const float* x, void* y, int64_t n, const float* qw) {
    auto* blocks = static_cast<block_q3_K*>(y);
    int8_t L[QK_K], Ls[16];
    float weight[16], scales[16], sw[16];
    for (int64_t i = 0; i < n / QK_K; ++i, x += QK_K, qw += QK_K) {
        block_q3_K& b = blocks[i];
        const float sigma2 = 2 * sum_of_squares(x, QK_K) / QK_K;
        for (int j = 0; j < 16; ++j) {
            sw[j] = importance_weights(qw + 16 * j, x + 16 * j, sigma2, 16, weight);
            scales[j] = make_qx_quants(16, 4, x + 16 * j, L + 16 * j, weight);
        }
        const float d_block = make_qx_quants(16, 32, scales, Ls, sw);
        pack_scales_q3(Ls, b.scales);
        b.d = fp32_to_fp16(d_block);
        for (int j = 0; j < 16; ++j) {
            const float d = fp16_to_fp32(b.d) * float(int8_t(unpack_scale_q3(j, b.scales)));
            requantize_symmetric(x + 16 * j, 16, d, 4, L + 16 * j);
        }
        pack_q3_K_levels(L, b);
    }
}

void quantize_row_q4_K_weighted(const float* x, void* y, int64_t n, const float* qw) {
    auto* blocks = static_cast<block_q4_K*>(y);
    uint8_t L[QK_K];
    for (int64_t i = 0; i < n / QK_K; ++i, x += QK_K, qw += QK_K) {
        block_q4_K& b = blocks[i];
        superblock_k4_weighted(x, qw, 15, &b.d, &b.dmin, b.scales, L);
        for (int j = 0; j < QK_K; j += 64)
            for (int l = 0; l < 32; ++l) b.qs[j / 2 + l] = uint8_t(L[j + l] | (L[j + l + 32] << 4));
    }
}

void quantize_row_q5_K_weighted(const float* x, void* y, int64_t n, const float* qw) {
    auto* blocks = static_cast<block_q5_K*>(y);
    uint8_t L[QK_K];
    for (int64_t i = 0; i < n / QK_K; ++i, x += QK_K, qw += QK_K) {
        block_q5_K& b = blocks[i];
        superblock_k4_weighted(x, qw, 31, &b.d, &b.dmin, b.scales, L);
        pack_q5_K_levels(L, b);
    }
}

// q6_K's imatrix path passes the importance weights straight to the sub-block search (ggml left
// the sigma2 form commented out); everything after is the reference quantizer's.
void quantize_row_q6_K_weighted(const float* x, void* y, int64_t n, const float* qw) {
    quantize_q6_K_with(x, y, n, qw);
}

}  // namespace qs::quant_detail
