// The original ggml block types: 32 elements per block with a single fp16 scale (and, for the
// "_1" types, an fp16 minimum). These are plain round-to-nearest quantizers with no search, as in
// ggml's quantize_row_q{4_0,4_1,5_0,5_1,8_0}_ref.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "quant/quant_math.h"
#include "quant/quantize_rows.h"
#include "tensor/blocks.h"

namespace qs::quant_detail {

namespace {

constexpr int kBlock = 32;  // QK4_0 == QK4_1 == QK5_0 == QK5_1 == QK8_0

// Symmetric levels for x = d * (q - 2^(bits-1)), q in [0, 2^bits - 1]. The scale maps the
// largest-magnitude value to exactly -2^(bits-1) (the asymmetric end of the range), so its sign is
// that value's opposite and the extra negative level is used. Returns d.
template <int kBits>
float symmetric_levels(const float* x, uint8_t q[kBlock]) {
    constexpr int kHalf = 1 << (kBits - 1);
    float amax = 0, max = 0;  // largest |x| and its signed value (first one on ties)
    for (int j = 0; j < kBlock; ++j) {
        if (amax < std::fabs(x[j])) {
            amax = std::fabs(x[j]);
            max = x[j];
        }
    }
    const float d = max / float(-kHalf);
    const float id = d != 0.f ? 1.0f / d : 0.0f;
    for (int j = 0; j < kBlock; ++j) {
        // Adding half + 0.5 then truncating rounds half up on the shifted, non-negative value.
        const float shifted = x[j] * id + (float(kHalf) + 0.5f);
        q[j] = uint8_t(std::min(2 * kHalf - 1, int(int8_t(int(shifted)))));
    }
    return d;
}

// Asymmetric levels for x = d * q + min, q in [0, 2^bits - 1], min the block minimum. ggml clamps
// the top level for 4 bits but not for 5 (kClampTop); the value cannot exceed it in practice but
// we keep the exact expression. Writes d and min.
template <int kBits, bool kClampTop>
void asymmetric_levels(const float* x, uint8_t q[kBlock], float* d_out, float* min_out) {
    constexpr int kTop = (1 << kBits) - 1;
    float min = FLT_MAX, max = -FLT_MAX;
    for (int j = 0; j < kBlock; ++j) {
        if (x[j] < min) min = x[j];
        if (x[j] > max) max = x[j];
    }
    const float d = (max - min) / float(kTop);
    const float id = d != 0.f ? 1.0f / d : 0.0f;
    for (int j = 0; j < kBlock; ++j) {
        const int level = int((x[j] - min) * id + 0.5f);
        q[j] = kClampTop ? uint8_t(std::min(kTop, int(int8_t(level)))) : uint8_t(level);
    }
    *d_out = d;
    *min_out = min;
}

// Byte j holds element j in its low nibble and element j + 16 in its high nibble.
void pack_nibbles(const uint8_t q[kBlock], uint8_t qs[kBlock / 2]) {
    for (int j = 0; j < kBlock / 2; ++j) qs[j] = uint8_t((q[j] & 0x0F) | ((q[j + kBlock / 2] & 0x0F) << 4));
}

// Low nibbles as pack_nibbles; the 5th bit of element j is bit j of a little-endian uint32.
void pack_5bit(const uint8_t q[kBlock], uint8_t qs[kBlock / 2], uint8_t qh_bytes[4]) {
    pack_nibbles(q, qs);
    uint32_t qh = 0;
    for (int j = 0; j < kBlock; ++j) qh |= uint32_t((q[j] >> 4) & 1) << j;
    for (int b = 0; b < 4; ++b) qh_bytes[b] = uint8_t(qh >> (8 * b));
}

}  // namespace

void quantize_q4_0(const float* x, void* y, int64_t k) {
    auto* blocks = static_cast<block_q4_0*>(y);
    uint8_t q[kBlock];
    for (int64_t i = 0; i < k / kBlock; ++i, x += kBlock) {
        blocks[i].d = fp32_to_fp16(symmetric_levels<4>(x, q));
        pack_nibbles(q, blocks[i].qs);
    }
}

void quantize_q5_0(const float* x, void* y, int64_t k) {
    auto* blocks = static_cast<block_q5_0*>(y);
    uint8_t q[kBlock];
    for (int64_t i = 0; i < k / kBlock; ++i, x += kBlock) {
        blocks[i].d = fp32_to_fp16(symmetric_levels<5>(x, q));
        pack_5bit(q, blocks[i].qs, blocks[i].qh);
    }
}

void quantize_q4_1(const float* x, void* y, int64_t k) {
    auto* blocks = static_cast<block_q4_1*>(y);
    uint8_t q[kBlock];
    float d, min;
    for (int64_t i = 0; i < k / kBlock; ++i, x += kBlock) {
        asymmetric_levels<4, true>(x, q, &d, &min);
        blocks[i].d = fp32_to_fp16(d);
        blocks[i].m = fp32_to_fp16(min);
        pack_nibbles(q, blocks[i].qs);
    }
}

void quantize_q5_1(const float* x, void* y, int64_t k) {
    auto* blocks = static_cast<block_q5_1*>(y);
    uint8_t q[kBlock];
    float d, min;
    for (int64_t i = 0; i < k / kBlock; ++i, x += kBlock) {
        asymmetric_levels<5, false>(x, q, &d, &min);
        blocks[i].d = fp32_to_fp16(d);
        blocks[i].m = fp32_to_fp16(min);
        pack_5bit(q, blocks[i].qs, blocks[i].qh);
    }
}

// x = d * q with q in [-127, 127]: the largest magnitude maps to +-127, rounding half away from
// zero (roundf), unlike the K-quants' nearest_int.
void quantize_q8_0(const float* x, void* y, int64_t k) {
    auto* blocks = static_cast<block_q8_0*>(y);
    for (int64_t i = 0; i < k / kBlock; ++i, x += kBlock) {
        float amax = 0;
        for (int j = 0; j < kBlock; ++j) amax = std::max(amax, std::fabs(x[j]));
        const float d = amax / 127.f;
        const float id = d != 0.f ? 1.0f / d : 0.0f;
        blocks[i].d = fp32_to_fp16(d);
        for (int j = 0; j < kBlock; ++j) blocks[i].qs[j] = int8_t(std::roundf(x[j] * id));
    }
}

}  // namespace qs::quant_detail

