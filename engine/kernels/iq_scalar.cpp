// Scalar reference kernels of ggml's IQ types: iq2_xxs, iq2_xs, iq2_s, iq3_xxs, iq3_s, iq1_s,
// iq1_m (grid types, against q8_K) and iq4_nl (against q8_0), iq4_xs (against q8_K).
//
// Dequantization mirrors ggml's C code (ggml-quants.c dequantize_row_iq*) operation for operation;
// the dot products compute the integer sums of ggml-cpu/quants.c ggml_vec_dot_iq*_q8_K_generic /
// ggml_vec_dot_iq4_nl_q8_0_generic and their float steps in the same order. These are the ground
// truth the SIMD files and tests compare against; iq_common.h explains why the SIMD versions can,
// and do, reproduce them bit for bit.

// ggml's float expressions must round as written (no FMA contraction); see kquants_scalar.cpp.
#pragma GCC optimize("fp-contract=off")
#include <cstring>

#include "kernels/iq_common.h"
#include "kernels/kernel_table.h"

namespace qs {
namespace {

using namespace iqk;
using iq::kmask_iq2xs;
using iq::ksigns_iq2xs;
using iq::kvalues_iq4nl;

inline float sign_of(uint8_t signs, int j) { return (signs & kmask_iq2xs[j]) ? -1.f : 1.f; }
inline int isign_of(uint8_t signs, int j) { return (signs & kmask_iq2xs[j]) ? -1 : 1; }

// ---------------------------------------------------------------------------------------------
// Dequantization
// ---------------------------------------------------------------------------------------------

void to_f32_iq2_xxs(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_iq2_xxs*>(vx);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            const uint8_t* idx = reinterpret_cast<const uint8_t*>(x[i].qs + 4 * ib);
            const uint32_t aux = load_u32(x[i].qs + 4 * ib + 2);
            const float db = d * (0.5f + float(aux >> 28)) * 0.25f;
            for (int l = 0; l < 4; ++l) {
                const uint8_t* grid = grid_iq2xxs(idx[l]);
                const uint8_t signs = ksigns_iq2xs[(aux >> 7 * l) & 127];
                for (int j = 0; j < 8; ++j) y[j] = db * float(grid[j]) * sign_of(signs, j);
                y += 8;
            }
        }
    }
}

void to_f32_iq2_xs(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_iq2_xs*>(vx);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            const float db[2] = {d * (0.5f + float(x[i].scales[ib] & 0xf)) * 0.25f,
                                 d * (0.5f + float(x[i].scales[ib] >> 4)) * 0.25f};
            for (int l = 0; l < 4; ++l) {
                const uint16_t q = x[i].qs[4 * ib + l];
                const uint8_t* grid = grid_iq2xs(q & 511);
                const uint8_t signs = ksigns_iq2xs[q >> 9];
                for (int j = 0; j < 8; ++j) y[j] = db[l / 2] * float(grid[j]) * sign_of(signs, j);
                y += 8;
            }
        }
    }
}

void to_f32_iq2_s(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_iq2_s*>(vx);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        const uint8_t* signs = x[i].qs + QK_K / 8;
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            const float db[2] = {d * (0.5f + float(x[i].scales[ib] & 0xf)) * 0.25f,
                                 d * (0.5f + float(x[i].scales[ib] >> 4)) * 0.25f};
            for (int l = 0; l < 4; ++l) {
                const uint8_t* grid = grid_iq2s(iq2s_index(x[i], ib, l));
                for (int j = 0; j < 8; ++j) y[j] = db[l / 2] * float(grid[j]) * sign_of(signs[4 * ib + l], j);
                y += 8;
            }
        }
    }
}

void to_f32_iq3_xxs(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_iq3_xxs*>(vx);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        const uint8_t* qs = x[i].qs;
        const uint8_t* scales_and_signs = qs + QK_K / 4;
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            const uint32_t aux = load_u32(scales_and_signs + 4 * ib);
            const float db = d * (0.5f + float(aux >> 28)) * 0.5f;
            for (int l = 0; l < 4; ++l) {
                const uint8_t signs = ksigns_iq2xs[(aux >> 7 * l) & 127];
                const uint8_t* grid1 = grid_iq3xxs(qs[8 * ib + 2 * l]);
                const uint8_t* grid2 = grid_iq3xxs(qs[8 * ib + 2 * l + 1]);
                for (int j = 0; j < 4; ++j) {
                    y[j] = db * float(grid1[j]) * sign_of(signs, j);
                    y[j + 4] = db * float(grid2[j]) * sign_of(signs, j + 4);
                }
                y += 8;
            }
        }
    }
}

