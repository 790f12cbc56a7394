#include <gtest/gtest.h>

#include "generation_changes.h"
#include "sample_runs.h"

using namespace qs::ui;

using qs::test::humaneval_job;

// Counted by hand: items 0 and 2 passed in F16; Q4 keeps item 0 (same text), breaks item 2 and
// fixes item 1; a second sample of an item is not compared.
TEST(GenerationChanges, BrokenAndFixedItemsAgainstTheBaseline) {
    qs::RunRecord run;
    run.id = 4;
    run.baseline = "F16";
    run.jobs = {humaneval_job("F16", 0, {{"    return a + b\n", "pass"}, {"    return 0\n", "fail"}, {"    return sorted(x)\n", "pass"}}),
                humaneval_job("Q4_K_M", 0, {{"    return a + b\n", "pass"}, {"    return n\n", "pass"}, {"    return x\n", "fail"}}),
                qs::test::job("Q4_K_M", qs::EvaluatorKind::Perplexity, "wiki", {qs::test::metric("ppl", 11)})};
    run.jobs[1].item_outputs.push_back({2, 1, "HumanEval/2", "    return sorted(x)\n", "pass", ""});

    const auto all = generation_changes({run});
    ASSERT_EQ(all.size(), 1);
    const GenerationChanges& c = all[0];
    EXPECT_EQ(c.dataset, "humaneval");
    EXPECT_EQ(c.precision, "Q4_K_M");
    EXPECT_EQ(c.baseline, "F16");
    EXPECT_EQ(c.items, 3);
    EXPECT_EQ(c.broken, 1);
    EXPECT_EQ(c.fixed, 1);
    EXPECT_EQ(c.same_text, 1);
    ASSERT_EQ(c.changes.size(), 2);
    EXPECT_EQ(c.changes[0].item, 2);  // the broken one first
    EXPECT_EQ(c.changes[0].baseline_verdict, "pass");
    EXPECT_EQ(c.changes[0].verdict, "fail");
    EXPECT_EQ(c.changes[0].baseline_text, "    return sorted(x)\n");
    EXPECT_EQ(c.changes[0].text, "    return x\n");
    EXPECT_EQ(c.changes[0].detail, "AssertionError");
    EXPECT_EQ(c.changes[1].item_id, "HumanEval/1");

    // Another baseline turns the comparison round.
    const auto against_q4 = generation_changes({run}, "Q4_K_M");
    ASSERT_EQ(against_q4.size(), 1);
    EXPECT_EQ(against_q4[0].precision, "F16");
    EXPECT_EQ(against_q4[0].broken, 1);  // item 1, which Q4 passed
    EXPECT_EQ(against_q4[0].changes[0].item, 1);
}