// ---------------------------------------------------------------------------------------------
// With an importance matrix (ggml's quantize_row_q{4_0,4_1,5_0,5_1}_impl): a weighted scale search
// per block, the weights qw[j] * sqrt(sigma2 + x[j]^2) with sigma2 the mean square of the whole
// row. One call quantizes one row of n elements; qw holds its n importance weights.
// ---------------------------------------------------------------------------------------------

namespace qs::quant_detail {

namespace {

float row_mean_square(const float* x, int64_t n) { return sum_of_squares(x, n) / float(n); }

void block_weights(const float* xb, const float* qw, float sigma2, float weight[kBlock]) {
    for (int j = 0; j < kBlock; ++j) weight[j] = qw[j] * std::sqrt(sigma2 + xb[j] * xb[j]);
}

// Symmetric types: make_qx_quants levels in [0, 2 * half).
template <int kHalf, typename Block, typename Pack>
void quantize_symmetric_weighted(const float* x, void* y, int64_t n, const float* qw, Pack pack) {
    auto* blocks = static_cast<Block*>(y);
    const float sigma2 = row_mean_square(x, n);
    float weight[kBlock];
    int8_t L[kBlock];
    uint8_t q[kBlock];
    for (int64_t ib = 0; ib < n / kBlock; ++ib) {
        const float* xb = x + kBlock * ib;
        block_weights(xb, qw + kBlock * ib, sigma2, weight);
        blocks[ib].d = fp32_to_fp16(make_qx_quants(kBlock, kHalf, xb, L, weight));
        for (int j = 0; j < kBlock; ++j) q[j] = uint8_t(L[j]);
        pack(q, blocks[ib]);
    }
}

// Asymmetric types: make_qkx3_quants levels in [0, nmax] and a min.
template <int kNmax, typename Block, typename Pack>
void quantize_asymmetric_weighted(const float* x, void* y, int64_t n, const float* qw, Pack pack) {
    auto* blocks = static_cast<Block*>(y);
    const float sigma2 = row_mean_square(x, n);
    float weight[kBlock];
    uint8_t L[kBlock];
    for (int64_t ib = 0; ib < n / kBlock; ++ib) {
        const float* xb = x + kBlock * ib;
        block_weights(xb, qw + kBlock * ib, sigma2, weight);
        float min;
        const float d = make_qkx3_quants(kBlock, kNmax, xb, weight, L, &min, -0.9f, 0.05f, 36, false);
        blocks[ib].d = fp32_to_fp16(d);
        blocks[ib].m = fp32_to_fp16(-min);
        pack(L, blocks[ib]);
    }
}

}  // namespace

void quantize_row_q4_0_weighted(const float* x, void* y, int64_t n, const float* qw) {
    quantize_symmetric_weighted<8, block_q4_0>(x, y, n, qw, [](const uint8_t* q, block_q4_0& b) { pack_nibbles(q, b.qs); });
}
void quantize_row_q5_0_weighted(const float* x, void* y, int64_t n, const float* qw) {
    quantize_symmetric_weighted<16, block_q5_0>(x, y, n, qw, [](const uint8_t* q, block_q5_0& b) { pack_5bit(q, b.qs, b.qh); });
}
void quantize_row_q4_1_weighted(const float* x, void* y, int64_t n, const float* qw) {
    quantize_asymmetric_weighted<15, block_q4_1>(x, y, n, qw, [](const uint8_t* q, block_q4_1& b) { pack_nibbles(q, b.qs); });
}
void quantize_row_q5_1_weighted(const float* x, void* y, int64_t n, const float* qw) {
    quantize_asymmetric_weighted<31, block_q5_1>(x, y, n, qw, [](const uint8_t* q, block_q5_1& b) { pack_5bit(q, b.qs, b.qh); });
}

}  // namespace qs::quant_detail
