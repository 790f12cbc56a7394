// The value of an FP8 code from its bit fields, written independently of engine/tensor/fp8.h so
// tests of the FP8 quantizer and kernels compare against something the engine did not compute.
// E4M3fn: bias 7, S.1111.111 is NaN, no infinities; E5M2: bias 15, IEEE-style inf/NaN.
#pragma once

#include <cmath>
#include <cstdint>

namespace qs::test {

inline double naive_fp8(uint8_t c, bool e4m3) {
    const int mbits = e4m3 ? 3 : 2, bias = e4m3 ? 7 : 15;
    const int e = (c & 0x7F) >> mbits, m = c & ((1 << mbits) - 1);
    const double sign = (c & 0x80) ? -1 : 1;
    if (e4m3 && (c & 0x7F) == 0x7F) return NAN;
    if (!e4m3 && e == 31) return m ? NAN : sign * INFINITY;
    if (e == 0) return sign * std::ldexp(m, 1 - bias - mbits);
    return sign * std::ldexp(1.0 + m / double(1 << mbits), e - bias);
}

}  // namespace qs::test
