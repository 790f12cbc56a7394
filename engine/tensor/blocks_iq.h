// Block layouts of ggml's IQ ("importance-aware") quantization types, byte-compatible with
// ggml-common.h so GGUF tensor data is used in place. Every struct has a static_assert on its size.
//
// The "grid" types (iq2_*, iq3_*, iq1_*) store each group of 8 (or 4) elements as an index into a
// fixed table of vectors (engine/tensor/iq_tables.h) plus sign bits; iq4_nl / iq4_xs store 4-bit
// indices into a 16-entry non-linear value table (kvalues_iq4nl). Decoding is described per
// struct; docs/formats.md has the full layouts.
#pragma once

#include <cstdint>

#include "core/fp16.h"
#include "tensor/blocks.h"

namespace qs {

constexpr int QK4_NL = 32;

// 2.0625 bpw. Per 32 elements, 2 uint32: the first holds 4 grid indices (iq2xxs_grid, 8 bytes);
// the second 4 x 7 sign bits (ksigns_iq2xs: the 8th sign makes the count of minus signs even) and,
// in its top 4 bits, the 4-bit scale s: x = d * (0.5 + s) * 0.25 * grid * sign.
struct block_iq2_xxs {
    fp16_t d;                  // super-block scale
    uint16_t qs[QK_K / 8];     // grid indices, signs and scales, 4 uint16 per 32 elements
};
static_assert(sizeof(block_iq2_xxs) == 2 + QK_K / 4, "wrong iq2_xxs block size");

// 2.3125 bpw. Each uint16 of qs: 9-bit index into iq2xs_grid (512 entries) | 7 sign bits << 9;
// one 4-bit scale per 16 elements (scales[j] low nibble: first 16 of block j, high: next 16).
struct block_iq2_xs {
    fp16_t d;
    uint16_t qs[QK_K / 8];
    uint8_t scales[QK_K / 32];
};
static_assert(sizeof(block_iq2_xs) == 2 + QK_K / 4 + QK_K / 32, "wrong iq2_xs block size");

// 2.5625 bpw. 10-bit indices into iq2s_grid (low 8 bits in qs[0..31], 2 high bits per index in
// qh), 8 explicit sign bits per 8 elements in qs[32..63], 4-bit scales per 16 elements.
struct block_iq2_s {
    fp16_t d;
    uint8_t qs[QK_K / 4];      // 32 index bytes, then 32 sign bytes
    uint8_t qh[QK_K / 32];
    uint8_t scales[QK_K / 32];
};
static_assert(sizeof(block_iq2_s) == 2 + QK_K / 4 + QK_K / 16, "wrong iq2_s block size");

// 3.0625 bpw. qs[0..63]: one 8-bit index into iq3xxs_grid (4 elements) each; qs[64..95]: per 32
// elements one uint32 of 4 x 7 sign bits (as iq2_xxs) and a 4-bit scale on top:
// x = d * (0.5 + s) * 0.5 * grid * sign.
struct block_iq3_xxs {
    fp16_t d;
    uint8_t qs[3 * QK_K / 8];
};
static_assert(sizeof(block_iq3_xxs) == 2 + 3 * (QK_K / 8), "wrong iq3_xxs block size");

// 3.4375 bpw. 9-bit indices into iq3s_grid (low 8 bits in qs, 9th bits in qh), 8 explicit sign
// bits per 8 elements, one 4-bit scale per 32 elements: x = d * (1 + 2 s) * grid * sign.
struct block_iq3_s {
    fp16_t d;
    uint8_t qs[QK_K / 4];
    uint8_t qh[QK_K / 32];
    uint8_t signs[QK_K / 8];
    uint8_t scales[QK_K / 64];
};
static_assert(sizeof(block_iq3_s) == 2 + 13 * (QK_K / 32) + QK_K / 64, "wrong iq3_s block size");

// 1.5625 bpw. 11-bit indices into iq1s_grid (values -1, 0, 1): low 8 bits in qs, 3 high bits per
// index in qh[ib] bits 0..11; qh bits 12..14 the 3-bit scale s of the 32 elements, bit 15 the sign
// of the shift: x = d * (2 s + 1) * (grid +- IQ1S_DELTA).
struct block_iq1_s {
    fp16_t d;
    uint8_t qs[QK_K / 8];
    uint16_t qh[QK_K / 32];
};
static_assert(sizeof(block_iq1_s) == 2 + QK_K / 8 + QK_K / 16, "wrong iq1_s block size");

// 1.75 bpw. As iq1_s but a 3-bit scale per 16 elements and a shift sign per 8; the fp16 super-block
// scale is spread over the top nibbles of the four uint16 of `scales`.
struct block_iq1_m {
    uint8_t qs[QK_K / 8];      // low 8 bits of the grid indices
    uint8_t qh[QK_K / 16];     // per pair of indices: 3 high bits + shift sign, twice
    uint8_t scales[QK_K / 32]; // 3-bit scales, and the super-block fp16 in the top nibbles
};
static_assert(sizeof(block_iq1_m) == QK_K / 8 + QK_K / 16 + QK_K / 32, "wrong iq1_m block size");

// 4.5 bpw. x = d * kvalues_iq4nl[q]; byte j holds element j (low nibble) and j + 16 (high).
struct block_iq4_nl {
    fp16_t d;
    uint8_t qs[QK4_NL / 2];
};
static_assert(sizeof(block_iq4_nl) == 2 + QK4_NL / 2, "wrong iq4_nl block size");

// 4.25 bpw. 8 sub-blocks of 32 laid out as iq4_nl, each with a 6-bit scale ls (low 4 bits in
// scales_l, high 2 in scales_h): x = d * (ls - 32) * kvalues_iq4nl[q].
struct block_iq4_xs {
    fp16_t d;
    uint16_t scales_h;
    uint8_t scales_l[QK_K / 64];
    uint8_t qs[QK_K / 2];
};
static_assert(sizeof(block_iq4_xs) == 4 + QK_K / 64 + QK_K / 2, "wrong iq4_xs block size");

}  // namespace qs
