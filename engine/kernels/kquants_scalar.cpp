// Scalar reference kernels of the K-quants (q2_K..q6_K) and their activation type q8_K.
//
// Each function mirrors ggml's generic C version (ggml-quants.c dequantize_row_*, quantize_row_q8_K_ref,
// ggml-cpu/quants.c ggml_vec_dot_*_q8_K_generic) operation for operation, including the order of
// float roundings, so that these are the ground truth the SIMD files and tests compare against.
// All K-quants use 256-element super-blocks (QK_K) split into sub-blocks of 16 or 32 that each have
// a small integer scale (and, for q2_K/q4_K/q5_K, a min) multiplied by fp16 super-block factors.
//
// Dot products: activations are q8_K (float d, 256 int8 quants, int16 sums of each group of 16).
// Per super-block the products are accumulated in integers and scaled once by d_x * d_y; the
// "- dmin * m" term of types with mins is computed from the q8_K group sums (bsums).

// ggml's float formulas must round as written (x * d - m is two roundings, not one FMA), and GCC
// contracts by default in C++ whenever FMA is available; this must precede every include so the
// inlined helpers and intrinsics share the setting. Explicit FMA intrinsics are unaffected.
#pragma GCC optimize("fp-contract=off")
#include <cmath>
#include <cstring>

#include "kernels/kernel_table.h"
#include "kernels/kquants_common.h"

namespace qs {
namespace {

using kquants::scale_min_k4;

// ---------------------------------------------------------------------------------------------
// Dequantization
// ---------------------------------------------------------------------------------------------

// q2_K: qs[64] holds 4 quants of 2 bits per byte. Each half (128 elements) uses 32 bytes: the
// elements 32*s .. 32*s+31 of that half are bits 2s..2s+1 of those 32 bytes; each run of 16 has its
// own scales byte (low nibble scale, high nibble min).
void to_f32_q2_K(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_q2_K*>(vx);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        const float dmin = fp16_to_fp32(x[i].dmin);
        const uint8_t* q = x[i].qs;
        int is = 0;
        for (int half = 0; half < QK_K / 128; ++half) {
            for (int shift = 0; shift < 8; shift += 2) {
                for (int part = 0; part < 2; ++part) {  // two runs of 16 per 32 bytes
                    const uint8_t sc = x[i].scales[is++];
                    const float dl = d * float(sc & 0xF);
                    const float ml = dmin * float(sc >> 4);
                    for (int l = 0; l < 16; ++l) *y++ = dl * float((q[part * 16 + l] >> shift) & 3) - ml;
                }
            }
            q += 32;
        }
    }
}

// q3_K: like q2_K for the low 2 bits; hmask[32] holds the 3rd bit (bit k of hmask[l] belongs to
// the k-th run of 32 elements, position l); a clear high bit means q - 4. Scales are 6-bit - 32.
void to_f32_q3_K(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_q3_K*>(vx);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d_all = fp16_to_fp32(x[i].d);
        int8_t scales[16];
        kquants::unpack_scales_q3_K(x[i].scales, scales);
        const uint8_t* q = x[i].qs;
        const uint8_t* hm = x[i].hmask;
        uint8_t m = 1;
        int is = 0;
        for (int half = 0; half < QK_K / 128; ++half) {
            for (int shift = 0; shift < 8; shift += 2) {
                for (int part = 0; part < 2; ++part) {
                    const float dl = d_all * float(scales[is++]);
                    for (int l = part * 16; l < part * 16 + 16; ++l) {
                        const int v = ((q[l] >> shift) & 3) - ((hm[l] & m) ? 0 : 4);
                        *y++ = dl * float(v);
                    }
                }
                m = uint8_t(m << 1);
            }
            q += 32;
        }
    }
}

