// check-task's engine side: the datasets' own answers through the same sandbox and scorer a model's
// answers go through must all pass; a deliberately wrong one must not. The default run checks all
// of GSM8K (no code runs) and a fixed sample of HumanEval and MBPP; the full HumanEval (164) and
// MBPP (974) runs are the DISABLED_ tests, run by the "slow" CTest label (ctest --preset slow).
#include <gtest/gtest.h>

#include "common/test_paths.h"
#include "eval/generation_eval.h"
#include "sandbox/sandbox.h"

namespace qs::test {
namespace {

GenerationResult check_refs(const std::string& format, const std::string& path, int64_t limit, double timeout,
                            const std::string& split = "all") {
    DatasetOptions dopts;
    dopts.split = split == "all" && format != "mbpp" ? "" : split;
    const TaskDataset d = dataset_load(format, path, dopts);
    SandboxOptions sopts;
    sopts.timeout_seconds = timeout;
    const Sandbox box(sopts);
    GenerationEvalOptions o;
    o.limit = limit;
    Progress progress;
    return generation_check_references(d, o, &box, 2, progress);
}

void expect_all_pass(const GenerationResult& r, size_t items) {
    EXPECT_EQ(r.items.size(), items);
    size_t pass = 0;
    for (const GenerationItemResult& ir : r.items) {
        pass += ir.checks.front().pass();
        EXPECT_TRUE(ir.checks.front().pass()) << "item " << ir.item_index << ": " << generation_verdict_name(ir.checks.front().verdict)
                                              << " " << ir.checks.front().detail;
    }
    EXPECT_EQ(pass, items);
}

TEST(GenerationReferences, Gsm8kAnswersSurviveBothExtractions) {
    QS_REQUIRE_SHARED(path, "data/gsm8k/test.jsonl");
    const GenerationResult r = check_refs("gsm8k", path, 0, 10);
    expect_all_pass(r, 1319);
    for (const GenerationItemResult& ir : r.items) EXPECT_TRUE(ir.checks.front().flexible_pass) << ir.item_index;
    EXPECT_DOUBLE_EQ(metric_find(r.metrics, "exact_match")->value, 100.0);
    EXPECT_DOUBLE_EQ(metric_find(r.metrics, "exact_match_flexible")->value, 100.0);
}

TEST(GenerationReferences, HumanEvalCanonicalSolutionsPassSample) {
    QS_REQUIRE_SHARED(path, "data/humaneval/HumanEval.jsonl.gz");
    const GenerationResult r = check_refs("humaneval", path, 12, 30);
    expect_all_pass(r, 12);
    EXPECT_DOUBLE_EQ(metric_find(r.metrics, "pass_at_1")->value, 100.0);
}

TEST(GenerationReferences, MbppReferenceCodePassesSample) {
    QS_REQUIRE_SHARED(path, "data/mbpp/mbpp.jsonl");
    expect_all_pass(check_refs("mbpp", path, 12, 30), 12);
}

TEST(GenerationReferences, DISABLED_FullHumanEval) {
    QS_REQUIRE_SHARED(path, "data/humaneval/HumanEval.jsonl.gz");
    expect_all_pass(check_refs("humaneval", path, 0, 30), 164);
}

TEST(GenerationReferences, DISABLED_FullMbpp) {
    QS_REQUIRE_SHARED(path, "data/mbpp/mbpp.jsonl");
    expect_all_pass(check_refs("mbpp", path, 0, 120), 974);  // task 123 needs > 10 s on a busy machine
}

// The same checks fail for wrong answers: the scorer is not a rubber stamp.
TEST(GenerationReferences, WrongSolutionsFail) {
    QS_REQUIRE_SHARED(path, "data/humaneval/HumanEval.jsonl.gz");
    TaskDataset d = dataset_load("humaneval", path);
    d.items.resize(3);
    d.items[0].generation.reference = "    return not " + std::string("any(True for _ in numbers)\n");  // wrong logic
    d.items[1].generation.reference = "    return [\n";                                             // does not parse
    d.items[2].generation.reference = "    while True:\n        pass\n";                             // never ends
    SandboxOptions sopts;
    sopts.timeout_seconds = 3;
    const Sandbox box(sopts);
    Progress progress;
    const GenerationResult r = generation_check_references(d, {}, &box, 2, progress);
    ASSERT_EQ(r.items.size(), 3u);
    EXPECT_EQ(r.items[0].checks[0].verdict, GenerationVerdict::Fail);
    EXPECT_EQ(r.items[1].checks[0].verdict, GenerationVerdict::Error);
    EXPECT_EQ(r.items[2].checks[0].verdict, GenerationVerdict::Timeout);
    EXPECT_DOUBLE_EQ(metric_find(r.metrics, "pass_at_1")->value, 0.0);

    QS_REQUIRE_SHARED(gsm, "data/gsm8k/test.jsonl");
    TaskDataset g = dataset_load("gsm8k", gsm);
    g.items.resize(1);
    g.items[0].generation.reference = "She makes 9 * 2 = $18.\n#### 17";
    const GenerationResult rg = generation_check_references(g, {}, nullptr, 1, progress);
    EXPECT_FALSE(rg.items[0].checks[0].pass());
    EXPECT_FALSE(rg.items[0].checks[0].flexible_pass);
}

}  // namespace
}  // namespace qs::test
