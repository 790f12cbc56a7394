// Every statistic on inputs small enough to check by hand (values worked out in the comments).
#include <gtest/gtest.h>

#include <cmath>

#include "eval/statistics.h"

using namespace qs;

TEST(Statistics, MeanStderrIsBesselCorrected) {
    const std::vector<double> v = {1, 0, 1, 1};  // mean .75, sample var = .25, stderr = sqrt(.25/4) = .25
    const MeanStderr m = mean_with_stderr(v);
    EXPECT_DOUBLE_EQ(m.mean, 0.75);
    EXPECT_NEAR(m.stderr_, 0.25, 1e-12);
}

TEST(Statistics, WilsonIntervalMatchesTheClosedForm) {
    // k = 8, n = 10, z = 1.96: center = (0.8 + 0.19208)/1.38416 = 0.716829...,
    // half = 1.96 * sqrt(0.016 + 0.009604)/1.38416 = 0.226581...
    const Interval w = wilson_interval(8, 10, 1.96);
    EXPECT_NEAR(w.lo, 0.490157, 1e-5);
    EXPECT_NEAR(w.hi, 0.943319, 1e-5);
    // Never outside [0, 1], even at the extremes.
    EXPECT_GE(wilson_interval(0, 5).lo, 0.0);
    EXPECT_LE(wilson_interval(5, 5).hi, 1.0);
    EXPECT_GT(wilson_interval(0, 5).hi, 0.0);  // unlike Wald, not degenerate at k = 0
}

TEST(Statistics, PercentileInterpolatesLikeLlamaCpp) {
    const std::vector<double> v = {1, 2, 3, 4, 5};
    EXPECT_DOUBLE_EQ(percentile_sorted(v, 0.0), 1.0);
    EXPECT_DOUBLE_EQ(percentile_sorted(v, 1.0), 5.0);
    EXPECT_DOUBLE_EQ(percentile_sorted(v, 0.5), 3.0);
    EXPECT_DOUBLE_EQ(percentile_sorted(v, 0.9), 4.6);    // p = 3.6 -> 4 + 0.6 * (5 - 4)
    EXPECT_DOUBLE_EQ(percentile_sorted(v, 0.125), 1.5);  // p = 0.5
}

TEST(Statistics, McNemarExactBinomial) {
    // b = 1, c = 5: P(X <= 1), X ~ Bin(6, .5) = (1 + 6)/64; two-sided p = 14/64 = 0.21875.
    EXPECT_NEAR(mcnemar_exact_p(1, 5), 14.0 / 64.0, 1e-12);
    EXPECT_NEAR(mcnemar_exact_p(5, 1), 14.0 / 64.0, 1e-12);
    EXPECT_DOUBLE_EQ(mcnemar_exact_p(0, 0), 1.0);
    EXPECT_DOUBLE_EQ(mcnemar_exact_p(3, 3), 1.0);  // capped at 1
    // b = 0, c = 10: 2 / 1024.
    EXPECT_NEAR(mcnemar_exact_p(0, 10), 2.0 / 1024.0, 1e-15);
}

TEST(Statistics, PairedBootstrapIsSeededAndBracketsTheObservedDifference) {
    std::vector<uint8_t> base(200), other(200);
    for (int i = 0; i < 200; ++i) {
        base[size_t(i)] = i % 2;           // 50 %
        other[size_t(i)] = (i % 4) != 0;   // 75 %
    }
    const Interval a = paired_bootstrap_diff(base, other, 2000, 0.95, 7);
    const Interval b = paired_bootstrap_diff(base, other, 2000, 0.95, 7);
    EXPECT_EQ(a.lo, b.lo);
    EXPECT_EQ(a.hi, b.hi);
    EXPECT_LT(a.lo, 0.25);
    EXPECT_GT(a.hi, 0.25);
    EXPECT_GT(a.lo, 0.0);  // a 25-point gain on 200 items is clearly significant
    // Identical predictions: every resample gives 0.
    const Interval z = paired_bootstrap_diff(base, base, 500);
    EXPECT_EQ(z.lo, 0.0);
    EXPECT_EQ(z.hi, 0.0);
}