// q4_K: 4 groups of 64 elements, each from 32 bytes of qs: the low nibbles are the first 32
// elements (sub-block 2g), the high nibbles the next 32 (sub-block 2g+1).
void to_f32_q4_K(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_q4_K*>(vx);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        const float dmin = fp16_to_fp32(x[i].dmin);
        const uint8_t* q = x[i].qs;
        for (int g = 0; g < QK_K / 64; ++g) {
            uint8_t sc, m;
            scale_min_k4(2 * g, x[i].scales, sc, m);
            const float d1 = d * float(sc), m1 = dmin * float(m);
            scale_min_k4(2 * g + 1, x[i].scales, sc, m);
            const float d2 = d * float(sc), m2 = dmin * float(m);
            for (int l = 0; l < 32; ++l) *y++ = d1 * float(q[l] & 0xF) - m1;
            for (int l = 0; l < 32; ++l) *y++ = d2 * float(q[l] >> 4) - m2;
            q += 32;
        }
    }
}

// q5_K: q4_K plus a 5th bit: bit 2g of qh[l] for the low-nibble element l of group g, bit 2g+1
// for its high-nibble element.
void to_f32_q5_K(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_q5_K*>(vx);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        const float dmin = fp16_to_fp32(x[i].dmin);
        const uint8_t* ql = x[i].qs;
        const uint8_t* qh = x[i].qh;
        uint8_t u1 = 1, u2 = 2;
        for (int g = 0; g < QK_K / 64; ++g) {
            uint8_t sc, m;
            scale_min_k4(2 * g, x[i].scales, sc, m);
            const float d1 = d * float(sc), m1 = dmin * float(m);
            scale_min_k4(2 * g + 1, x[i].scales, sc, m);
            const float d2 = d * float(sc), m2 = dmin * float(m);
            for (int l = 0; l < 32; ++l) *y++ = d1 * float((ql[l] & 0xF) + ((qh[l] & u1) ? 16 : 0)) - m1;
            for (int l = 0; l < 32; ++l) *y++ = d2 * float((ql[l] >> 4) + ((qh[l] & u2) ? 16 : 0)) - m2;
            ql += 32;
            u1 = uint8_t(u1 << 2);
            u2 = uint8_t(u2 << 2);
        }
    }
}

// The 6-bit quant (minus 32) of q6_K element 128*h + 32*k + l (k = 0..3, l = 0..31), where ql/qh
// point at half h: low 4 bits from ql[l] (k=0,2) or ql[l+32] (k=1,3), low nibble for k<2, high
// for k>=2; high 2 bits are bits 2k..2k+1 of qh[l].
inline int q6_K_quant(const uint8_t* ql, const uint8_t* qh, int k, int l) {
    const uint8_t lo_byte = ql[l + 32 * (k & 1)];
    const int lo = k < 2 ? (lo_byte & 0xF) : (lo_byte >> 4);
    const int hi = (qh[l] >> (2 * k)) & 3;
    return (lo | (hi << 4)) - 32;
}

// q6_K: 16 sub-blocks of 16 with signed 8-bit scales.
void to_f32_q6_K(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_q6_K*>(vx);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        const uint8_t* ql = x[i].ql;
        const uint8_t* qh = x[i].qh;
        const int8_t* sc = x[i].scales;
        for (int half = 0; half < QK_K / 128; ++half) {
            for (int l = 0; l < 32; ++l) {
                const int is = l / 16;
                for (int k = 0; k < 4; ++k) {
                    // ggml evaluates d * sc * q left to right: (d * sc) rounded, then * q.
                    y[32 * k + l] = d * float(sc[is + 2 * k]) * float(q6_K_quant(ql, qh, k, l));
                }
            }
            y += 128;
            ql += 64;
            qh += 32;
            sc += 8;
        }
    }
}

void to_f32_q8_K(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_q8_K*>(vx);
    for (int64_t i = 0; i < n / QK_K; ++i)
        for (int j = 0; j < QK_K; ++j) *y++ = x[i].d * float(x[i].qs[j]);
}

