// Internal, ARM64 files only: the Advanced SIMD (NEON) kernels. Included by base_neon.cpp and
// kquants_neon.cpp (baseline ARMv8-A) and by neon_dotprod.cpp (compiled with +dotprod, where the
// 32-element integer block sums use SDOT). Everything is in an anonymous namespace, so each file
// gets its own copies compiled for its own instruction set (as simd_common.h for x86).
//
// Exactness (tests/kernels/neon_exactness.cpp, run under qemu-aarch64 by scripts/test-aarch64.sh):
// every integer kernel forms the exact integer sums the scalar reference forms, grouped into the
// same lanes, and then repeats the reference's float operations in the same order (no fused
// multiply-add: the kernels library is built with -ffp-contract=off), so dequantization, q8_0
// activation quantization and the q4_0, q8_0, q4_K and q6_K dot products are bit-identical to the
// scalar kernels. The f32/f16 dots sum in another order (4 x 4 float lanes instead of double).
#pragma once

#if defined(__aarch64__)

#include <arm_neon.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/fp16.h"
#include "kernels/kernel_table.h"
#include "kernels/kquants_common.h"
#include "tensor/blocks.h"

namespace qs::neon {
namespace {

// ---- helpers ---------------------------------------------------------------------------------

// Exact sum of 32 signed x signed byte products (|a|, |b| <= 128, so a product fits int16).
inline int32_t dot_s8_32(const int8_t* a, const int8_t* b) {
    const int8x16_t a0 = vld1q_s8(a), a1 = vld1q_s8(a + 16), b0 = vld1q_s8(b), b1 = vld1q_s8(b + 16);
#if defined(__ARM_FEATURE_DOTPROD)
    return vaddvq_s32(vdotq_s32(vdotq_s32(vdupq_n_s32(0), a0, b0), a1, b1));
#else
    int32x4_t acc = vpaddlq_s16(vmull_s8(vget_low_s8(a0), vget_low_s8(b0)));
    acc = vpadalq_s16(acc, vmull_high_s8(a0, b0));
    acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(a1), vget_low_s8(b1)));
    acc = vpadalq_s16(acc, vmull_high_s8(a1, b1));
    return vaddvq_s32(acc);
#endif
}

inline float32x4_t load4(const float* p) { return vld1q_f32(p); }
inline float32x4_t load4(const fp16_t* p) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p))); }
inline float one(float v) { return v; }
inline float one(fp16_t v) { return fp16_to_fp32(v); }

// ---- float types -----------------------------------------------------------------------------

template <class T>
void vec_dot_float(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const T*>(vx);
    const auto* y = static_cast<const T*>(vy);
    float32x4_t acc[4] = {vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0)};
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int a = 0; a < 4; ++a) acc[a] = vfmaq_f32(acc[a], load4(x + i + 4 * a), load4(y + i + 4 * a));
    for (; i + 4 <= n; i += 4) acc[0] = vfmaq_f32(acc[0], load4(x + i), load4(y + i));
    float sum = vaddvq_f32(vaddq_f32(vaddq_f32(acc[0], acc[1]), vaddq_f32(acc[2], acc[3])));
    for (; i < n; ++i) sum += one(x[i]) * one(y[i]);
    *s = sum;
}

void f16_to_f32(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const fp16_t*>(vx);
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(y + i, load4(x + i));
    for (; i < n; ++i) y[i] = fp16_to_fp32(x[i]);
}

// Round to nearest even, as fp32_to_fp16 (Linux runs with the default FPCR rounding mode).
void f16_from_f32(const float* x, void* vy, int64_t n) {
    auto* y = static_cast<fp16_t*>(vy);
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) vst1_u16(y + i, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(x + i))));
    for (; i < n; ++i) y[i] = fp32_to_fp16(x[i]);
}

// ---- legacy block types ------------------------------------------------------------------------

// 32 quants of a q4_0 block minus 8, in element order (low nibbles, then high nibbles).
inline void q4_0_signed(const block_q4_0& b, int8_t out[32]) {
    const uint8x16_t q = vld1q_u8(b.qs);
    const int8x16_t eight = vdupq_n_s8(8);
    vst1q_s8(out, vsubq_s8(vreinterpretq_s8_u8(vandq_u8(q, vdupq_n_u8(0x0F))), eight));
    vst1q_s8(out + 16, vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(q, 4)), eight));
}

// Stores float(q[j]) * d for 32 signed quants: one product per element, as the scalar kernels.
inline void store_scaled(const int8_t q[32], float d, float* y) {
    const float32x4_t vd = vdupq_n_f32(d);
    for (int h = 0; h < 2; ++h) {
        const int16x8_t w = vmovl_s8(vld1_s8(q + 16 * h)), w2 = vmovl_s8(vld1_s8(q + 16 * h + 8));
        vst1q_f32(y + 16 * h, vmulq_f32(vcvtq_f32_s32(vmovl_s16(vget_low_s16(w))), vd));
        vst1q_f32(y + 16 * h + 4, vmulq_f32(vcvtq_f32_s32(vmovl_high_s16(w)), vd));
        vst1q_f32(y + 16 * h + 8, vmulq_f32(vcvtq_f32_s32(vmovl_s16(vget_low_s16(w2))), vd));
        vst1q_f32(y + 16 * h + 12, vmulq_f32(vcvtq_f32_s32(vmovl_high_s16(w2)), vd));
    }
}

