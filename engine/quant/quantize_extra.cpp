// Quantizers of QuantScope's own formats (docs/formats.md has the layouts and their sources).
// Each follows the library the format comes from: bitsandbytes for nf4, the FP8 paper's
// saturating round-to-nearest-even encoding for fp8, symmetric per-channel absmax for int8_row,
// GPTQ's asymmetric min/max grid for int4_g128.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "core/fp16.h"
#include "quant/quantize_rows.h"
#include "tensor/blocks_extra.h"
#include "tensor/fp8.h"

namespace qs::quant_detail {
namespace {

float block_amax(const float* x, int n) {
    float amax = 0;
    for (int i = 0; i < n; ++i) amax = std::max(amax, std::fabs(x[i]));
    return amax;
}

// 32 4-bit codes -> 16 bytes, element j in the low nibble of byte j, element j+16 in its high nibble.
void pack_nibbles(const uint8_t q[32], uint8_t* qs) {
    for (int j = 0; j < 16; ++j) qs[j] = uint8_t(q[j] | (q[j + 16] << 4));
}

// Decision boundaries between consecutive NF4 values: bitsandbytes' dQuantizeNF4 compares the
// normalized value against these midpoints (as float literals) with '>', so a value exactly on a
// midpoint takes the lower code.
constexpr std::array<float, 15> make_nf4_midpoints() {
    std::array<float, 15> m{};
    for (size_t i = 0; i < 15; ++i) m[i] = float((double(kNf4Values[i]) + double(kNf4Values[i + 1])) / 2);
    return m;
}
constexpr std::array<float, 15> kNf4Midpoints = make_nf4_midpoints();

uint8_t nf4_code(float v) {
    uint8_t code = 0;
    for (float m : kNf4Midpoints) code += v > m;
    return code;
}

void quantize_fp8(const float* x, void* vy, int64_t k, const Fp8Format& f) {
    auto* y = static_cast<block_fp8*>(vy);
    for (int64_t b = 0; b < k / QK_FP8; ++b, x += QK_FP8) {
        const float d = block_amax(x, QK_FP8) / f.max_normal;
        y[b].d = d;
        // x / d can exceed max by one rounding; fp8_encode saturates it.
        for (int i = 0; i < QK_FP8; ++i) y[b].qs[i] = d > 0 ? fp8_encode(x[i] / d, f) : 0;
    }
}

}  // namespace

void quantize_nf4(const float* x, void* vy, int64_t k) {
    auto* y = static_cast<block_nf4*>(vy);
    for (int64_t b = 0; b < k / QK_NF4; ++b, x += QK_NF4) {
        const float absmax = block_amax(x, QK_NF4);
        y[b].d = absmax;
        // bitsandbytes multiplies by the reciprocal of absmax rather than dividing.
        const float inv = absmax > 0 ? 1.0f / absmax : 0.0f;
        for (int half = 0; half < 2; ++half) {
            uint8_t q[32];
            for (int i = 0; i < 32; ++i) q[i] = nf4_code(x[32 * half + i] * inv);
            pack_nibbles(q, y[b].qs + 16 * half);
        }
    }
}

void quantize_fp8_e4m3(const float* x, void* y, int64_t k) { quantize_fp8(x, y, k, kFp8E4M3); }
void quantize_fp8_e5m2(const float* x, void* y, int64_t k) { quantize_fp8(x, y, k, kFp8E5M2); }

void quantize_i8_row(const float* x, void* vy, int64_t k) {
    const float d = block_amax(x, int(k)) / 127.0f;
    const float id = d > 0 ? 1.0f / d : 0.0f;
    std::memcpy(vy, &d, sizeof d);  // row header
    auto* y = reinterpret_cast<block_i8_row*>(static_cast<uint8_t*>(vy) + sizeof(float));
    // roundf: half away from zero, as ggml's q8_0 (|x * id| <= 127 up to one rounding).
    for (int64_t i = 0; i < k; ++i) y[i / QK_I8_ROW].qs[i % QK_I8_ROW] = int8_t(std::clamp(std::roundf(x[i] * id), -127.0f, 127.0f));
}

void quantize_i4_g128(const float* x, void* vy, int64_t k) {
    auto* y = static_cast<block_i4_g128*>(vy);
    for (int64_t b = 0; b < k / QK_I4_G128; ++b, x += QK_I4_G128) {
        // GPTQ Quantizer.find_params (sym=False): the range always includes 0, so 0 is exactly
        // representable; an all-zero group gets the range [-1, 1].
        float xmin = 0, xmax = 0;
        for (int i = 0; i < QK_I4_G128; ++i) {
            xmin = std::min(xmin, x[i]);
            xmax = std::max(xmax, x[i]);
        }
        if (xmin == 0 && xmax == 0) {
            xmin = -1;
            xmax = 1;
        }
        // The scale is stored as fp16; codes are computed with the stored value so that
        // dequantization reproduces exactly the grid the codes were chosen on.
        y[b].d = fp32_to_fp16((xmax - xmin) / 15.0f);
        const float s = fp16_to_fp32(y[b].d);
        y[b].reserved = 0;
        uint8_t q[QK_I4_G128];
        if (s == 0) {  // range below fp16's smallest subnormal: every weight dequantizes to 0
            y[b].zero = 0;
            std::fill(q, q + QK_I4_G128, uint8_t(0));
        } else {
            // torch.round (half to even) is nearbyint in the default rounding mode.
            const float zero = std::clamp(std::nearbyint(-xmin / s), 0.0f, 15.0f);
            y[b].zero = uint8_t(zero);
            for (int i = 0; i < QK_I4_G128; ++i) q[i] = uint8_t(std::clamp(std::nearbyint(x[i] / s) + zero, 0.0f, 15.0f));
        }
        for (int quarter = 0; quarter < 4; ++quarter) pack_nibbles(q + 32 * quarter, y[b].qs + 16 * quarter);
    }
}

}  // namespace qs::quant_detail
