#include <gtest/gtest.h>

#include <cmath>

#include "eval/perplexity.h"

using namespace qs;

// NLLs 1, 2, 3: mean 2, population variance 2/3, so sigma = sqrt((2/3) / 2) = 1/sqrt(3).
TEST(NllStats, MeanPplAndStderrMatchHandComputedValues) {
    NllStats s;
    for (double x : {1.0, 2.0, 3.0}) s.add(x);
    EXPECT_EQ(s.count, 3);
    EXPECT_DOUBLE_EQ(s.mean(), 2.0);
    EXPECT_DOUBLE_EQ(s.ppl(), std::exp(2.0));
    EXPECT_NEAR(s.mean_stderr(), 1.0 / std::sqrt(3.0), 1e-12);
    EXPECT_NEAR(s.ppl_stderr(), std::exp(2.0) / std::sqrt(3.0), 1e-9);
}

TEST(NllStats, ConstantOrSingleNllHasZeroUncertainty) {
    NllStats one;
    one.add(0.5);
    EXPECT_EQ(one.mean_stderr(), 0.0);
    NllStats same;
    for (int i = 0; i < 10; ++i) same.add(1.25);
    EXPECT_EQ(same.mean_stderr(), 0.0);
    EXPECT_DOUBLE_EQ(same.ppl(), std::exp(1.25));
}
