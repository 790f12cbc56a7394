#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/fp16.h"

using namespace qs;

// Every one of the 65536 fp16 patterns survives fp16 -> fp32 -> fp16 (NaNs stay NaN), and the
// fp32 values match an independent decoding from the IEEE fields.
TEST(Fp16, AllPatternsRoundTripAndDecodeCorrectly) {
    for (uint32_t h = 0; h < 65536; ++h) {
        const float f = fp16_to_fp32(fp16_t(h));
        const int sign = (h >> 15) & 1, exp = (h >> 10) & 31, man = h & 1023;
        if (exp == 31) {
            EXPECT_TRUE(man == 0 ? std::isinf(f) : std::isnan(f)) << h;
            continue;
        }
        const double mag = exp == 0 ? std::ldexp(double(man), -24) : std::ldexp(1.0 + man / 1024.0, exp - 15);
        EXPECT_EQ(double(f), sign ? -mag : mag) << h;
        EXPECT_EQ(fp32_to_fp16(f), fp16_t(h)) << h;
    }
}

TEST(Fp16, RoundsToNearestEvenAndSaturatesToInfinity) {
    // 1 + 2^-11 lies exactly between 1 and the next fp16 (1 + 2^-10): ties go to even (1.0).
    EXPECT_EQ(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11)), 0x3C00);
    // Slightly above the tie rounds up.
    EXPECT_EQ(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)), 0x3C01);
    EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7C00);   // rounds to +inf
    EXPECT_EQ(fp32_to_fp16(65519.0f), 0x7BFF);   // max finite
    EXPECT_EQ(fp32_to_fp16(std::ldexp(1.0f, -25)), 0x0000);  // tie between 0 and min subnormal -> 0
    EXPECT_EQ(fp32_to_fp16(std::ldexp(1.5f, -25)), 0x0001);
}

TEST(Bf16, RoundsToNearestEvenAndKeepsNaN) {
    EXPECT_EQ(fp32_to_bf16(1.0f), 0x3F80);
    EXPECT_EQ(bf16_to_fp32(0x3F80), 1.0f);
    // 1 + 2^-8 is the tie between bf16 1.0 and 1 + 2^-7: goes to even.
    EXPECT_EQ(fp32_to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3F80);
    EXPECT_EQ(fp32_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3F82);
    EXPECT_TRUE(std::isnan(bf16_to_fp32(fp32_to_bf16(std::numeric_limits<float>::quiet_NaN()))));
}
