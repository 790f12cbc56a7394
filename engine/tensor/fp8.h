// FP8 element codecs (arXiv:2209.05433): E4M3 "fn" (bias 7, no infinities, NaN = S.1111.111, max
// 448) and E5M2 (bias 15, IEEE infinities and NaNs, max 57344). Encoding saturates (SATFINITE:
// finite inputs beyond max become +-max) and rounds to nearest, ties to even on the code.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace qs {

struct Fp8Format {
    int exp_bits;
    int man_bits;
    int bias;
    bool ieee_specials;  // true: exponent all ones = inf/NaN (E5M2); false: only S.1111.111 is NaN (E4M3fn)
    float max_normal;
};

inline constexpr Fp8Format kFp8E4M3{4, 3, 7, false, 448.0f};
inline constexpr Fp8Format kFp8E5M2{5, 2, 15, true, 57344.0f};

// 2^e, exactly, usable in constant expressions (std::ldexp is not constexpr in C++20).
constexpr float fp8_pow2(int e) {
    float r = 1.0f;
    for (; e > 0; --e) r *= 2.0f;
    for (; e < 0; ++e) r *= 0.5f;
    return r;
}

constexpr float fp8_decode(uint8_t code, const Fp8Format& f) {
    const bool neg = code & 0x80;
    const int exp_field = (code >> f.man_bits) & ((1 << f.exp_bits) - 1);
    const int man = code & ((1 << f.man_bits) - 1);
    const int exp_max = (1 << f.exp_bits) - 1;
    float v = 0;
    if (f.ieee_specials && exp_field == exp_max)
        // NaN keeps its payload, quieted, exactly as an fp16 -> fp32 conversion of the same bits
        // does (E5M2 is the top byte of an fp16), so SIMD code may decode through F16C.
        v = man == 0 ? std::numeric_limits<float>::infinity()
                     : std::bit_cast<float>(uint32_t(0x7FC00000u | (uint32_t(man) << (23 - f.man_bits))));
    else if (!f.ieee_specials && exp_field == exp_max && man == (1 << f.man_bits) - 1)
        v = std::numeric_limits<float>::quiet_NaN();
    else if (exp_field == 0)  // subnormal: 0.m * 2^(1 - bias)
        v = float(man) * fp8_pow2(1 - f.bias - f.man_bits);
    else
        v = float(man + (1 << f.man_bits)) * fp8_pow2(exp_field - f.bias - f.man_bits);
    return neg ? -v : v;
}

// Saturating, round-to-nearest-even encoding of a finite float. (NaN input maps to the NaN code;
// quantizers never pass one, they reject non-finite weights first.)
inline uint8_t fp8_encode(float x, const Fp8Format& f) {
    const uint8_t sign = std::signbit(x) ? 0x80 : 0;
    if (std::isnan(x)) return uint8_t(sign | 0x7F);
    float a = std::fabs(x);
    if (a > f.max_normal) a = f.max_normal;  // SATFINITE, also for +-inf
    const int emin = 1 - f.bias;             // exponent of the smallest normal
    // Quantum of a's binade (subnormals share the smallest normal binade's quantum).
    int e = a > 0 ? std::ilogb(a) : emin;
    if (e < emin) e = emin;
    const float quantum = std::ldexp(1.0f, e - f.man_bits);
    // a / quantum is exact (power of two); nearbyint rounds half to even in the default mode.
    float r = std::nearbyint(a / quantum) * quantum;
    if (r > f.max_normal) r = f.max_normal;  // rounding past max saturates too
    if (r == 0) return sign;
    const int er = std::ilogb(r);
    if (er < emin)  // subnormal code: exponent field 0
        return uint8_t(sign | int(r / std::ldexp(1.0f, emin - f.man_bits)));
    const int man = int(r / std::ldexp(1.0f, er - f.man_bits)) - (1 << f.man_bits);
    return uint8_t(sign | ((er + f.bias) << f.man_bits) | man);
}

}  // namespace qs