void to_f32_iq3_s(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_iq3_s*>(vx);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            const int sc = (x[i].scales[ib / 2] >> 4 * (ib % 2)) & 0xf;
            const float db = d * float(1 + 2 * sc);
            for (int l = 0; l < 4; ++l) {
                const uint8_t signs = x[i].signs[4 * ib + l];
                const uint8_t* grid1 = grid_iq3s(iq3s_index(x[i], ib, 2 * l));
                const uint8_t* grid2 = grid_iq3s(iq3s_index(x[i], ib, 2 * l + 1));
                for (int j = 0; j < 4; ++j) {
                    y[j] = db * float(grid1[j]) * sign_of(signs, j);
                    y[j + 4] = db * float(grid2[j]) * sign_of(signs, j + 4);
                }
                y += 8;
            }
        }
    }
}

void to_f32_iq1_s(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_iq1_s*>(vx);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            const uint16_t qh = x[i].qh[ib];
            const float dl = d * float(2 * ((qh >> 12) & 7) + 1);
            const float delta = (qh & 0x8000) ? -iq::IQ1S_DELTA : iq::IQ1S_DELTA;
            for (int l = 0; l < 4; ++l) {
                const int8_t* grid = grid_iq1s(x[i].qs[4 * ib + l] | (((qh >> 3 * l) & 7) << 8));
                for (int j = 0; j < 8; ++j) y[j] = dl * (float(grid[j]) + delta);
                y += 8;
            }
        }
    }
}

// iq1_m: per 16 elements a 3-bit scale; per 8 elements an 11-bit index and a shift sign.
struct Iq1mGroup {
    int index[4];
    float delta[4];
};
inline Iq1mGroup iq1m_group(const uint8_t* qs, const uint8_t* qh, float delta_value) {
    Iq1mGroup g;
    g.index[0] = qs[0] | ((qh[0] << 8) & 0x700);
    g.index[1] = qs[1] | ((qh[0] << 4) & 0x700);
    g.index[2] = qs[2] | ((qh[1] << 8) & 0x700);
    g.index[3] = qs[3] | ((qh[1] << 4) & 0x700);
    g.delta[0] = (qh[0] & 0x08) ? -delta_value : delta_value;
    g.delta[1] = (qh[0] & 0x80) ? -delta_value : delta_value;
    g.delta[2] = (qh[1] & 0x08) ? -delta_value : delta_value;
    g.delta[3] = (qh[1] & 0x80) ? -delta_value : delta_value;
    return g;
}

void to_f32_iq1_m(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_iq1_m*>(vx);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        uint16_t sc[4];
        std::memcpy(sc, x[i].scales, sizeof sc);
        const float d = fp16_to_fp32(iq1m_scale(x[i]));
        const uint8_t* qs = x[i].qs;
        const uint8_t* qh = x[i].qh;
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            const float dl1 = d * float(2 * ((sc[ib / 2] >> (6 * (ib % 2) + 0)) & 0x7) + 1);
            const float dl2 = d * float(2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3)) & 0x7) + 1);
            const Iq1mGroup g = iq1m_group(qs, qh, iq::IQ1M_DELTA);
            for (int l = 0; l < 4; ++l) {
                const int8_t* grid = grid_iq1s(g.index[l]);
                const float dl = l < 2 ? dl1 : dl2;
                for (int j = 0; j < 8; ++j) y[j] = dl * (float(grid[j]) + g.delta[l]);
                y += 8;
            }
            qs += 4;
            qh += 2;
        }
    }
}

void to_f32_iq4_nl(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_iq4_nl*>(vx);
    for (int64_t i = 0; i < n / QK4_NL; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        for (int j = 0; j < QK4_NL / 2; ++j) {
            y[j] = d * float(kvalues_iq4nl[x[i].qs[j] & 0xf]);
            y[j + QK4_NL / 2] = d * float(kvalues_iq4nl[x[i].qs[j] >> 4]);
        }
        y += QK4_NL;
    }
}

