// Private to the extra_*.cpp kernel files: decoding tables of QuantScope's own formats.
//
// Every extra format is evaluated the same way: the weight row is cut into 32-element chunks (one
// per q8_0 activation block); a chunk decodes to 32 unscaled values w[i] and one float scale d, so
// that x[i] = w[i] * d (one rounding, identical in every ISA: to_f32 is bit-identical) and
// dot = sum over chunks of (sum_i w[i] * y.qs[i]) * (d * y.d). For the integer formats w[i] * y.qs[i]
// and their 32-term sums are small integers, exact in float, so only the chunk combination rounds.
//
// FP8 in SIMD code: an E5M2 code is the top byte of an fp16 (same sign, exponent width and bias),
// so (code << 8) widened by F16C is its value; an E4M3 code shifted into an fp16
// (sign << 8 | magnitude << 7) is its value times 2^-8 (bias 15 instead of 7), exact for normals and
// subnormals alike, and S.1111.111 is patched to NaN. fp8_decode defines NaNs as those conversions
// produce them, so these tables and the SIMD decoders agree bit for bit on all 256 codes.
#pragma once

#include <array>
#include <cstdint>

#include "tensor/fp8.h"

namespace qs::extra {

constexpr std::array<float, 256> make_fp8_table(const Fp8Format& f) {
    std::array<float, 256> t{};
    for (int c = 0; c < 256; ++c) t[size_t(c)] = fp8_decode(uint8_t(c), f);
    return t;
}

// Data only (no code), so sharing it between files compiled for different ISAs is safe.
inline constexpr std::array<float, 256> kFp8E4M3Table = make_fp8_table(kFp8E4M3);
inline constexpr std::array<float, 256> kFp8E5M2Table = make_fp8_table(kFp8E5M2);

}  // namespace qs::extra
