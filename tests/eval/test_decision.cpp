// The recommendation rule (engine/eval/decision.h) on paired item results built here, with the
// intervals from the real comparison code (paired bootstrap), so a wrong bound, a wrong direction
// of the margin or a pick the data cannot support fails.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "eval/comparison.h"
#include "eval/decision.h"

using namespace qs;

namespace {

// n paired items: the baseline is right on the first `base_right`; the candidate differs from it on
// `b` of those (wrong where the baseline was right) and on `c` of the others (right where it was wrong).
struct Pair {
    std::vector<uint8_t> base, other;
};
Pair make_pair_items(int n, int base_right, int b, int c) {
    Pair p;
    p.base.assign(size_t(n), 0);
    for (int i = 0; i < base_right; ++i) p.base[size_t(i)] = 1;
    p.other = p.base;
    for (int i = 0; i < b; ++i) p.other[size_t(i)] = 0;
    for (int i = 0; i < c; ++i) p.other[size_t(base_right + i)] = 1;
    return p;
}

// Evidence for `name` as the cost command gathers it from a stored run: the comparison's interval
// and the discordant counts.
CandidateEvidence evidence(const std::string& name, const Pair& p, double price) {
    ComparisonOptions opts;
    opts.bootstrap_iterations = 2000;  // enough for these clear-cut cases, and quick
    const ComparisonResult r = compare_precisions({precision_outcome("base", p.base), precision_outcome(name, p.other)}, "base", opts);
    const PrecisionComparison& row = r.rows.at(1);
    CandidateEvidence e;
    e.precision = name;
    e.price = price;
    e.retention_pct = row.retention;
    e.accuracy.push_back({"task", row.acc_delta, row.delta_ci, int64_t(p.base.size()), row.base_only, row.other_only});
    return e;
}

CandidateEvidence base_evidence(double price) {
    CandidateEvidence e;
    e.precision = "F16";
    e.price = price;
    return e;
}

const CandidateDecision& candidate(const Decision& d, const std::string& name) {
    for (const auto& c : d.candidates)
        if (c.precision == name) return c;
    throw std::runtime_error("no candidate " + name);
}

}  // namespace

// 300 items, accuracy 67 %: the demo's situation. Every candidate changes only a handful of items,
// but 300 items cannot bound a loss within 1 point: nothing may be recommended, and the reason says
// how many more items each comparison needs.
TEST(Decision, IntervalsOverlappingTheMarginRecommendNothing) {
    const auto q8 = make_pair_items(300, 201, 2, 2);   // Δ 0
    const auto q4 = make_pair_items(300, 201, 8, 7);   // Δ -0.33 pp
    const auto q2 = make_pair_items(300, 201, 6, 7);   // Δ +0.33 pp (the demo's "100 % retention")
    DecisionOptions o;
    o.margin_pp = 1.0;
    o.min_retention_pct = 99;  // every candidate keeps >= 99 %: retention alone would have picked Q2_K
    o.price_unit = "per million generated tokens";
    const Decision d = decide_precision({base_evidence(0.06), evidence("Q8_0", q8, 0.059), evidence("Q4_0", q4, 0.05),
                                         evidence("Q2_K", q2, 0.045)},
                                        "F16", o);
    EXPECT_FALSE(d.decided);
    EXPECT_EQ(d.picked, "");
    for (const char* name : {"Q8_0", "Q4_0", "Q2_K"}) {
        const CandidateDecision& c = candidate(d, name);
        EXPECT_EQ(c.verdict, Verdict::Undecided) << name;
        ASSERT_FALSE(c.criteria.empty());
        // The interval really straddles -1 pp.
        EXPECT_LE(c.criteria[0].ci.lo, -1.0) << name;
        EXPECT_GE(c.criteria[0].ci.hi, -1.0) << name;
        EXPECT_GT(c.items_needed, 0) << name;
    }
    EXPECT_NE(d.reason.find("not decided"), std::string::npos) << d.reason;
    EXPECT_NE(d.reason.find("Q2_K vs F16 needs about"), std::string::npos) << d.reason;
    EXPECT_NE(d.reason.find("1-point margin"), std::string::npos) << d.reason;
    EXPECT_EQ(decision_summary(d).rfind("No recommendation: Q2_K vs F16 needs about", 0), 0u) << decision_summary(d);
    EXPECT_EQ(candidate(d, "F16").verdict, Verdict::Baseline);
}

// The same evidence without any cost figure: the reason is what the evidence lacks (items), not
// that there is nothing to rank by.
TEST(Decision, UnpricedAndUndecidedSaysWhatTheEvidenceLacks) {
    CandidateEvidence base = base_evidence(0.06), q4 = evidence("Q4_0", make_pair_items(300, 201, 8, 7), 0.05);
    base.price = q4.price = std::nan("");
    const Decision d = decide_precision({base, q4}, "F16");
    EXPECT_FALSE(d.decided);
    EXPECT_NE(d.reason.find("no precision is shown non-inferior to F16: Q4_0 vs F16 needs about"), std::string::npos) << d.reason;
    EXPECT_EQ(d.reason.find("cost figure"), std::string::npos) << d.reason;
}