// quantize_row_q8_K_ref: the scale comes from the element of largest magnitude (the first one if
// several tie), keeping its sign, so that element maps to exactly -127.
void from_f32_q8_K(const float* x, void* vy, int64_t n) {
    auto* y = static_cast<block_q8_K*>(vy);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        float max = 0.f, amax = 0.f;
        for (int j = 0; j < QK_K; ++j) {
            const float ax = std::fabs(x[j]);
            if (ax > amax) {
                amax = ax;
                max = x[j];
            }
        }
        kquants::q8_K_block_finish_scalar(x, max, y[i]);
        x += QK_K;
    }
}

// ---------------------------------------------------------------------------------------------
// Dot products with q8_K
// ---------------------------------------------------------------------------------------------

// ggml's generic q3_K..q6_K dot products unpack a super-block to 256 int8 quants, then accumulate
// scale * (q8 * q) into 8 int32 lanes, and add d * lane into 8 float lanes summed at the end. We keep
// that lane structure because it fixes the float rounding order.
struct LaneSums {
    float sums[8] = {};

    // Adds the 16-element sub-blocks of unpacked quants a[256] with scales sc[16] (one per 16).
    void add_block16(const int8_t* a, const int8_t* q8, const int* sc, float d) {
        int32_t aux32[8] = {};
        for (int j = 0; j < QK_K / 16; ++j)
            for (int half = 0; half < 2; ++half)
                for (int l = 0; l < 8; ++l) {
                    const int idx = 16 * j + 8 * half + l;
                    aux32[l] += sc[j] * int16_t(q8[idx] * a[idx]);
                }
        for (int l = 0; l < 8; ++l) sums[l] += d * float(aux32[l]);
    }

    float total() const {
        float s = 0.f;
        for (float v : sums) s += v;
        return s;
    }
};

// Scales for sub-blocks of 32 expressed per run of 16 (each used twice), for add_block16.
inline void scales32_to_16(const uint8_t sc32[8], int sc16[16]) {
    for (int j = 0; j < 16; ++j) sc16[j] = sc32[j / 2];
}

void vec_dot_q2_K(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_q2_K*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    float sumf = 0.f;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const uint8_t* q2 = x[i].qs;
        const int8_t* q8 = y[i].qs;
        const uint8_t* sc = x[i].scales;
        int summs = 0;  // sum over runs of min_j * (sum of the run's q8)
        for (int j = 0; j < 16; ++j) summs += y[i].bsums[j] * (sc[j] >> 4);
        const float dall = y[i].d * fp16_to_fp32(x[i].d);
        const float dmin = y[i].d * fp16_to_fp32(x[i].dmin);
        int isum = 0;
        int is = 0;
        for (int half = 0; half < QK_K / 128; ++half) {
            for (int shift = 0; shift < 8; shift += 2) {
                for (int part = 0; part < 2; ++part) {
                    const int d = sc[is++] & 0xF;
                    int isuml = 0;
                    for (int l = part * 16; l < part * 16 + 16; ++l) isuml += q8[l] * ((q2[l] >> shift) & 3);
                    isum += d * isuml;
                }
                q8 += 32;
            }
            q2 += 32;
        }
        sumf += dall * float(isum) - dmin * float(summs);
    }
    *s = sumf;
}

void vec_dot_q3_K(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_q3_K*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    LaneSums acc;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        int8_t a[QK_K];  // signed quants in element order, -4..3
        const uint8_t* q3 = x[i].qs;
        const uint8_t* hm = x[i].hmask;
        int8_t* out = a;
        uint8_t m = 1;
        for (int half = 0; half < QK_K / 128; ++half) {
            for (int shift = 0; shift < 8; shift += 2) {
                for (int l = 0; l < 32; ++l) out[l] = int8_t(((q3[l] >> shift) & 3) - ((hm[l] & m) ? 0 : 4));
                out += 32;
                m = uint8_t(m << 1);
            }
            q3 += 32;
        }
        int8_t sc8[16];
        kquants::unpack_scales_q3_K(x[i].scales, sc8);
        int sc[16];
        for (int j = 0; j < 16; ++j) sc[j] = sc8[j];
        acc.add_block16(a, y[i].qs, sc, fp16_to_fp32(x[i].d) * y[i].d);
    }
    *s = acc.total();
}