void q4_0_to_f32(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_q4_0*>(vx);
    for (int64_t b = 0; b < n / 32; ++b) {
        int8_t q[32];
        q4_0_signed(x[b], q);
        store_scaled(q, fp16_to_fp32(x[b].d), y + 32 * b);
    }
}

void q8_0_to_f32(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_q8_0*>(vx);
    for (int64_t b = 0; b < n / 32; ++b) store_scaled(x[b].qs, fp16_to_fp32(x[b].d), y + 32 * b);
}

// quantize_row_q8_0_ref: d = amax / 127, quants round(x * (1 / d)) half away from zero (FCVTAS).
void q8_0_from_f32(const float* x, void* vy, int64_t n) {
    auto* y = static_cast<block_q8_0*>(vy);
    for (int64_t b = 0; b < n / 32; ++b, x += 32) {
        float32x4_t v[8];
        float32x4_t amax = vdupq_n_f32(0);
        for (int i = 0; i < 8; ++i) {
            v[i] = vld1q_f32(x + 4 * i);
            amax = vmaxq_f32(amax, vabsq_f32(v[i]));
        }
        const float d = vmaxvq_f32(amax) / 127.0f;
        const float id = d != 0 ? 1.0f / d : 0.0f;
        y[b].d = fp32_to_fp16(d);
        for (int i = 0; i < 8; i += 2) {
            const int32x4_t q0 = vcvtaq_s32_f32(vmulq_f32(v[i], vdupq_n_f32(id)));
            const int32x4_t q1 = vcvtaq_s32_f32(vmulq_f32(v[i + 1], vdupq_n_f32(id)));
            const int16x8_t q16 = vcombine_s16(vmovn_s32(q0), vmovn_s32(q1));
            vst1_s8(y[b].qs + 4 * i, vmovn_s16(q16));
        }
    }
}

// The scalar kernels' float formulas, block by block.
void vec_dot_q4_0_q8_0(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_q4_0*>(vx);
    const auto* y = static_cast<const block_q8_0*>(vy);
    float sum = 0;
    for (int64_t b = 0; b < n / 32; ++b) {
        int8_t q[32];
        q4_0_signed(x[b], q);
        sum += float(dot_s8_32(q, y[b].qs)) * fp16_to_fp32(x[b].d) * fp16_to_fp32(y[b].d);
    }
    *s = sum;
}

void vec_dot_q8_0_q8_0(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_q8_0*>(vx);
    const auto* y = static_cast<const block_q8_0*>(vy);
    float sum = 0;
    for (int64_t b = 0; b < n / 32; ++b)
        sum += float(dot_s8_32(x[b].qs, y[b].qs)) * (fp16_to_fp32(x[b].d) * fp16_to_fp32(y[b].d));
    *s = sum;
}

// ---- K-quants against q8_K --------------------------------------------------------------------
// The scalar reference keeps 8 int32 lanes per super-block, lane l summing scale_j * (products of
// elements l and l + 8 of every 16-element sub-block j), then adds d * float(lane) into 8 float
// lanes. Here lanes 0-3 and 4-7 are two int32x4 vectors built the same way (exact integers), and
// the float lanes get the same multiply and add.
struct KLanes {
    float32x4_t lo = vdupq_n_f32(0), hi = vdupq_n_f32(0);

    // One super-block: a[256] the signed quants, sc[16] the sub-block scales.
    void add(const int8_t* a, const int8_t* q8, const int16_t* sc, float d) {
        int32x4_t ilo = vdupq_n_s32(0), ihi = vdupq_n_s32(0);
        for (int j = 0; j < 16; ++j) {
            const int8x16_t av = vld1q_s8(a + 16 * j), qv = vld1q_s8(q8 + 16 * j);
            // products of elements l and l + 8: |a| <= 32, |q8| <= 128, so their sum fits int16
            const int16x8_t p = vaddq_s16(vmull_s8(vget_low_s8(av), vget_low_s8(qv)), vmull_high_s8(av, qv));
            ilo = vmlal_n_s16(ilo, vget_low_s16(p), sc[j]);
            ihi = vmlal_high_n_s16(ihi, p, sc[j]);
        }
        const float32x4_t vd = vdupq_n_f32(d);
        lo = vaddq_f32(lo, vmulq_f32(vd, vcvtq_f32_s32(ilo)));
        hi = vaddq_f32(hi, vmulq_f32(vd, vcvtq_f32_s32(ihi)));
    }
    // Adds the 8 lanes onto start, in lane order.
    float add_lanes(float start) const {
        float l[8];
        vst1q_f32(l, lo);
        vst1q_f32(l + 4, hi);
        for (float v : l) start += v;
        return start;
    }
};

