// Answer checking for generation tasks (engine/eval/generation_scoring.h). The expected GSM8K
// extractions and normalisations were computed with Python's re module running lm-eval's filter
// and exact_match code on the same strings, not with our implementation.
#include <gtest/gtest.h>

#include "core/error.h"
#include "eval/generation_eval.h"
#include "eval/generation_scoring.h"
#include "eval/statistics.h"
#include "sandbox/sandbox.h"

namespace qs {
namespace {

TEST(Gsm8kExtraction, MatchesLmEvalFiltersOnTheSameStrings) {
    struct Case {
        const char *text, *strict, *flexible, *strict_norm, *flexible_norm;
    };
    const Case cases[] = {
        {"She has 3 apples.\n#### 1,234.\n", "1,234.", "1,234.", "1234", "1234"},
        {"I have 3 apples and $5.00 total", "[invalid]", "$5.00", "[invalid]", "5.00"},
        {"no number here", "[invalid]", "[invalid]", "[invalid]", "[invalid]"},
        {"#### -7 then #### 9", "-7", "9", "-7", "9"},
        {"The answer is 42.\n\nQuestion", "[invalid]", "42.", "[invalid]", "42"},
        {"x = 10, y = -3", "[invalid]", "-3", "[invalid]", "-3"},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(gsm8k_strict_extract(c.text), c.strict) << c.text;
        EXPECT_EQ(gsm8k_flexible_extract(c.text), c.flexible) << c.text;
        EXPECT_EQ(gsm8k_normalize(gsm8k_strict_extract(c.text)), c.strict_norm) << c.text;
        EXPECT_EQ(gsm8k_normalize(gsm8k_flexible_extract(c.text)), c.flexible_norm) << c.text;
    }
    EXPECT_EQ(gsm8k_normalize("Janet sells 9.\n#### 18"), "18");
    EXPECT_EQ(gsm8k_normalize("ab.\n"), "ab\n");
    EXPECT_EQ(gsm8k_normalize("A#### B#### C."), "c");
    EXPECT_EQ(gsm8k_normalize("X.Y."), "x.y");
}

TaskItem item_with(GenerationScoring scoring, std::vector<std::string> targets) {
    TaskItem item;
    item.id = "t";
    item.generation.scoring = scoring;
    item.generation.targets = std::move(targets);
    return item;
}

TEST(GenerationCheck, Gsm8kStrictAndFlexibleVerdicts) {
    const TaskItem item = item_with(GenerationScoring::Gsm8k, {"Natalia sold 48/2 = 24 clips.\n#### 72"});
    const GenerationCheck both = generation_check(item, " She sold 72 in all.\n#### 72\n", nullptr);
    EXPECT_TRUE(both.pass());
    EXPECT_TRUE(both.flexible_pass);
    const GenerationCheck flexible_only = generation_check(item, " 48 + 24 = 72", nullptr);
    EXPECT_FALSE(flexible_only.pass());
    EXPECT_EQ(flexible_only.extracted, "[invalid]");
    EXPECT_TRUE(flexible_only.flexible_pass);
    EXPECT_FALSE(generation_check(item, "#### 71", nullptr).pass());
}

TEST(GenerationCheck, ExactContainsAndRegex) {
    EXPECT_TRUE(generation_check(item_with(GenerationScoring::ExactMatch, {"Paris"}), " Paris\n", nullptr).pass());
    EXPECT_FALSE(generation_check(item_with(GenerationScoring::ExactMatch, {"Paris"}), " Paris, France", nullptr).pass());
    EXPECT_TRUE(generation_check(item_with(GenerationScoring::ExactMatch, {"Rome", "Paris"}), "Paris", nullptr).pass());
    EXPECT_TRUE(generation_check(item_with(GenerationScoring::Contains, {"Paris"}), "It is Paris, France", nullptr).pass());
    EXPECT_FALSE(generation_check(item_with(GenerationScoring::Contains, {"paris"}), "It is Paris", nullptr).pass());
    EXPECT_TRUE(generation_check(item_with(GenerationScoring::Regex, {"^\\s*[Pp]aris\\b"}), " paris!", nullptr).pass());
    EXPECT_FALSE(generation_check(item_with(GenerationScoring::Regex, {"^Paris$"}), "Paris is", nullptr).pass());
    EXPECT_THROW(generation_check(item_with(GenerationScoring::Regex, {"(unclosed"}), "x", nullptr), Error);
}

TEST(GenerationCheck, RegexFindAllFollowsPythonFindall) {
    const auto m = regex_find_all("(a)|(b)", "xaby");
    ASSERT_EQ(m.size(), 2u);
    EXPECT_EQ(m[0], (std::vector<std::string>{"a", ""}));
    EXPECT_EQ(m[1], (std::vector<std::string>{"", "b"}));
    EXPECT_EQ(regex_find_all("[0-9]+", "a1b22").size(), 2u);
    EXPECT_EQ(regex_find_all("x*", "ab").size(), 3u);  // empty matches at 0, 1, 2, as re.findall
    EXPECT_EQ(regex_find_all("b", std::string("a\xff" "b")).size(), 1u);  // invalid UTF-8 is no obstacle
}

TEST(PassAtK, UnbiasedEstimatorAgainstBinomials) {
    EXPECT_NEAR(pass_at_k(5, 1, 1), 0.2, 1e-12);
    EXPECT_NEAR(pass_at_k(10, 3, 5), 1.0 - 21.0 / 252.0, 1e-12);  // 1 - C(7,5)/C(10,5)
    EXPECT_NEAR(pass_at_k(20, 0, 10), 0.0, 1e-12);
    EXPECT_EQ(pass_at_k(3, 3, 2), 1.0);
    EXPECT_EQ(pass_at_k(10, 8, 5), 1.0);  // n - c < k
}

// HumanEval-shaped programs through the real sandbox: each verdict from a program that earns it.
class PythonTestsCheck : public ::testing::Test {
protected:
    void SetUp() override {
        SandboxOptions o;
        o.timeout_seconds = 3;
        box_ = std::make_unique<Sandbox>(o);
        if (box_->python().empty()) GTEST_SKIP() << "no python3";
        item_.id = "add";
        item_.generation.scoring = GenerationScoring::PythonTests;
        item_.generation.program_prefix = "def add(a, b):\n";
        item_.generation.program_suffix = "\n\ndef check(candidate):\n    assert candidate(2, 3) == 5\n\ncheck(add)";
    }
    GenerationCheck check(const std::string& completion) { return generation_check(item_, completion, box_.get()); }
    std::unique_ptr<Sandbox> box_;
    TaskItem item_;
};

TEST_F(PythonTestsCheck, EachVerdictFromAProgramThatEarnsIt) {
    EXPECT_EQ(check("    return a + b\n").verdict, GenerationVerdict::Pass);
    const GenerationCheck wrong = check("    return a - b\n");
    EXPECT_EQ(wrong.verdict, GenerationVerdict::Fail);
    EXPECT_EQ(wrong.detail, "AssertionError");
    const GenerationCheck broken = check("    return a +\n");
    EXPECT_EQ(broken.verdict, GenerationVerdict::Error);
    EXPECT_NE(broken.detail.find("SyntaxError"), std::string::npos) << broken.detail;
    EXPECT_EQ(check("    return undefined_name\n").verdict, GenerationVerdict::Error);
    EXPECT_EQ(check("    while True: pass\n").verdict, GenerationVerdict::Timeout);
    EXPECT_THROW(generation_check(item_, "    return a + b\n", nullptr), Error);  // code needs a sandbox
}

GenerationCheck verdict(GenerationVerdict v) {
    GenerationCheck c;
    c.verdict = v;
    return c;
}

TEST(GenerationFinish, MetricsFromVerdicts) {
    GenerationResult r;
    r.scoring = GenerationScoring::PythonTests;
    r.samples = 1;
    for (GenerationVerdict v : {GenerationVerdict::Pass, GenerationVerdict::Fail, GenerationVerdict::Timeout, GenerationVerdict::Error}) {
        GenerationItemResult ir;
        ir.checks = {verdict(v)};
        r.items.push_back(ir);
    }
    generation_finish(r);
    EXPECT_DOUBLE_EQ(metric_find(r.metrics, "pass_at_1")->value, 25.0);
    EXPECT_TRUE(metric_find(r.metrics, "pass_at_1")->has_interval());
    EXPECT_EQ(metric_find(r.metrics, "items_timeout")->value, 1.0);
    EXPECT_EQ(metric_find(r.metrics, "items_error")->value, 1.0);
    EXPECT_EQ(r.item_correct, (std::vector<uint8_t>{1, 0, 0, 0}));

    // n samples: pass@k is the mean of the unbiased estimator.
    GenerationResult s;
    s.scoring = GenerationScoring::PythonTests;
    s.samples = 10;
    GenerationItemResult a, b;
    a.checks.assign(10, verdict(GenerationVerdict::Fail));
    a.n_pass = 3;
    b.checks.assign(10, verdict(GenerationVerdict::Fail));
    b.n_pass = 0;
    s.items = {a, b};
    generation_finish(s);
    EXPECT_NEAR(metric_find(s.metrics, "pass_at_1")->value, 100.0 * (0.3 + 0.0) / 2, 1e-9);
    EXPECT_NEAR(metric_find(s.metrics, "pass_at_10")->value, 100.0 * (1.0 + 0.0) / 2, 1e-9);
    EXPECT_EQ(metric_find(s.metrics, "pass_at_100"), nullptr);  // more than the samples
}

}  // namespace
}  // namespace qs