// q4_K and q5_K share everything but the unpacking of the quants.
template <typename Block, void (*Unpack)(const Block&, int8_t*)>
void vec_dot_q45_K(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const Block*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    LaneSums acc;
    float sumf = 0.f;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        int8_t a[QK_K];
        Unpack(x[i], a);
        uint8_t scales_mins[16];  // 8 scales, then 8 mins
        kquants::unpack_scales_mins_k4(x[i].scales, scales_mins);
        int summs = 0;
        for (int j = 0; j < QK_K / 16; ++j) summs += y[i].bsums[j] * scales_mins[8 + j / 2];
        int sc[16];
        scales32_to_16(scales_mins, sc);
        acc.add_block16(a, y[i].qs, sc, fp16_to_fp32(x[i].d) * y[i].d);
        const float dmin = fp16_to_fp32(x[i].dmin) * y[i].d;
        sumf -= dmin * float(summs);
    }
    // ggml adds the lanes onto the running mins term, in lane order.
    for (float v : acc.sums) sumf += v;
    *s = sumf;
}

void unpack_q4_K(const block_q4_K& b, int8_t* a) {
    for (int g = 0; g < QK_K / 64; ++g)
        for (int l = 0; l < 32; ++l) {
            a[64 * g + l] = int8_t(b.qs[32 * g + l] & 0xF);
            a[64 * g + 32 + l] = int8_t(b.qs[32 * g + l] >> 4);
        }
}

void unpack_q5_K(const block_q5_K& b, int8_t* a) {
    for (int g = 0; g < QK_K / 64; ++g)
        for (int l = 0; l < 32; ++l) {
            const uint8_t q = b.qs[32 * g + l], h = b.qh[l];
            a[64 * g + l] = int8_t((q & 0xF) + (((h >> (2 * g)) & 1) << 4));
            a[64 * g + 32 + l] = int8_t((q >> 4) + (((h >> (2 * g + 1)) & 1) << 4));
        }
}

void vec_dot_q6_K(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_q6_K*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    LaneSums acc;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        int8_t a[QK_K];
        for (int half = 0; half < 2; ++half)
            for (int k = 0; k < 4; ++k)
                for (int l = 0; l < 32; ++l)
                    a[128 * half + 32 * k + l] = int8_t(q6_K_quant(x[i].ql + 64 * half, x[i].qh + 32 * half, k, l));
        int sc[16];
        for (int j = 0; j < 16; ++j) sc[j] = x[i].scales[j];
        acc.add_block16(a, y[i].qs, sc, fp16_to_fp32(x[i].d) * y[i].d);
    }
    *s = acc.total();
}

}  // namespace

void kernels_register_kquants_scalar(KernelTable& t) {
    t[GgmlType::Q2_K] = {to_f32_q2_K, nullptr, vec_dot_q2_K, GgmlType::Q8_K};
    t[GgmlType::Q3_K] = {to_f32_q3_K, nullptr, vec_dot_q3_K, GgmlType::Q8_K};
    t[GgmlType::Q4_K] = {to_f32_q4_K, nullptr, vec_dot_q45_K<block_q4_K, unpack_q4_K>, GgmlType::Q8_K};
    t[GgmlType::Q5_K] = {to_f32_q5_K, nullptr, vec_dot_q45_K<block_q5_K, unpack_q5_K>, GgmlType::Q8_K};
    t[GgmlType::Q6_K] = {to_f32_q6_K, nullptr, vec_dot_q6_K, GgmlType::Q8_K};
    t[GgmlType::Q8_K] = {to_f32_q8_K, from_f32_q8_K, nullptr, GgmlType::Q8_K};
}

}  // namespace qs