void to_f32_iq4_xs(const void* vx, float* y, int64_t n) {
    const auto* x = static_cast<const block_iq4_xs*>(vx);
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        const uint8_t* qs = x[i].qs;
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            const float dl = d * float(iq4xs_scale(x[i], ib));
            for (int j = 0; j < 16; ++j) {
                y[j] = dl * float(kvalues_iq4nl[qs[j] & 0xf]);
                y[j + 16] = dl * float(kvalues_iq4nl[qs[j] >> 4]);
            }
            y += 32;
            qs += 16;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Dot products
//
// ggml's generic dot products of the grid types all compute, per super-block, the integer
// bsum = sum over 16-element halves of (odd scale) * sum(signed grid value * q8), then
// sumf += (d_x * d_y) * bsum, and return factor * sumf. Each type below is its decoder of one
// 32-element sub-block into signed int8 values and the scales of its two halves; vec_dot_grid is
// the shared loop. iq4_xs has a float step per sub-block instead (kPerSubBlock).
// ---------------------------------------------------------------------------------------------

struct SubBlock {
    int8_t v[32];  // grid magnitude times sign (or the iq4 table value)
    int32_t ls[2]; // scale of elements 0..15 and 16..31
};

SubBlock decode_iq2_xxs(const block_iq2_xxs& b, int ib) {
    SubBlock sb;
    const uint8_t* idx = reinterpret_cast<const uint8_t*>(b.qs + 4 * ib);
    const uint32_t aux = load_u32(b.qs + 4 * ib + 2);
    for (int l = 0; l < 4; ++l) {
        const uint8_t* grid = grid_iq2xxs(idx[l]);
        const uint8_t signs = ksigns_iq2xs[(aux >> 7 * l) & 127];
        for (int j = 0; j < 8; ++j) sb.v[8 * l + j] = int8_t(grid[j] * isign_of(signs, j));
    }
    sb.ls[0] = sb.ls[1] = int32_t(2 * (aux >> 28) + 1);
    return sb;
}

SubBlock decode_iq2_xs(const block_iq2_xs& b, int ib) {
    SubBlock sb;
    for (int l = 0; l < 4; ++l) {
        const uint16_t q = b.qs[4 * ib + l];
        const uint8_t* grid = grid_iq2xs(q & 511);
        const uint8_t signs = ksigns_iq2xs[q >> 9];
        for (int j = 0; j < 8; ++j) sb.v[8 * l + j] = int8_t(grid[j] * isign_of(signs, j));
    }
    sb.ls[0] = 2 * (b.scales[ib] & 0xf) + 1;
    sb.ls[1] = 2 * (b.scales[ib] >> 4) + 1;
    return sb;
}

SubBlock decode_iq2_s(const block_iq2_s& b, int ib) {
    SubBlock sb;
    const uint8_t* signs = b.qs + QK_K / 8 + 4 * ib;
    for (int l = 0; l < 4; ++l) {
        const uint8_t* grid = grid_iq2s(iq2s_index(b, ib, l));
        for (int j = 0; j < 8; ++j) sb.v[8 * l + j] = int8_t(grid[j] * isign_of(signs[l], j));
    }
    sb.ls[0] = 1 + 2 * (b.scales[ib] & 0xf);
    sb.ls[1] = 1 + 2 * (b.scales[ib] >> 4);
    return sb;
}

SubBlock decode_iq3_xxs(const block_iq3_xxs& b, int ib) {
    SubBlock sb;
    const uint32_t aux = load_u32(b.qs + QK_K / 4 + 4 * ib);
    for (int k = 0; k < 8; ++k) {
        const uint8_t* grid = grid_iq3xxs(b.qs[8 * ib + k]);
        const uint8_t signs = ksigns_iq2xs[(aux >> 7 * (k / 2)) & 127];
        for (int j = 0; j < 4; ++j) sb.v[4 * k + j] = int8_t(grid[j] * isign_of(signs, 4 * (k % 2) + j));
    }
    sb.ls[0] = sb.ls[1] = int32_t(2 * (aux >> 28) + 1);
    return sb;
}

SubBlock decode_iq3_s(const block_iq3_s& b, int ib) {
    SubBlock sb;
    for (int k = 0; k < 8; ++k) {
        const uint8_t* grid = grid_iq3s(iq3s_index(b, ib, k));
        const uint8_t signs = b.signs[4 * ib + k / 2];
        for (int j = 0; j < 4; ++j) sb.v[4 * k + j] = int8_t(grid[j] * isign_of(signs, 4 * (k % 2) + j));
    }
    sb.ls[0] = sb.ls[1] = 2 * ((b.scales[ib / 2] >> 4 * (ib % 2)) & 0xf) + 1;
    return sb;
}

SubBlock decode_iq4_xs(const block_iq4_xs& b, int ib) {
    SubBlock sb;
    const uint8_t* qs = b.qs + 16 * ib;
    for (int j = 0; j < 16; ++j) {
        sb.v[j] = kvalues_iq4nl[qs[j] & 0xf];
        sb.v[j + 16] = kvalues_iq4nl[qs[j] >> 4];
    }
    sb.ls[0] = sb.ls[1] = iq4xs_scale(b, ib);  // signed, -32..31
    return sb;
}

// kFactorTimes8: the final factor times 8 (iq2: 1 = 0.125, iq3_xxs: 2 = 0.25, iq3_s / iq4_xs: 8 = 1).
template <class Block, SubBlock (*Decode)(const Block&, int), int kFactorTimes8, bool kPerSubBlock>
void vec_dot_grid(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const Block*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    float sumf = 0.f;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const float d = fp16_to_fp32(x[i].d) * y[i].d;
        const int8_t* q8 = y[i].qs;
        int32_t bsum = 0;
        for (int ib = 0; ib < QK_K / 32; ++ib, q8 += 32) {
            const SubBlock sb = Decode(x[i], ib);
            int32_t sumi[2] = {0, 0};
            for (int j = 0; j < 32; ++j) sumi[j / 16] += sb.v[j] * q8[j];
            if constexpr (kPerSubBlock) {
                const float dl = d * float(sb.ls[0]);  // iq4_xs: (d_x * d_y) * scale per sub-block
                sumf += dl * float(sumi[0] + sumi[1]);
            } else {
                bsum += sb.ls[0] * sumi[0] + sb.ls[1] * sumi[1];
            }
        }
        if constexpr (!kPerSubBlock) sumf += d * float(bsum);
    }
    *s = float(kFactorTimes8) / 8.0f * sumf;
}

