// Scalar reference kernels for the float types and ggml's legacy 32-element block types.
//
// Each function follows ggml's reference C code (ggml-quants.c dequantize_row_* and
// quantize_row_q8_*_ref, ggml-cpu's generic ggml_vec_dot_*): the same element order inside a
// block, the same integer sums per block and the same float formula per block, so that results
// agree with llama.cpp. The SIMD files are tested against these.
#include <cmath>
#include <cstring>

#include "kernels/kernel_table.h"
#include "tensor/blocks.h"

namespace qs {
namespace {

// ---- float types ---------------------------------------------------------------------------

void f32_to_f32(const void* x, float* y, int64_t n) { std::memcpy(y, x, size_t(n) * sizeof(float)); }
void f32_from_f32(const float* x, void* y, int64_t n) { std::memcpy(y, x, size_t(n) * sizeof(float)); }

void f16_to_f32(const void* x, float* y, int64_t n) {
    const auto* h = static_cast<const fp16_t*>(x);
    for (int64_t i = 0; i < n; ++i) y[i] = fp16_to_fp32(h[i]);
}
void f16_from_f32(const float* x, void* y, int64_t n) {
    auto* h = static_cast<fp16_t*>(y);
    for (int64_t i = 0; i < n; ++i) h[i] = fp32_to_fp16(x[i]);
}
void bf16_to_f32(const void* x, float* y, int64_t n) {
    const auto* h = static_cast<const bf16_t*>(x);
    for (int64_t i = 0; i < n; ++i) y[i] = bf16_to_fp32(h[i]);
}
void bf16_from_f32(const float* x, void* y, int64_t n) {
    auto* h = static_cast<bf16_t*>(y);
    for (int64_t i = 0; i < n; ++i) h[i] = fp32_to_bf16(x[i]);
}

// ggml's scalar float dots multiply in float and accumulate in double (ggml_float).
void vec_dot_f32(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const float*>(vx);
    const auto* y = static_cast<const float*>(vy);
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += double(x[i] * y[i]);
    *s = float(sum);
}
void vec_dot_f16(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const fp16_t*>(vx);
    const auto* y = static_cast<const fp16_t*>(vy);
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += double(fp16_to_fp32(x[i]) * fp16_to_fp32(y[i]));
    *s = float(sum);
}
void vec_dot_bf16(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const bf16_t*>(vx);
    const auto* y = static_cast<const bf16_t*>(vy);
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += double(bf16_to_fp32(x[i]) * bf16_to_fp32(y[i]));
    *s = float(sum);
}

// ---- block helpers -------------------------------------------------------------------------

// The 5th bits of q5_0/q5_1: element j takes bit j of qh, element j+16 bit j+16.
inline uint32_t load_qh(const uint8_t qh[4]) {
    uint32_t v;
    std::memcpy(&v, qh, 4);
    return v;
}
inline int q5_low(uint8_t q, uint32_t qh, int j) { return (q & 0x0F) | int(((qh >> j) << 4) & 0x10); }
inline int q5_high(uint8_t q, uint32_t qh, int j) { return (q >> 4) | int((qh >> (j + 12)) & 0x10); }

// ---- dequantization ------------------------------------------------------------------------

void q4_0_to_f32(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_q4_0*>(vx);
    for (int64_t b = 0; b < n / QK4_0; ++b, y += QK4_0) {
        const float d = fp16_to_fp32(x[b].d);
        for (int j = 0; j < QK4_0 / 2; ++j) {
            y[j] = float((x[b].qs[j] & 0x0F) - 8) * d;
            y[j + QK4_0 / 2] = float((x[b].qs[j] >> 4) - 8) * d;
        }
    }
}
void q4_1_to_f32(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_q4_1*>(vx);
    for (int64_t b = 0; b < n / QK4_1; ++b, y += QK4_1) {
        const float d = fp16_to_fp32(x[b].d), m = fp16_to_fp32(x[b].m);
        for (int j = 0; j < QK4_1 / 2; ++j) {
            y[j] = float(x[b].qs[j] & 0x0F) * d + m;
            y[j + QK4_1 / 2] = float(x[b].qs[j] >> 4) * d + m;
        }
    }
}
void q5_0_to_f32(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_q5_0*>(vx);
    for (int64_t b = 0; b < n / QK5_0; ++b, y += QK5_0) {
        const float d = fp16_to_fp32(x[b].d);
        const uint32_t qh = load_qh(x[b].qh);
        for (int j = 0; j < QK5_0 / 2; ++j) {
            y[j] = float(q5_low(x[b].qs[j], qh, j) - 16) * d;
            y[j + QK5_0 / 2] = float(q5_high(x[b].qs[j], qh, j) - 16) * d;
        }
    }
}
void q5_1_to_f32(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_q5_1*>(vx);
    for (int64_t b = 0; b < n / QK5_1; ++b, y += QK5_1) {
        const float d = fp16_to_fp32(x[b].d), m = fp16_to_fp32(x[b].m);
        const uint32_t qh = load_qh(x[b].qh);
        for (int j = 0; j < QK5_1 / 2; ++j) {
            y[j] = float(q5_low(x[b].qs[j], qh, j)) * d + m;
            y[j + QK5_1 / 2] = float(q5_high(x[b].qs[j], qh, j)) * d + m;
        }
    }
}
void q8_0_to_f32(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_q8_0*>(vx);
    for (int64_t b = 0; b < n / QK8_0; ++b, y += QK8_0) {
        const float d = fp16_to_fp32(x[b].d);
        for (int j = 0; j < QK8_0; ++j) y[j] = float(x[b].qs[j]) * d;
    }
}
void q8_1_to_f32(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_q8_1*>(vx);
    for (int64_t b = 0; b < n / QK8_1; ++b, y += QK8_1) {
        const float d = fp16_to_fp32(x[b].d);
        for (int j = 0; j < QK8_1; ++j) y[j] = float(x[b].qs[j]) * d;
    }
}

// ---- activation quantization (quantize_row_q8_0_ref / quantize_row_q8_1_ref) ---------------

// Scale of one 32-float block: d = amax / 127, and its inverse (0 for an all-zero block).
inline void q8_block_scale(const float* x, float& d, float& id) {
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::fmax(amax, std::fabs(x[j]));
    d = amax / 127.0f;
    id = d != 0 ? 1.0f / d : 0.0f;
}

void q8_0_from_f32(const float* x, void* vy, int64_t n) {
    auto* y = static_cast<block_q8_0*>(vy);
    for (int64_t b = 0; b < n / QK8_0; ++b, x += QK8_0) {
        float d, id;
        q8_block_scale(x, d, id);
        y[b].d = fp32_to_fp16(d);
        for (int j = 0; j < QK8_0; ++j) y[b].qs[j] = int8_t(std::roundf(x[j] * id));
    }
}
void q8_1_from_f32(const float* x, void* vy, int64_t n) {
    auto* y = static_cast<block_q8_1*>(vy);
    for (int64_t b = 0; b < n / QK8_1; ++b, x += QK8_1) {
        float d, id;
        q8_block_scale(x, d, id);
        y[b].d = fp32_to_fp16(d);
        int sum = 0;
        for (int j = 0; j < QK8_1; ++j) {
            y[b].qs[j] = int8_t(std::roundf(x[j] * id));
            sum += y[b].qs[j];
        }
        y[b].s = fp32_to_fp16(float(sum) * d);
    }
}

// ---- block dot products --------------------------------------------------------------------

void vec_dot_q4_0_q8_0(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_q4_0*>(vx);
    const auto* y = static_cast<const block_q8_0*>(vy);
    float sum = 0;
    for (int64_t b = 0; b < n / QK8_0; ++b) {
        int sumi0 = 0, sumi1 = 0;
        for (int j = 0; j < QK8_0 / 2; ++j) {
            sumi0 += ((x[b].qs[j] & 0x0F) - 8) * y[b].qs[j];
            sumi1 += ((x[b].qs[j] >> 4) - 8) * y[b].qs[j + QK8_0 / 2];
        }
        sum += float(sumi0 + sumi1) * fp16_to_fp32(x[b].d) * fp16_to_fp32(y[b].d);
    }
    *s = sum;
}
void vec_dot_q4_1_q8_1(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_q4_1*>(vx);
    const auto* y = static_cast<const block_q8_1*>(vy);
    float sum = 0;
    for (int64_t b = 0; b < n / QK8_1; ++b) {
        int sumi0 = 0, sumi1 = 0;
        for (int j = 0; j < QK8_1 / 2; ++j) {
            sumi0 += (x[b].qs[j] & 0x0F) * y[b].qs[j];
            sumi1 += (x[b].qs[j] >> 4) * y[b].qs[j + QK8_1 / 2];
        }
        sum += (fp16_to_fp32(x[b].d) * fp16_to_fp32(y[b].d)) * float(sumi0 + sumi1) +
               fp16_to_fp32(x[b].m) * fp16_to_fp32(y[b].s);
    }
    *s = sum;
}
void vec_dot_q5_0_q8_0(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_q5_0*>(vx);
    const auto* y = static_cast<const block_q8_0*>(vy);
    float sum = 0;
    for (int64_t b = 0; b < n / QK8_0; ++b) {
        const uint32_t qh = load_qh(x[b].qh);
        int sumi0 = 0, sumi1 = 0;
        for (int j = 0; j < QK8_0 / 2; ++j) {
            sumi0 += (q5_low(x[b].qs[j], qh, j) - 16) * y[b].qs[j];
            sumi1 += (q5_high(x[b].qs[j], qh, j) - 16) * y[b].qs[j + QK8_0 / 2];
        }
        sum += (fp16_to_fp32(x[b].d) * fp16_to_fp32(y[b].d)) * float(sumi0 + sumi1);
    }
    *s = sum;
}
void vec_dot_q5_1_q8_1(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_q5_1*>(vx);
    const auto* y = static_cast<const block_q8_1*>(vy);
    float sum = 0;
    for (int64_t b = 0; b < n / QK8_1; ++b) {
        const uint32_t qh = load_qh(x[b].qh);
        int sumi0 = 0, sumi1 = 0;
        for (int j = 0; j < QK8_1 / 2; ++j) {
            sumi0 += q5_low(x[b].qs[j], qh, j) * y[b].qs[j];
            sumi1 += q5_high(x[b].qs[j], qh, j) * y[b].qs[j + QK8_1 / 2];
        }
        sum += (fp16_to_fp32(x[b].d) * fp16_to_fp32(y[b].d)) * float(sumi0 + sumi1) +
               fp16_to_fp32(x[b].m) * fp16_to_fp32(y[b].s);
    }
    *s = sum;
}
void vec_dot_q8_0_q8_0(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_q8_0*>(vx);
    const auto* y = static_cast<const block_q8_0*>(vy);
    float sum = 0;
    for (int64_t b = 0; b < n / QK8_0; ++b) {
        int sumi = 0;
        for (int j = 0; j < QK8_0; ++j) sumi += x[b].qs[j] * y[b].qs[j];
        sum += float(sumi) * (fp16_to_fp32(x[b].d) * fp16_to_fp32(y[b].d));
    }
    *s = sum;
}
// ggml has no q8_1 weight kernel; this one exists so that q8_1 rows can be inspected and tested.
void vec_dot_q8_1_q8_1(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_q8_1*>(vx);
    const auto* y = static_cast<const block_q8_1*>(vy);
    float sum = 0;
    for (int64_t b = 0; b < n / QK8_1; ++b) {
        int sumi = 0;
        for (int j = 0; j < QK8_1; ++j) sumi += x[b].qs[j] * y[b].qs[j];
        sum += float(sumi) * (fp16_to_fp32(x[b].d) * fp16_to_fp32(y[b].d));
    }
    *s = sum;
}

}  // namespace

void kernels_register_base_scalar(KernelTable& t) {
    t[GgmlType::F32] = {f32_to_f32, f32_from_f32, vec_dot_f32, GgmlType::F32};
    t[GgmlType::F16] = {f16_to_f32, f16_from_f32, vec_dot_f16, GgmlType::F16};
    t[GgmlType::BF16] = {bf16_to_f32, bf16_from_f32, vec_dot_bf16, GgmlType::BF16};
    t[GgmlType::Q4_0] = {q4_0_to_f32, nullptr, vec_dot_q4_0_q8_0, GgmlType::Q8_0};
    t[GgmlType::Q4_1] = {q4_1_to_f32, nullptr, vec_dot_q4_1_q8_1, GgmlType::Q8_1};
    t[GgmlType::Q5_0] = {q5_0_to_f32, nullptr, vec_dot_q5_0_q8_0, GgmlType::Q8_0};
    t[GgmlType::Q5_1] = {q5_1_to_f32, nullptr, vec_dot_q5_1_q8_1, GgmlType::Q8_1};
    t[GgmlType::Q8_0] = {q8_0_to_f32, q8_0_from_f32, vec_dot_q8_0_q8_0, GgmlType::Q8_0};
    t[GgmlType::Q8_1] = {q8_1_to_f32, q8_1_from_f32, vec_dot_q8_1_q8_1, GgmlType::Q8_1};
}

}  // namespace qs
