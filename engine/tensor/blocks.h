// Block layouts of ggml's quantized types, byte-compatible with ggml-common.h so that tensor data
// in a GGUF file can be used in place. Every struct is followed by a static_assert on its size:
// a layout change that would silently corrupt every file fails to compile instead.
#pragma once

#include <cstdint>

#include "core/fp16.h"

namespace qs {

constexpr int QK4_0 = 32, QK4_1 = 32, QK5_0 = 32, QK5_1 = 32, QK8_0 = 32, QK8_1 = 32;
constexpr int QK_K = 256;          // super-block size of the K-quants
constexpr int K_SCALE_SIZE = 12;   // packed 6-bit scales and mins of Q4_K/Q5_K

// x = d * (q - 8); byte j holds element j (low nibble) and element j+16 (high nibble).
struct block_q4_0 {
    fp16_t d;                // delta
    uint8_t qs[QK4_0 / 2];   // 4-bit quants
};
static_assert(sizeof(block_q4_0) == 2 + QK4_0 / 2, "wrong q4_0 block size");

// x = d * q + m
struct block_q4_1 {
    fp16_t d;                // delta
    fp16_t m;                // min
    uint8_t qs[QK4_1 / 2];   // 4-bit quants
};
static_assert(sizeof(block_q4_1) == 2 * 2 + QK4_1 / 2, "wrong q4_1 block size");

// x = d * (q - 16); the 5th bit of element j is bit j of qh.
struct block_q5_0 {
    fp16_t d;                // delta
    uint8_t qh[4];           // 5th bits
    uint8_t qs[QK5_0 / 2];   // low 4 bits
};
static_assert(sizeof(block_q5_0) == 2 + 4 + QK5_0 / 2, "wrong q5_0 block size");

// x = d * q + m
struct block_q5_1 {
    fp16_t d;                // delta
    fp16_t m;                // min
    uint8_t qh[4];           // 5th bits
    uint8_t qs[QK5_1 / 2];   // low 4 bits
};
static_assert(sizeof(block_q5_1) == 2 * 2 + 4 + QK5_1 / 2, "wrong q5_1 block size");

// x = d * q
struct block_q8_0 {
    fp16_t d;                // delta
    int8_t qs[QK8_0];        // quants
};
static_assert(sizeof(block_q8_0) == 2 + QK8_0, "wrong q8_0 block size");

// Activation side of q4_1/q5_1 dot products: s = d * sum(qs).
struct block_q8_1 {
    fp16_t d;                // delta
    fp16_t s;                // d * sum(qs[i])
    int8_t qs[QK8_1];        // quants
};
static_assert(sizeof(block_q8_1) == 2 * 2 + QK8_1, "wrong q8_1 block size");

// 16 sub-blocks of 16; x = d * (scales[j] & 0xF) * q - dmin * (scales[j] >> 4). 2.625 bpw.
struct block_q2_K {
    uint8_t scales[QK_K / 16];  // 4-bit scales (low) and mins (high)
    uint8_t qs[QK_K / 4];       // 2-bit quants
    fp16_t d;                   // super-block scale for quantized scales
    fp16_t dmin;                // super-block scale for quantized mins
};
static_assert(sizeof(block_q2_K) == 2 * 2 + QK_K / 16 + QK_K / 4, "wrong q2_K block size");

// 16 sub-blocks of 16; x = d * (scale - 32) * (q - 4 * !hbit). 3.4375 bpw.
struct block_q3_K {
    uint8_t hmask[QK_K / 8];  // high bit of each quant
    uint8_t qs[QK_K / 4];     // low 2 bits
    uint8_t scales[12];       // 16 scales, 6 bits each
    fp16_t d;                 // super-block scale
};
static_assert(sizeof(block_q3_K) == 2 + QK_K / 4 + QK_K / 8 + 12, "wrong q3_K block size");

// 8 sub-blocks of 32; x = d * sc * q - dmin * m, with 6-bit sc and m. 4.5 bpw.
struct block_q4_K {
    fp16_t d;                      // super-block scale for quantized scales
    fp16_t dmin;                   // super-block scale for quantized mins
    uint8_t scales[K_SCALE_SIZE];  // scales and mins, 6 bits each
    uint8_t qs[QK_K / 2];          // 4-bit quants
};
static_assert(sizeof(block_q4_K) == 2 * 2 + K_SCALE_SIZE + QK_K / 2, "wrong q4_K block size");

// 8 sub-blocks of 32; as q4_K plus a 5th bit per quant. 5.5 bpw.
struct block_q5_K {
    fp16_t d;                      // super-block scale for quantized scales
    fp16_t dmin;                   // super-block scale for quantized mins
    uint8_t scales[K_SCALE_SIZE];  // scales and mins, 6 bits each
    uint8_t qh[QK_K / 8];          // 5th bits
    uint8_t qs[QK_K / 2];          // low 4 bits
};
static_assert(sizeof(block_q5_K) == 2 * 2 + K_SCALE_SIZE + QK_K / 2 + QK_K / 8, "wrong q5_K block size");

// 16 sub-blocks of 16; x = d * scales[j] * (q - 32). 6.5625 bpw.
struct block_q6_K {
    uint8_t ql[QK_K / 2];      // low 4 bits
    uint8_t qh[QK_K / 4];      // high 2 bits
    int8_t scales[QK_K / 16];  // 8-bit scales
    fp16_t d;                  // super-block scale
};
static_assert(sizeof(block_q6_K) == 2 + QK_K / 16 + 3 * QK_K / 4, "wrong q6_K block size");

// Activation side of K-quant dot products (never stored in files).
struct block_q8_K {
    float d;                     // delta
    int8_t qs[QK_K];             // quants
    int16_t bsums[QK_K / 16];    // sum of quants in groups of 16
};
static_assert(sizeof(block_q8_K) == sizeof(float) + QK_K + QK_K / 16 * sizeof(int16_t), "wrong q8_K block size");

}  // namespace qs