void vec_dot_q4_K(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_q4_K*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    KLanes acc;
    float sumf = 0.f;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        alignas(16) int8_t a[QK_K];
        for (int g = 0; g < QK_K / 64; ++g) {
            const uint8x16_t q0 = vld1q_u8(x[i].qs + 32 * g), q1 = vld1q_u8(x[i].qs + 32 * g + 16);
            const uint8x16_t m = vdupq_n_u8(0x0F);
            vst1q_s8(a + 64 * g, vreinterpretq_s8_u8(vandq_u8(q0, m)));
            vst1q_s8(a + 64 * g + 16, vreinterpretq_s8_u8(vandq_u8(q1, m)));
            vst1q_s8(a + 64 * g + 32, vreinterpretq_s8_u8(vshrq_n_u8(q0, 4)));
            vst1q_s8(a + 64 * g + 48, vreinterpretq_s8_u8(vshrq_n_u8(q1, 4)));
        }
        uint8_t scales_mins[16];  // 8 scales, then 8 mins
        kquants::unpack_scales_mins_k4(x[i].scales, scales_mins);
        int summs = 0;
        for (int j = 0; j < QK_K / 16; ++j) summs += y[i].bsums[j] * scales_mins[8 + j / 2];
        int16_t sc[16];
        for (int j = 0; j < 16; ++j) sc[j] = scales_mins[j / 2];
        acc.add(a, y[i].qs, sc, fp16_to_fp32(x[i].d) * y[i].d);
        const float dmin = fp16_to_fp32(x[i].dmin) * y[i].d;
        sumf -= dmin * float(summs);
    }
    *s = acc.add_lanes(sumf);
}

void vec_dot_q6_K(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_q6_K*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    KLanes acc;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        alignas(16) int8_t a[QK_K];
        for (int half = 0; half < 2; ++half) {
            const uint8_t* ql = x[i].ql + 64 * half;
            const uint8_t* qh = x[i].qh + 32 * half;
            for (int part = 0; part < 2; ++part) {  // l = 16 part .. 16 part + 15
                const uint8x16_t l0 = vld1q_u8(ql + 16 * part), l1 = vld1q_u8(ql + 32 + 16 * part);
                const uint8x16_t h = vld1q_u8(qh + 16 * part);
                const uint8x16_t low4 = vdupq_n_u8(0x0F), two = vdupq_n_u8(3);
                // element 32 k + l: low 4 bits from ql[l] (k = 0, 2) or ql[l + 32] (k = 1, 3), low
                // nibble for k < 2; high 2 bits = bits 2k..2k+1 of qh[l]; minus 32.
                const uint8x16_t lo[4] = {vandq_u8(l0, low4), vandq_u8(l1, low4), vshrq_n_u8(l0, 4), vshrq_n_u8(l1, 4)};
                const uint8x16_t hi[4] = {vandq_u8(h, two), vandq_u8(vshrq_n_u8(h, 2), two), vandq_u8(vshrq_n_u8(h, 4), two),
                                          vshrq_n_u8(h, 6)};
                for (int k = 0; k < 4; ++k) {
                    const uint8x16_t q = vorrq_u8(lo[k], vshlq_n_u8(hi[k], 4));
                    vst1q_s8(a + 128 * half + 32 * k + 16 * part, vsubq_s8(vreinterpretq_s8_u8(q), vdupq_n_s8(32)));
                }
            }
        }
        int16_t sc[16];
        for (int j = 0; j < 16; ++j) sc[j] = x[i].scales[j];
        acc.add(a, y[i].qs, sc, fp16_to_fp32(x[i].d) * y[i].d);
    }
    *s = acc.add_lanes(0.f);
}

// ---- registration ------------------------------------------------------------------------------

inline void register_base(KernelTable& t) {
    t[GgmlType::F32].vec_dot = vec_dot_float<float>;
    t[GgmlType::F16] = {f16_to_f32, f16_from_f32, vec_dot_float<fp16_t>, GgmlType::F16};
    t[GgmlType::Q4_0].to_f32 = q4_0_to_f32;
    t[GgmlType::Q4_0].vec_dot = vec_dot_q4_0_q8_0;
    t[GgmlType::Q8_0] = {q8_0_to_f32, q8_0_from_f32, vec_dot_q8_0_q8_0, GgmlType::Q8_0};
}

inline void register_kquants(KernelTable& t) {
    t[GgmlType::Q4_K].vec_dot = vec_dot_q4_K;
    t[GgmlType::Q6_K].vec_dot = vec_dot_q6_K;
}

}  // namespace
}  // namespace qs::neon

#endif  // __aarch64__
