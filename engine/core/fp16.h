// IEEE half precision and bfloat16 conversions, bit-exact with ggml's scalar helpers.
//
// ggml stores fp16 scales as raw uint16 bit patterns (ggml_half); we do the same so block structs
// can be memcpy'd from GGUF files. fp32 -> fp16 rounds to nearest even (what F16C's vcvtps2ph with
// imm 0 does, and what ggml uses on x86); fp32 -> bf16 rounds to nearest even and quiets NaNs.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace qs {

using fp16_t = uint16_t;  // raw IEEE binary16 bits
using bf16_t = uint16_t;  // raw bfloat16 bits

inline float fp16_to_fp32(fp16_t h) {
    // Branch-free conversion from Maratea/ggml's "FP16 from FP32 bits" trick.
    const uint32_t w = uint32_t(h) << 16;
    const uint32_t sign = w & 0x80000000u;
    const uint32_t two_w = w + w;
    const uint32_t exp_offset = 0xE0u << 23;
    const float exp_scale = std::bit_cast<float>(0x7800000u);  // 2^-112
    const float normalized = std::bit_cast<float>((two_w >> 4) + exp_offset) * exp_scale;
    const uint32_t magic_mask = 126u << 23;
    const float magic_bias = 0.5f;
    const float denormalized = std::bit_cast<float>((two_w >> 17) | magic_mask) - magic_bias;
    const uint32_t denormalized_cutoff = 1u << 27;
    const uint32_t result = sign | (two_w < denormalized_cutoff ? std::bit_cast<uint32_t>(denormalized)
                                                                : std::bit_cast<uint32_t>(normalized));
    return std::bit_cast<float>(result);
}

inline fp16_t fp32_to_fp16(float f) {
    const float scale_to_inf = std::bit_cast<float>(0x77800000u);   // 2^112
    const float scale_to_zero = std::bit_cast<float>(0x08800000u);  // 2^-110
    float base = (f < 0 ? -f : f) * scale_to_inf * scale_to_zero;
    const uint32_t w = std::bit_cast<uint32_t>(f);
    const uint32_t shl1_w = w + w;
    const uint32_t sign = w & 0x80000000u;
    uint32_t bias = shl1_w & 0xFF000000u;
    if (bias < 0x71000000u) bias = 0x71000000u;
    base = std::bit_cast<float>((bias >> 1) + 0x07800000u) + base;
    const uint32_t bits = std::bit_cast<uint32_t>(base);
    const uint32_t exp_bits = (bits >> 13) & 0x00007C00u;
    const uint32_t mantissa_bits = bits & 0x00000FFFu;
    const uint32_t nonsign = exp_bits + mantissa_bits;
    return fp16_t((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign));
}

// x rounded to the nearest f16 value (to nearest even), as a float: ggml's f16 accumulators.
inline float round_f16(float x) { return fp16_to_fp32(fp32_to_fp16(x)); }

inline float bf16_to_fp32(bf16_t h) { return std::bit_cast<float>(uint32_t(h) << 16); }

inline bf16_t fp32_to_bf16(float f) {
    uint32_t u = std::bit_cast<uint32_t>(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return bf16_t((u >> 16) | 64);  // NaN: force quiet
    return bf16_t((u + (0x7fffu + ((u >> 16) & 1))) >> 16);               // round to nearest even
}

}  // namespace qs
