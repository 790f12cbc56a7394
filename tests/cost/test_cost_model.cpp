// The cost model on numbers chosen so every expected value is worked out by hand in the comments.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "cost/cost_model.h"

namespace qs {
namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

TEST(CostModel, CostPerMillionTokens) {
    // $0.36/h at 100 tok/s: 360,000 tokens per hour cost $0.36, so a million cost $1.
    EXPECT_NEAR(cost_per_mtok(100, 0.36), 1.0, 1e-12);
    // $3.6/h at 1 tok/s: 3600 tokens per $3.6, i.e. $0.001 a token, $1000 a million.
    EXPECT_NEAR(cost_per_mtok(1, 3.6), 1000.0, 1e-9);
    EXPECT_EQ(cost_per_mtok(50, 0), 0.0);
    EXPECT_THROW(cost_per_mtok(0, 1), Error);
    EXPECT_THROW(cost_per_mtok(-5, 1), Error);
    EXPECT_THROW(cost_per_mtok(10, -1), Error);
    EXPECT_THROW(cost_per_mtok(NaN, 1), Error);
}

// $3.6/h; 36 M input and 3.6 M output tokens a month; one-time cost $900.
//   F32  pp 1000 tg 10: 36e6/3.6e6 = 10 h prompt + 3.6e6/36000 = 100 h gen = 110 h -> $396
//   Q8_0 pp 1000 tg 20: 10 h + 50 h = 60 h -> $216, saves $180 (45.45 %), payback 900/180 = 5 months
//   Q4_0 pp 2000 tg 40:  5 h + 25 h = 30 h -> $108, saves $288 (72.73 %), payback 3.125 months
//   API at $2 in / $8 out: 36 x 2 + 3.6 x 8 = $100.80 a month
std::vector<PrecisionSpeed> speeds() {
    return {{"F32", 1000, 10, NaN}, {"Q8_0", 1000, 20, 99.5}, {"Q4_0", 2000, 40, 95.0}};
}
CostInputs inputs() {
    CostInputs in;
    in.usd_per_hour = 3.6;
    in.volume = {36e6, 3.6e6};
    in.one_time_cost_usd = 900;
    in.apis.push_back({"Acme", "big", 2.0, 8.0, "https://example.com", "2024-01-01"});
    return in;
}

TEST(CostModel, MonthlyCostsSavingsPayback) {
    const auto c = cost_compare(speeds(), inputs());
    ASSERT_EQ(c.size(), 3u);
    EXPECT_NEAR(c[0].cost_per_mtok_prompt, 1.0, 1e-12);  // 1e6 x 3.6 / (3600 x 1000)
    EXPECT_NEAR(c[0].cost_per_mtok_gen, 100.0, 1e-9);    // 1e6 x 3.6 / (3600 x 10)
    EXPECT_NEAR(c[0].hours_per_month, 110, 1e-9);
    EXPECT_NEAR(c[0].machines, 110 / 730.0, 1e-12);
    EXPECT_NEAR(c[0].monthly_usd, 396, 1e-9);
    EXPECT_NEAR(c[1].monthly_usd, 216, 1e-9);
    EXPECT_NEAR(c[2].monthly_usd, 108, 1e-9);
    EXPECT_NEAR(c[0].savings_vs_baseline_usd, 0, 1e-9);
    EXPECT_NEAR(c[1].savings_vs_baseline_usd, 180, 1e-9);
    EXPECT_NEAR(c[2].savings_vs_baseline_pct, 100.0 * 288 / 396, 1e-9);
    EXPECT_TRUE(std::isinf(c[0].payback_months));  // no savings: never pays back
    EXPECT_NEAR(c[1].payback_months, 5.0, 1e-12);
    EXPECT_NEAR(c[2].payback_months, 3.125, 1e-12);
    ASSERT_EQ(c[2].vs_api.size(), 1u);
    EXPECT_EQ(c[2].vs_api[0].api, "Acme big");
    EXPECT_NEAR(c[2].vs_api[0].monthly_usd, 100.8, 1e-9);
    EXPECT_NEAR(c[2].vs_api[0].savings_usd, 100.8 - 108, 1e-9);  // the API is cheaper here
    EXPECT_NEAR(c[0].vs_api[0].savings_usd, 100.8 - 396, 1e-9);
}

TEST(CostModel, BaselineByNameAndNoOneTimeCost) {
    CostInputs in = inputs();
    in.baseline = "Q8_0";
    in.one_time_cost_usd = 0;
    const auto c = cost_compare(speeds(), in);
    EXPECT_NEAR(c[0].savings_vs_baseline_usd, 216 - 396, 1e-9);  // F32 costs more than the baseline
    EXPECT_NEAR(c[2].savings_vs_baseline_usd, 108, 1e-9);
    EXPECT_EQ(c[2].payback_months, 0);  // nothing to pay back
}

TEST(CostModel, UnknownPromptSpeedCostsPromptTokensAtGenerationSpeed) {
    CostInputs in = inputs();
    const auto c = cost_compare({{"X", 0, 10, NaN}}, in);
    // 36e6 / 36000 + 3.6e6 / 36000 = 1000 + 100 h
    EXPECT_NEAR(c[0].hours_per_month, 1100, 1e-9);
    EXPECT_NEAR(c[0].cost_per_mtok_prompt, c[0].cost_per_mtok_gen, 1e-12);
}

TEST(CostModel, BadInputsThrow) {
    CostInputs in = inputs();
    EXPECT_THROW(cost_compare({}, in), Error);
    EXPECT_THROW(cost_compare({{"A", 100, 0, NaN}}, in), Error);
    EXPECT_THROW(cost_compare({{"A", -1, 10, NaN}}, in), Error);
    in.baseline = "Q2_K";
    EXPECT_THROW(cost_compare(speeds(), in), Error);
    in = inputs();
    in.volume.output_tokens = -1;
    EXPECT_THROW(cost_compare(speeds(), in), Error);
    in = inputs();
    in.one_time_cost_usd = -5;
    EXPECT_THROW(cost_compare(speeds(), in), Error);
    in = inputs();
    in.usd_per_hour = NaN;
    EXPECT_THROW(cost_compare(speeds(), in), Error);
}

// Words people read: no "$-50.53", no "1411.5 months".
TEST(CostModel, SavingsAndPaybackInWords) {
    EXPECT_EQ(savings_text(12.3), "saves $12.30");
    EXPECT_EQ(savings_text(-50.53), "costs $50.53 more");
    EXPECT_EQ(savings_text(0.001), "same cost");
    EXPECT_EQ(payback_text(0, false), "—");
    EXPECT_EQ(payback_text(std::numeric_limits<double>::infinity(), true), "never");
    EXPECT_EQ(payback_text(7.46, true), "7.5 months");
    EXPECT_EQ(payback_text(1411.5, true), "more than 100 years");
    EXPECT_EQ(payback_text(38.4, true), "3.2 years");
    // The cost model's own figures read that way: F32 (the baseline) against Q8_0 as baseline.
    CostInputs in = inputs();
    in.baseline = "Q4_0";
    const auto c = cost_compare(speeds(), in);
    EXPECT_EQ(savings_text(c[0].savings_vs_baseline_usd), "costs $288.00 more");  // F32 $396 vs Q4_0 $108
    EXPECT_EQ(payback_text(c[0].payback_months, true), "never");
}

TEST(CostModel, MetricsUseCatalogueKeys) {
    const auto c = cost_compare(speeds(), inputs());
    const auto m = cost_metrics(c[1], true);
    ASSERT_EQ(m.size(), 2u);
    for (const Metric& x : m) EXPECT_NE(metric_info(x.key), nullptr) << x.key;
    EXPECT_DOUBLE_EQ(metric_find(m, "cost_per_mtok")->value, 50.0);  // 1e6 x 3.6 / (3600 x 20)
    EXPECT_EQ(cost_metrics(c[1], false).size(), 1u);
}

}  // namespace
}  // namespace qs
