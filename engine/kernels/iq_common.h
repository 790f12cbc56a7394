// Private to the iq_*.cpp kernel files: how every ISA reads an IQ block, so that the scalar
// reference and the SIMD versions decode the same bits the one way ggml does.
//
// Dot products of the grid types (iq2_*, iq3_*) reduce, per 256-element super-block, to one
// integer: bsum = sum over sub-blocks of (odd integer scale) * sum(grid * sign * q8). Integer sums
// are exact in any order, and the float work per super-block (d = d_x * d_y, sumf += d * bsum, one
// final factor) is the same few operations in every ISA, so SIMD results equal the scalar ones bit
// for bit. iq4_nl / iq4_xs / iq1_* do their float work per (sub-)block, again in ggml's order.
#pragma once

#include <cstdint>
#include <cstring>

#include "tensor/blocks_iq.h"
#include "tensor/iq_tables.h"

namespace qs::iqk {

// Grid vector of iq2_xxs: 8 magnitudes (bytes) of entry `index`.
inline const uint8_t* grid_iq2xxs(int index) { return reinterpret_cast<const uint8_t*>(iq::iq2xxs_grid + index); }
inline const uint8_t* grid_iq2xs(int index) { return reinterpret_cast<const uint8_t*>(iq::iq2xs_grid + index); }
inline const uint8_t* grid_iq2s(int index) { return reinterpret_cast<const uint8_t*>(iq::iq2s_grid + index); }
inline const uint8_t* grid_iq3xxs(int index) { return reinterpret_cast<const uint8_t*>(iq::iq3xxs_grid + index); }
inline const uint8_t* grid_iq3s(int index) { return reinterpret_cast<const uint8_t*>(iq::iq3s_grid + index); }
inline const int8_t* grid_iq1s(int index) { return reinterpret_cast<const int8_t*>(iq::iq1s_grid + index); }

// iq2_xxs / iq3_xxs: the second uint32 of a 32-element group: 4 x 7 sign bits, scale in bits 28..31.
inline uint32_t load_u32(const void* p) {
    uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// iq2_s: 10-bit grid index l (0..3) of 32-element group ib.
inline int iq2s_index(const block_iq2_s& b, int ib, int l) {
    return b.qs[4 * ib + l] | ((b.qh[ib] << (8 - 2 * l)) & 0x300);
}

// iq3_s: 9-bit grid index of the k-th 4-element group (0..7) of 32-element group ib.
inline int iq3s_index(const block_iq3_s& b, int ib, int k) {
    const int l = k / 2;
    const int shift = (k % 2 == 0) ? 8 - 2 * l : 7 - 2 * l;
    return b.qs[8 * ib + k] | ((b.qh[ib] << shift) & 256);
}

// iq4_xs: the 6-bit scale of sub-block ib (0..7), unbiased (ls - 32).
inline int iq4xs_scale(const block_iq4_xs& b, int ib) {
    const int ls = ((b.scales_l[ib / 2] >> 4 * (ib % 2)) & 0xf) | (((b.scales_h >> 2 * ib) & 3) << 4);
    return ls - 32;
}

// iq1_m: the fp16 super-block scale, spread over the top nibbles of the 4 scale words.
inline fp16_t iq1m_scale(const block_iq1_m& b) {
    uint16_t sc[4];
    std::memcpy(sc, b.scales, sizeof sc);
    return fp16_t((sc[0] >> 12) | ((sc[1] >> 8) & 0x00f0) | ((sc[2] >> 4) & 0x0f00) | (sc[3] & 0xf000));
}

}  // namespace qs::iqk
