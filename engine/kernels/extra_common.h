// Private to the extra_*.cpp kernel files: decoding tables of QuantScope's own formats.
//
// Every extra format is evaluated the same way: the weight row is cut into 32-element chunks (one
// per q8_0 activation block); a chunk decodes to 32 unscaled values w[i] and one float scale d, so
// that x[i] = w[i] * d (one rounding, identical in every ISA: to_f32 is bit-identical) and
// dot = sum over chunks of (sum_i w[i] * y.qs[i]) * (d * y.d). For the integer formats w[i] * y.qs[i]
// and their 32-term sums are small integers, exact in float, so only the chunk combination rounds.
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
