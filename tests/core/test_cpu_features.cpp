#include <gtest/gtest.h>

#include "core/cpu_features.h"
#include "core/error.h"

using namespace qs;

TEST(CpuFeatures, IsaNamesRoundTripAndUnknownNamesAreRefused) {
    for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512, Isa::Neon}) EXPECT_EQ(isa_from_name(isa_name(isa)), isa);
    EXPECT_THROW(isa_from_name("sse9"), Error);
}

TEST(CpuFeatures, BestIsaIsConsistentWithDetectedFlags) {
    const CpuFeatures& f = cpu_features();
    const Isa best = cpu_best_isa();
    if (best >= Isa::Avx2) {
        EXPECT_TRUE(f.avx2 && f.fma && f.f16c);
    }
    if (best == Isa::Avx512) {
        EXPECT_TRUE(f.avx512f && f.avx512bw && f.avx512vl);
    }
}

// Each architecture has its own ladder: code of another one's levels must never be chosen.
TEST(CpuFeatures, IsaSupportedStaysOnThisArchitecturesLadder) {
    const Isa best = cpu_best_isa();
    EXPECT_TRUE(isa_supported(Isa::Scalar));
    EXPECT_TRUE(isa_supported(best));
#if defined(__x86_64__)
    EXPECT_FALSE(isa_supported(Isa::Neon));
    EXPECT_EQ(isa_supported(Isa::Avx2), best >= Isa::Avx2);
    EXPECT_EQ(isa_supported(Isa::Avx512), best == Isa::Avx512);
#elif defined(__aarch64__)
    EXPECT_FALSE(isa_supported(Isa::Avx2));
    EXPECT_FALSE(isa_supported(Isa::Avx512));
#endif
}
