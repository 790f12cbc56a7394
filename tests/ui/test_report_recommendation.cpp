// The report's recommendation in words, from the engine's decision rule: what it picks, each
// candidate's verdict with its reason, and money only for a pick the data support.
#include <gtest/gtest.h>

#include "report/report.h"

namespace {

// A paired comparison on 2000 items whose discordant counts agree with its interval.
qs::CandidateEvidence candidate(const std::string& precision, double lo, double hi, int64_t base_only = 20, int64_t other_only = 20) {
    qs::CandidateEvidence e;
    e.precision = precision;
    if (!std::isnan(lo)) {
        qs::PairedAccuracy a;
        a.dataset = "arc-easy";
        a.delta_pp = (lo + hi) / 2;
        a.ci = {lo, hi};
        a.items = 2000;
        a.base_only = base_only;
        a.other_only = other_only;
        e.accuracy.push_back(a);
    }
    return e;
}

qs::PrecisionCost cost(const std::string& precision, double per_mtok, double monthly) {
    qs::PrecisionCost c;
    c.precision = precision;
    c.cost_per_mtok_gen = per_mtok;
    c.monthly_usd = monthly;
    return c;
}

std::vector<qs::CandidateEvidence> evidence() {
    // Q8_0 within 0.5 points of F16 on 2000 items; Q4_0 at least 3 points worse.
    return {candidate("F16", NAN, NAN), candidate("Q8_0", -0.5, 0.5), candidate("Q4_0", -5.0, -3.0, 100, 20)};
}

}  // namespace

TEST(ReportRecommendation, NamesThePickEachVerdictAndTheMonthlySaving) {
    std::vector<qs::CandidateEvidence> ev = evidence();
    const std::vector<qs::PrecisionCost> costs = {cost("F16", 0.02, 100), cost("Q8_0", 0.012, 60), cost("Q4_0", 0.008, 40)};
    for (auto& e : ev)
        for (const auto& c : costs)
            if (c.precision == e.precision) e.price = c.monthly_usd;
    const qs::Decision d = qs::decide_precision(ev, "F16");
    ASSERT_TRUE(d.decided);
    ASSERT_EQ(d.picked, "Q8_0");  // Q4_0 is cheaper but inferior

    const qs::ui::ReportRecommendation r = qs::ui::report_recommendation(d, costs, "on test-gpu at $1/h with speeds estimated: x");
    EXPECT_TRUE(r.headline.startsWith("Recommended: Q8_0")) << r.headline.toStdString();
    ASSERT_EQ(r.evidence.size(), 2);  // the baseline is not a candidate
    EXPECT_TRUE(r.evidence[0].startsWith("Q8_0 — non-inferior")) << r.evidence[0].toStdString();
    EXPECT_TRUE(r.evidence[1].startsWith("Q4_0 — inferior")) << r.evidence[1].toStdString();
    EXPECT_TRUE(r.savings.contains("$60.00")) << r.savings.toStdString();
    EXPECT_TRUE(r.savings.contains("$100.00")) << r.savings.toStdString();
    EXPECT_TRUE(r.savings.contains("saves $40.00")) << r.savings.toStdString();
    EXPECT_TRUE(r.savings.contains("speeds estimated")) << r.savings.toStdString();
}

TEST(ReportRecommendation, NoMoneyClaimWithoutAPick) {
    // Both candidates straddle the margin: nothing is decided, so no saving may be announced.
    std::vector<qs::CandidateEvidence> ev = {candidate("F16", NAN, NAN), candidate("Q8_0", -3.0, 1.0), candidate("Q4_0", -4.0, 0.5)};
    ev[0].price = 100, ev[1].price = 60, ev[2].price = 40;
    const qs::Decision d = qs::decide_precision(ev, "F16");
    ASSERT_FALSE(d.decided);
    const std::vector<qs::PrecisionCost> costs = {cost("F16", 0.02, 100), cost("Q8_0", 0.012, 60), cost("Q4_0", 0.008, 40)};
    const qs::ui::ReportRecommendation r = qs::ui::report_recommendation(d, costs, "on test-gpu at $1/h");
    EXPECT_TRUE(r.headline.startsWith("No recommendation")) << r.headline.toStdString();
    EXPECT_TRUE(r.savings.isEmpty()) << r.savings.toStdString();
    for (const QString& e : r.evidence) EXPECT_TRUE(e.contains("undecided")) << e.toStdString();
}

TEST(ReportRecommendation, PerMillionTokensWithoutAVolumeAndWhyThereIsNoCost) {
    std::vector<qs::CandidateEvidence> ev = evidence();
    const std::vector<qs::PrecisionCost> costs = {cost("F16", 0.02, 0), cost("Q8_0", 0.012, 0), cost("Q4_0", 0.008, 0)};
    for (auto& e : ev)
        for (const auto& c : costs)
            if (c.precision == e.precision) e.price = c.cost_per_mtok_gen;
    const qs::Decision d = qs::decide_precision(ev, "F16");
    const qs::ui::ReportRecommendation r = qs::ui::report_recommendation(d, costs, "here");
    EXPECT_TRUE(r.savings.contains("A million generated tokens cost $0.0120 with Q8_0 against $0.0200 with F16")) << r.savings.toStdString();
    EXPECT_EQ(qs::ui::report_recommendation(d, {}, "ranked by bits per weight: no speed for H100").savings,
              "No cost figures: ranked by bits per weight: no speed for H100.");
}
