// Block layouts of QuantScope's own weight formats (types 1000+, see docs/formats.md). They exist
// only in memory: GGUF readers reject their ids and nothing writes them to files.
#pragma once

#include <cstdint>

#include "core/fp16.h"

namespace qs {

constexpr int QK_NF4 = 64;       // bitsandbytes' default blocksize
constexpr int QK_FP8 = 32;
constexpr int QK_I8_ROW = 32;    // a "block" is just 32 int8 values; the scale is in the row header
constexpr int QK_I4_G128 = 128;  // GPTQ/AWQ group size

// bitsandbytes NF4 code values (functional.py get_4bit_type("nf4")), index = 4-bit code.
inline constexpr float kNf4Values[16] = {
    -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
    -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
    0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
    0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
};

// x = d * kNf4Values[code]. Nibbles as in ggml's q4_0, per 32 elements: byte j of a half holds
// element j (low nibble) and element j+16 (high nibble); bytes 0..15 cover elements 0..31,
// bytes 16..31 elements 32..63.
struct block_nf4 {
    float d;                   // absmax of the block (fp32, as bitsandbytes without double quant)
    uint8_t qs[QK_NF4 / 2];    // 4-bit codes
};
static_assert(sizeof(block_nf4) == 4 + QK_NF4 / 2, "wrong nf4 block size");

// x = d * fp8_decode(qs[i]) (E4M3 or E5M2 depending on the type).
struct block_fp8 {
    float d;                   // amax / max normal of the element format
    uint8_t qs[QK_FP8];        // FP8 codes
};
static_assert(sizeof(block_fp8) == 4 + QK_FP8, "wrong fp8 block size");

// Row = float scale (the row header, amax/127), then blocks of 32 int8; x = scale * q.
struct block_i8_row {
    int8_t qs[QK_I8_ROW];
};
static_assert(sizeof(block_i8_row) == QK_I8_ROW, "wrong int8_row block size");

// x = d * (q - zero). Nibbles as in q4_0 per 32 elements (four 16-byte quarters).
struct block_i4_g128 {
    fp16_t d;                      // scale
    uint8_t zero;                  // zero point, 0..15
    uint8_t reserved;              // 0 (keeps qs 2-byte aligned; documented as padding)
    uint8_t qs[QK_I4_G128 / 2];    // 4-bit codes
};
static_assert(sizeof(block_i4_g128) == 2 + 1 + 1 + QK_I4_G128 / 2, "wrong int4_g128 block size");

}  // namespace qs