// 3000 items: Q8_0 and Q4_0 bound their loss well within 1 point, Q2_K clearly loses 8 points. The
// cheapest non-inferior one (Q4_0) is picked although Q2_K is cheaper.
TEST(Decision, ClearEvidencePicksTheCheapestNonInferior) {
    const auto q8 = make_pair_items(3000, 2000, 3, 3);
    const auto q4 = make_pair_items(3000, 2000, 30, 28);
    const auto q2 = make_pair_items(3000, 2000, 300, 60);
    DecisionOptions o;
    o.price_unit = "per month";
    const std::vector<CandidateEvidence> all = {base_evidence(400), evidence("Q8_0", q8, 200), evidence("Q4_0", q4, 120),
                                                evidence("Q2_K", q2, 90)};
    const Decision d = decide_precision(all, "F16", o);
    EXPECT_TRUE(d.decided);
    EXPECT_EQ(d.picked, "Q4_0");
    EXPECT_EQ(candidate(d, "Q8_0").verdict, Verdict::NonInferior);
    EXPECT_EQ(candidate(d, "Q4_0").verdict, Verdict::NonInferior);
    EXPECT_GT(candidate(d, "Q4_0").criteria[0].bound, -1.0);
    EXPECT_EQ(candidate(d, "Q2_K").verdict, Verdict::Inferior);
    EXPECT_LT(candidate(d, "Q2_K").criteria[0].ci.hi, -1.0);
    EXPECT_NE(d.reason.find("Q4_0: the cheapest precision non-inferior to F16"), std::string::npos) << d.reason;
    EXPECT_NE(d.reason.find("$120.00 per month vs $400.00 per month"), std::string::npos) << d.reason;

    // A tighter margin (0.3 pp) turns Q4_0 undecided: Q8_0 is then the supported pick, and the
    // reason says the cheaper Q4_0 is open.
    o.margin_pp = 0.3;
    const Decision tight = decide_precision(all, "F16", o);
    EXPECT_EQ(tight.picked, "Q8_0");
    EXPECT_EQ(candidate(tight, "Q4_0").verdict, Verdict::Undecided);
    EXPECT_NE(tight.reason.find("cheaper but not decided: Q4_0 vs F16 needs about"), std::string::npos) << tight.reason;
}

// No item changed: the bootstrap collapses to [0, 0], but 100 identical answers cannot exclude a
// 1-point loss (Bonett-Price: p = 1/102 each side, se = sqrt(2/102/102) = 1.37 pp, bound -2.7 pp).
// With 3000 identical answers they can (bound -0.5 pp).
TEST(Decision, NoChangedItemIsNotCertainty) {
    const auto same100 = make_pair_items(100, 67, 0, 0);
    const CandidateEvidence e = evidence("Q8_0", same100, 1);
    // The comparison itself no longer reports the degenerate bootstrap [0, 0]: it widens to the
    // adjusted interval, so the results table shows what the decision uses.
    EXPECT_NEAR(e.accuracy[0].ci.lo, -100 * 1.959964 * std::sqrt(2.0 / 102 / 102), 1e-6);
    EXPECT_NEAR(e.accuracy[0].ci.hi, 100 * 1.959964 * std::sqrt(2.0 / 102 / 102), 1e-6);
    const Decision d = decide_precision({base_evidence(2), e}, "F16");
    const CandidateDecision& c = candidate(d, "Q8_0");
    EXPECT_EQ(c.verdict, Verdict::Undecided);
    EXPECT_NEAR(c.criteria[0].bound, -100 * 1.959964 * std::sqrt(2.0 / 102 / 102), 1e-6);
    EXPECT_FALSE(d.decided);
    const Decision big = decide_precision({base_evidence(2), evidence("Q8_0", make_pair_items(3000, 2000, 0, 0), 1)}, "F16");
    EXPECT_EQ(big.picked, "Q8_0");
    EXPECT_NEAR(candidate(big, "Q8_0").criteria[0].bound, -100 * 1.959964 * std::sqrt(2.0 / 3002 / 3002), 1e-6);
}

TEST(Decision, EveryCheaperInferiorKeepsTheBaseline) {
    const auto q2 = make_pair_items(1000, 700, 200, 20);
    const Decision d = decide_precision({base_evidence(10), evidence("Q2_K", q2, 5)}, "F16");
    EXPECT_TRUE(d.decided);
    EXPECT_EQ(d.picked, "F16");
    EXPECT_NE(d.reason.find("keep F16"), std::string::npos) << d.reason;
    // A precision without a speed might be the cheaper one: keeping the baseline is not decided then.
    CandidateEvidence q4 = evidence("Q4_0", make_pair_items(1000, 700, 0, 0), std::nan(""));
    const Decision open = decide_precision({base_evidence(10), evidence("Q2_K", q2, 5), q4}, "F16");
    EXPECT_FALSE(open.decided);
    EXPECT_NE(open.reason.find("Q4_0 has no cost figure"), std::string::npos) << open.reason;
}

