#include <gtest/gtest.h>

#include "core/cpu_features.h"
#include "core/error.h"

using namespace qs;

TEST(CpuFeatures, IsaNamesRoundTripAndUnknownNamesAreRefused) {
    for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512}) EXPECT_EQ(isa_from_name(isa_name(isa)), isa);
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
