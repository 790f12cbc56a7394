// Precision comparison on inputs small enough to check by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "eval/comparison.h"

using namespace qs;

namespace {

PrecisionOutcome outcome(std::string name, std::vector<uint8_t> correct, double ppl = std::nan("")) {
    PrecisionOutcome o;
    o.name = std::move(name);
    int k = 0;
    for (uint8_t c : correct) k += c;
    o.accuracy = 100.0 * k / double(correct.size());
    o.item_correct = std::move(correct);
    o.ppl = ppl;
    return o;
}

}  // namespace

TEST(Comparison, PairedStatisticsAgainstTheBaseline) {
    // Baseline right on items 0-7 (80 %); Q4 loses items 2-7 and gains none (20 %): b = 6, c = 0.
    // McNemar exact two-sided: 2 * 0.5^6 = 0.03125 -> significant at 0.05.
    // Q8 loses item 0 and gains item 8 (80 %): b = 1, c = 1, p = 1.
    const auto base = outcome("F16", {1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, 10.0);
    const auto q4 = outcome("Q4_0", {1, 1, 0, 0, 0, 0, 0, 0, 0, 0}, 15.0);
    const auto q8 = outcome("Q8_0", {0, 1, 1, 1, 1, 1, 1, 1, 1, 0}, 10.5);
    const ComparisonResult r = compare_precisions({base, q4, q8}, "F16");
    ASSERT_EQ(r.rows.size(), 3u);
    EXPECT_EQ(r.baseline, "F16");

    const auto& b = r.rows[0];
    EXPECT_DOUBLE_EQ(b.acc_delta, 0.0);
    EXPECT_DOUBLE_EQ(b.retention, 100.0);
    EXPECT_DOUBLE_EQ(b.mcnemar_p, 1.0);
    EXPECT_FALSE(b.significant);

    const auto& r4 = r.rows[1];
    EXPECT_EQ(r4.base_only, 6);
    EXPECT_EQ(r4.other_only, 0);
    EXPECT_DOUBLE_EQ(r4.acc_delta, -60.0);
    EXPECT_DOUBLE_EQ(r4.retention, 25.0);
    EXPECT_NEAR(r4.mcnemar_p, 0.03125, 1e-12);
    EXPECT_TRUE(r4.significant);
    // Every resample's difference is -(losses drawn)/10 <= 0; the interval holds the estimate.
    EXPECT_LE(r4.delta_ci.hi, 0.0);
    EXPECT_LE(r4.delta_ci.lo, -60.0);
    EXPECT_GE(r4.delta_ci.hi, -60.0);
    EXPECT_GE(r4.delta_ci.lo, -100.0);
    const Metric* d = metric_find(r4.metrics, "acc_delta");
    ASSERT_NE(d, nullptr);
    EXPECT_DOUBLE_EQ(d->value, -60.0);
    EXPECT_DOUBLE_EQ(d->ci_low, r4.delta_ci.lo);
    EXPECT_DOUBLE_EQ(metric_find(r4.metrics, "mcnemar_p")->value, r4.mcnemar_p);
    EXPECT_DOUBLE_EQ(metric_find(r4.metrics, "retention")->value, 25.0);

    const auto& r8 = r.rows[2];
    EXPECT_EQ(r8.base_only, 1);
    EXPECT_EQ(r8.other_only, 1);
    EXPECT_DOUBLE_EQ(r8.acc_delta, 0.0);
    EXPECT_DOUBLE_EQ(r8.mcnemar_p, 1.0);
    EXPECT_FALSE(r8.significant);
    EXPECT_LT(r8.delta_ci.lo, 0.0);
    EXPECT_GT(r8.delta_ci.hi, 0.0);

    // ppl (10, 15, 10.5) vs acc (80, 20, 80): ranks of ppl (1, 3, 2), of acc (2.5, 1, 2.5).
    // Spearman = Pearson of ranks: dx = (-1, 1, 0), dy = (0.5, -1, 0.5) -> -1.5 / sqrt(2 * 1.5).
    EXPECT_NEAR(r.spearman_ppl_acc, -1.5 / std::sqrt(3.0), 1e-12);
    // Pearson: x mean 11.8333, dx = (-1.8333, 3.1667, -1.3333); y mean 60, dy = (20, -40, 20).
    const double dx[3] = {10 - 35.5 / 3, 15 - 35.5 / 3, 10.5 - 35.5 / 3}, dy[3] = {20, -40, 20};
    double sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < 3; ++i) sxy += dx[i] * dy[i], sxx += dx[i] * dx[i], syy += dy[i] * dy[i];
    EXPECT_NEAR(r.pearson_ppl_acc, sxy / std::sqrt(sxx * syy), 1e-12);
    EXPECT_LT(r.pearson_ppl_acc, -0.99);

    // Seeded: the same inputs give the same interval.
    const ComparisonResult again = compare_precisions({base, q4, q8}, "F16");
    EXPECT_EQ(again.rows[1].delta_ci.lo, r4.delta_ci.lo);
    EXPECT_EQ(again.rows[1].delta_ci.hi, r4.delta_ci.hi);
}

TEST(Comparison, CorrelationNeedsThreeKnownPerplexities) {
    const auto r = compare_precisions({outcome("a", {1, 0}, 5.0), outcome("b", {1, 1}), outcome("c", {0, 0}, 7.0)}, "a");
    EXPECT_TRUE(std::isnan(r.pearson_ppl_acc));
    EXPECT_TRUE(std::isnan(r.spearman_ppl_acc));
}

TEST(Comparison, RefusesUnpairedInputs) {
    EXPECT_THROW(compare_precisions({outcome("a", {1, 0})}, "missing"), Error);
    EXPECT_THROW(compare_precisions({outcome("a", {1, 0}), outcome("b", {1, 0, 1})}, "a"), Error);
}