// Retention alone (the old --min-retention pick) is not evidence: nothing is picked.
TEST(Decision, RetentionWithoutAnIntervalIsNoEvidence) {
    CandidateEvidence q4;
    q4.precision = "Q4_0";
    q4.price = 1;
    q4.retention_pct = 100;
    DecisionOptions o;
    o.min_retention_pct = 98;
    const Decision d = decide_precision({base_evidence(2), q4}, "F16", o);
    EXPECT_FALSE(d.decided);
    EXPECT_EQ(candidate(d, "Q4_0").verdict, Verdict::NoEvidence);
    EXPECT_NE(d.reason.find("Q4_0 vs F16 has no evidence"), std::string::npos) << d.reason;
    // ... but a retention below the requirement does rule a candidate out, whatever its interval.
    const auto q8 = make_pair_items(3000, 2000, 3, 0);
    CandidateEvidence e = evidence("Q8_0", q8, 1);
    e.retention_pct = 97;
    const Decision ruled_out = decide_precision({base_evidence(2), e}, "F16", o);
    EXPECT_EQ(candidate(ruled_out, "Q8_0").verdict, Verdict::Inferior);
    EXPECT_EQ(ruled_out.picked, "F16");
}

// Perplexity/KLD-only runs: the stated threshold against value ± 1.96 se.
TEST(Decision, KldThresholdWithItsInterval) {
    CandidateEvidence q8, q4, q2;
    q8.precision = "Q8_0", q8.price = 3, q8.kld_mean = 0.001, q8.kld_se = 0.0001;    // [0.0008, 0.0012] < 0.01
    q4.precision = "Q4_0", q4.price = 2, q4.kld_mean = 0.0095, q4.kld_se = 0.001;    // [0.0075, 0.0115] straddles
    q2.precision = "Q2_K", q2.price = 1, q2.kld_mean = 0.05, q2.kld_se = 0.002;      // above
    DecisionOptions o;
    o.kld_max = 0.01;
    const Decision d = decide_precision({base_evidence(4), q8, q4, q2}, "F16", o);
    EXPECT_EQ(candidate(d, "Q8_0").verdict, Verdict::NonInferior);
    EXPECT_EQ(candidate(d, "Q4_0").verdict, Verdict::Undecided);
    EXPECT_EQ(candidate(d, "Q2_K").verdict, Verdict::Inferior);
    EXPECT_NEAR(candidate(d, "Q4_0").criteria[0].bound, 0.0095 + 1.959964 * 0.001, 1e-6);
    EXPECT_EQ(d.picked, "Q8_0");  // the cheapest non-inferior; Q4_0 is cheaper but open
    EXPECT_NE(d.reason.find("cheaper but not decided: Q4_0"), std::string::npos) << d.reason;
    // Without a threshold a KLD-only run has no evidence.
    EXPECT_FALSE(decide_precision({base_evidence(4), q8}, "F16").decided);
}

// The power estimate against the bootstrap it predicts: at d = 0 with the planned number of items,
// the lower bound should sit at about -margin * z_a / (z_a + z_b) = -0.70 margin; with
// n * (z_a / (z_a + z_b))^2 items (the size where the expected bound is exactly -margin) it is about -margin.
TEST(Decision, ItemsNeededAgreesWithTheBootstrap) {
    const int64_t n0 = 300, disc = 30;  // 10 % discordant, balanced
    const int64_t need = noninferiority_items(n0, disc / 2, disc / 2, 1.0);
    // adjusted rates 16/302 each side: (1.95996 + 0.84162)^2 * (32/302) / 0.01^2 = 8316.8
    EXPECT_EQ(need, 8317);
    const double za = 1.959964, zb = 0.841621;
    for (const auto& [n, expect] : {std::pair{need, -za / (za + zb)}, std::pair{int64_t(double(need) * za * za / ((za + zb) * (za + zb))), -1.0}}) {
        const int half = int(std::lround(0.05 * double(n)));
        const auto p = make_pair_items(int(n), int(n / 2), half, half);
        const Interval ci = paired_bootstrap_diff(p.base, p.other, 2000, 0.95, 7);
        EXPECT_NEAR(100 * ci.lo, expect, 0.06) << n;
    }
    // An observed loss counts; an observed gain does not.
    EXPECT_GT(noninferiority_items(3000, 160, 140, 1.0), noninferiority_items(3000, 150, 150, 1.0));
    EXPECT_EQ(noninferiority_items(300, 10, 20, 1.0), noninferiority_items(300, 15, 15, 1.0));
    EXPECT_EQ(noninferiority_items(300, 10, 0, 1.0), -1);  // observed loss 3.3 pp > margin
    EXPECT_EQ(noninferiority_items(0, 0, 0, 1.0), -1);
}

TEST(Decision, RejectsBadOptions) {
    EXPECT_THROW(decide_precision({base_evidence(1)}, "nope"), Error);
    DecisionOptions o;
    o.margin_pp = 0;
    EXPECT_THROW(decide_precision({base_evidence(1)}, "F16", o), Error);
    o.margin_pp = 1, o.level = 1.0;
    EXPECT_THROW(decide_precision({base_evidence(1)}, "F16", o), Error);
}