void vec_dot_iq1_s(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_iq1_s*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    float sumf = 0.f;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        const int8_t* q8 = y[i].qs;
        int32_t sumi = 0, sumi1 = 0;
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            const uint16_t qh = x[i].qh[ib];
            const int32_t ls = 2 * ((qh >> 12) & 7) + 1;
            const int32_t delta = (qh & 0x8000) ? -1 : 1;
            int32_t lsum = 0;
            for (int l = 0; l < 4; ++l) {
                const int8_t* grid = grid_iq1s(x[i].qs[4 * ib + l] | (((qh >> 3 * l) & 7) << 8));
                for (int j = 0; j < 8; ++j) lsum += q8[j] * grid[j];
                q8 += 8;
            }
            sumi += ls * lsum;
            sumi1 += ls * delta * (y[i].bsums[2 * ib + 0] + y[i].bsums[2 * ib + 1]);
        }
        sumf += fp16_to_fp32(x[i].d) * y[i].d * (float(sumi) + iq::IQ1S_DELTA * float(sumi1));
    }
    *s = sumf;
}

void vec_dot_iq1_m(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_iq1_m*>(vx);
    const auto* y = static_cast<const block_q8_K*>(vy);
    float sumf = 0.f;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        uint16_t sc[4];
        std::memcpy(sc, x[i].scales, sizeof sc);
        const int8_t* q8 = y[i].qs;
        const uint8_t* qs = x[i].qs;
        const uint8_t* qh = x[i].qh;
        int32_t sumi1 = 0, sumi2 = 0;
        for (int ib = 0; ib < QK_K / 32; ++ib) {
            const int delta[4] = {(qh[0] & 0x08) ? -1 : 1, (qh[0] & 0x80) ? -1 : 1, (qh[1] & 0x08) ? -1 : 1,
                                  (qh[1] & 0x80) ? -1 : 1};
            int32_t sum1[2] = {0, 0}, sum2[2] = {0, 0};
            for (int l = 0; l < 4; ++l) {
                const int8_t* grid = grid_iq1s(qs[l] | ((int(qh[l / 2]) << (8 - 4 * (l % 2))) & 0x700));
                int32_t lsum1 = 0, lsum2 = 0;
                for (int j = 0; j < 8; ++j) {
                    lsum1 += q8[j] * grid[j];
                    lsum2 += q8[j];
                }
                q8 += 8;
                sum1[l / 2] += lsum1;
                sum2[l / 2] += lsum2 * delta[l];
            }
            const int32_t ls1 = 2 * ((sc[ib / 2] >> (6 * (ib % 2) + 0)) & 0x7) + 1;
            const int32_t ls2 = 2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3)) & 0x7) + 1;
            sumi1 += sum1[0] * ls1 + sum1[1] * ls2;
            sumi2 += sum2[0] * ls1 + sum2[1] * ls2;
            qs += 4;
            qh += 2;
        }
        sumf += fp16_to_fp32(iq1m_scale(x[i])) * y[i].d * (float(sumi1) + iq::IQ1M_DELTA * float(sumi2));
    }
    *s = sumf;
}