TEST(Statistics, PearsonAndSpearman) {
    const std::vector<double> x = {1, 2, 3, 4, 5}, y = {2, 4, 6, 8, 10}, sq = {1, 4, 9, 16, 25}, rev = {5, 4, 3, 2, 1};
    EXPECT_NEAR(pearson(x, y), 1.0, 1e-12);
    EXPECT_NEAR(pearson(x, rev), -1.0, 1e-12);
    EXPECT_LT(pearson(x, sq), 1.0);            // monotone but not linear
    EXPECT_NEAR(spearman(x, sq), 1.0, 1e-12);  // ranks are identical
    // Ties: x = {1, 2, 2, 3} ranks {1, 2.5, 2.5, 4}; against y = {1, 2, 3, 4}:
    // pearson of ranks = 0.948683... (sxy = 4.5, sxx = 4.5, syy = 5 -> 4.5/sqrt(22.5))
    EXPECT_NEAR(spearman(std::vector<double>{1, 2, 2, 3}, std::vector<double>{1, 2, 3, 4}), 4.5 / std::sqrt(22.5), 1e-12);
}

TEST(Statistics, EqualWidthCalibrationOnAKnownSet) {
    // 4 bins: (0, .25] holds .2 (wrong), (.25, .5] holds .3 (right), (.75, 1] holds three .9s (2 right).
    const std::vector<double> conf = {0.2, 0.3, 0.9, 0.9, 0.9};
    const std::vector<uint8_t> ok = {0, 1, 1, 1, 0};
    const Calibration c = calibration_equal_width(conf, ok, 4);
    ASSERT_EQ(c.bins.size(), 4u);
    EXPECT_EQ(c.bins[0].count, 1);  // 0.2: gap .2
    EXPECT_EQ(c.bins[1].count, 1);  // 0.3: gap .7
    EXPECT_EQ(c.bins[2].count, 0);
    EXPECT_EQ(c.bins[3].count, 3);  // acc 2/3, conf .9: gap .2333
    const double gap3 = 0.9 - 2.0 / 3.0;
    EXPECT_NEAR(c.ece, (0.2 + 0.7 + 3 * gap3) / 5.0, 1e-12);
    EXPECT_NEAR(c.mce, 0.7, 1e-12);
    EXPECT_NEAR(c.rmsce, std::sqrt((0.04 + 0.49 + 3 * gap3 * gap3) / 5.0), 1e-12);
    // Boundaries: exactly 0.25 belongs to the first bin, 0 too, 1 to the last.
    const std::vector<double> edges = {0.0, 0.25, 1.0};
    const std::vector<uint8_t> e_ok = {0, 0, 1};
    const Calibration e = calibration_equal_width(edges, e_ok, 4);
    EXPECT_EQ(e.bins[0].count, 2);
    EXPECT_EQ(e.bins[3].count, 1);
}

TEST(Statistics, PerfectlyCalibratedPredictionsHaveZeroEce) {
    // Every bin's accuracy equals its confidence: 10 items at 0.5 with 5 right, 4 at 1.0 all right.
    std::vector<double> conf(10, 0.5);
    std::vector<uint8_t> ok = {1, 1, 1, 1, 1, 0, 0, 0, 0, 0};
    for (int i = 0; i < 4; ++i) {
        conf.push_back(1.0);
        ok.push_back(1);
    }
    EXPECT_NEAR(calibration_equal_width(conf, ok).ece, 0.0, 1e-12);
}

TEST(Statistics, EqualMassBinsSplitSortedItemsEvenly) {
    const std::vector<double> conf = {0.9, 0.1, 0.8, 0.2, 0.7, 0.3};
    const std::vector<uint8_t> ok = {1, 0, 1, 1, 0, 0};
    const Calibration c = calibration_equal_mass(conf, ok, 3);
    ASSERT_EQ(c.bins.size(), 3u);
    // Sorted: .1(0) .2(1) | .3(0) .7(0) | .8(1) .9(1)
    EXPECT_NEAR(c.bins[0].mean_confidence, 0.15, 1e-12);
    EXPECT_NEAR(c.bins[0].accuracy, 0.5, 1e-12);
    EXPECT_NEAR(c.bins[1].accuracy, 0.0, 1e-12);
    EXPECT_NEAR(c.bins[2].accuracy, 1.0, 1e-12);
    EXPECT_NEAR(c.ece, (2 * 0.35 + 2 * 0.5 + 2 * 0.15) / 6.0, 1e-12);
}

TEST(Statistics, BrierAndSoftmax) {
    const auto p = softmax(std::vector<double>{0.0, std::log(3.0)});  // 1 : 3
    EXPECT_NEAR(p[0], 0.25, 1e-12);
    EXPECT_NEAR(p[1], 0.75, 1e-12);
    const std::vector<std::vector<double>> probs = {{0.25, 0.75}, {1.0, 0.0}};
    const std::vector<int> gold = {1, 1};
    // item 1: .0625 + .0625 = .125; item 2: 1 + 1 = 2; mean 1.0625
    EXPECT_NEAR(brier_score(probs, gold), 1.0625, 1e-12);
}