void vec_dot_iq4_nl(int64_t n, float* s, const void* vx, const void* vy) {
    const auto* x = static_cast<const block_iq4_nl*>(vx);
    const auto* y = static_cast<const block_q8_0*>(vy);
    float sumf = 0.f;
    for (int64_t ib = 0; ib < n / QK4_NL; ++ib) {
        const float d = fp16_to_fp32(y[ib].d) * fp16_to_fp32(x[ib].d);
        int32_t sumi1 = 0, sumi2 = 0;
        for (int j = 0; j < QK4_NL / 2; ++j) {
            sumi1 += y[ib].qs[j] * kvalues_iq4nl[x[ib].qs[j] & 0xf];
            sumi2 += y[ib].qs[j + QK4_NL / 2] * kvalues_iq4nl[x[ib].qs[j] >> 4];
        }
        sumf += d * float(sumi1 + sumi2);
    }
    *s = sumf;
}

}  // namespace

void kernels_register_iq_scalar(KernelTable& t) {
    t[GgmlType::IQ2_XXS] = {to_f32_iq2_xxs, nullptr, vec_dot_grid<block_iq2_xxs, decode_iq2_xxs, 1, false>, GgmlType::Q8_K};
    t[GgmlType::IQ2_XS] = {to_f32_iq2_xs, nullptr, vec_dot_grid<block_iq2_xs, decode_iq2_xs, 1, false>, GgmlType::Q8_K};
    t[GgmlType::IQ2_S] = {to_f32_iq2_s, nullptr, vec_dot_grid<block_iq2_s, decode_iq2_s, 1, false>, GgmlType::Q8_K};
    t[GgmlType::IQ3_XXS] = {to_f32_iq3_xxs, nullptr, vec_dot_grid<block_iq3_xxs, decode_iq3_xxs, 2, false>, GgmlType::Q8_K};
    t[GgmlType::IQ3_S] = {to_f32_iq3_s, nullptr, vec_dot_grid<block_iq3_s, decode_iq3_s, 8, false>, GgmlType::Q8_K};
    t[GgmlType::IQ1_S] = {to_f32_iq1_s, nullptr, vec_dot_iq1_s, GgmlType::Q8_K};
    t[GgmlType::IQ1_M] = {to_f32_iq1_m, nullptr, vec_dot_iq1_m, GgmlType::Q8_K};
    t[GgmlType::IQ4_NL] = {to_f32_iq4_nl, nullptr, vec_dot_iq4_nl, GgmlType::Q8_0};
    t[GgmlType::IQ4_XS] = {to_f32_iq4_xs, nullptr, vec_dot_grid<block_iq4_xs, decode_iq4_xs, 8, true>, GgmlType::Q8_K};
}

}  // namespace qs
