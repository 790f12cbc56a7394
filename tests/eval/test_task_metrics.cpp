// Predictions, metrics and calibration from hand-made choice scores (no model): each expected
// value below is worked out by hand in the comments.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "eval/task_eval.h"

using namespace qs;

namespace {

TaskChoice choice(const std::string& text) { return TaskChoice{"ctx", " " + text, text}; }

ChoiceScore score(double loglik, int n_tokens, bool greedy = false, double greedy_logprob = 0) {
    return ChoiceScore{loglik, n_tokens, greedy, greedy_logprob};
}

TaskItemResult item_result(size_t index, int gold, std::vector<ChoiceScore> choices) {
    TaskItemResult r;
    r.item_index = index;
    r.gold = gold;
    r.choices = std::move(choices);
    return r;
}

}  // namespace

TEST(TaskMetrics, AccNormDividesByCharactersNotBytes) {
    TaskDataset ds;
    ds.kind = TaskKind::MultipleChoice;
    TaskItem item;
    item.choices = {choice("éééé"), choice("abcdef")};  // 4 characters (8 bytes), 6 characters (6 bytes)
    item.gold = 1;
    ds.items = {item};
    TaskResult r;
    r.kind = TaskKind::MultipleChoice;
    // raw: -8 > -10 -> choice 0. chars: -8/4 = -2 < -10/6 = -1.67 -> choice 1 (gold).
    // bytes would give -8/8 = -1 > -1.67 -> choice 0. per token: -8/2 = -4 < -10/10 = -1 -> choice 1.
    r.items = {item_result(0, 1, {score(-8, 2), score(-10, 10)})};
    task_finish(r, ds, {});
    const auto& it = r.items[0];
    EXPECT_EQ(it.pred_acc, 0);
    EXPECT_EQ(it.pred_norm, 1);
    EXPECT_EQ(it.pred_per_token, 1);
    EXPECT_FALSE(it.correct_acc);
    EXPECT_TRUE(it.correct_norm);
    EXPECT_TRUE(it.correct_per_token);
    EXPECT_DOUBLE_EQ(metric_find(r.metrics, "acc")->value, 0.0);
    EXPECT_DOUBLE_EQ(metric_find(r.metrics, "acc_norm")->value, 100.0);
    EXPECT_DOUBLE_EQ(metric_find(r.metrics, "acc_per_token")->value, 100.0);
    // Primary Raw: confidence = softmax(-8, -10)[0] = 1 / (1 + e^-2).
    EXPECT_EQ(it.pred, 0);
    EXPECT_NEAR(it.confidence, 1.0 / (1.0 + std::exp(-2.0)), 1e-12);
    EXPECT_EQ(r.item_correct, std::vector<uint8_t>{0});
}

TEST(TaskMetrics, AccuracyStderrIntervalAndCalibration) {
    TaskDataset ds;
    TaskItem item;
    item.choices = {choice("aa"), choice("bb")};
    ds.items.assign(4, item);
    TaskResult r;
    // Items 0,1,2 right, item 3 wrong (ties go to the first index, as numpy.argmax).
    r.items = {item_result(0, 0, {score(-1, 1), score(-2, 1)}), item_result(1, 1, {score(-3, 1), score(-1, 1)}),
               item_result(2, 0, {score(-1, 1), score(-1, 1)}), item_result(3, 1, {score(-1, 1), score(-4, 1)})};
    task_finish(r, ds, {});
    const Metric* acc = metric_find(r.metrics, "acc");
    ASSERT_NE(acc, nullptr);
    EXPECT_DOUBLE_EQ(acc->value, 75.0);
    // lm-eval's sample stderr: sqrt(p(1-p) * n/(n-1) / n) = sqrt(0.1875 / 3) = 0.25 -> 25 %.
    EXPECT_NEAR(acc->stderr_, 25.0, 1e-9);
    // Wilson 95 % for 3/4: centre (0.75 + z^2/8) / (1 + z^2/4), half-width z/(1+z^2/4) sqrt(0.1875/4 + z^2/64).
    const double z = 1.959963984540054, d = 1 + z * z / 4;
    const double centre = (0.75 + z * z / 8) / d, half = z / d * std::sqrt(0.1875 / 4 + z * z / 64);
    EXPECT_NEAR(acc->ci_low, 100 * (centre - half), 1e-9);
    EXPECT_NEAR(acc->ci_high, 100 * (centre + half), 1e-9);
    EXPECT_DOUBLE_EQ(metric_find(r.metrics, "items")->value, 4.0);
    EXPECT_EQ(r.running_acc, (std::vector<double>{100.0, 100.0, 100.0, 75.0}));

    // Confidences: softmax of the raw log-likelihoods at the prediction.
    const double c0 = 1 / (1 + std::exp(-1.0)), c1 = 1 / (1 + std::exp(-2.0)), c2 = 0.5, c3 = 1 / (1 + std::exp(-3.0));
    EXPECT_NEAR(r.item_confidence[0], c0, 1e-12);
    EXPECT_NEAR(r.item_confidence[1], c1, 1e-12);
    EXPECT_NEAR(r.item_confidence[2], c2, 1e-12);
    EXPECT_NEAR(r.item_confidence[3], c3, 1e-12);
    EXPECT_EQ(r.item_correct, (std::vector<uint8_t>{1, 1, 1, 0}));
    // Brier: right items (1 - c)^2 twice (two choices), wrong item c^2 + ... : sum_k (p_k - y_k)^2.
    const double brier = (2 * std::pow(1 - c0, 2) + 2 * std::pow(1 - c1, 2) + 2 * std::pow(0.5, 2) +
                          (c3 * c3 + c3 * c3)) / 4;
    EXPECT_NEAR(metric_find(r.metrics, "brier")->value, brier, 1e-12);
    // 15 equal-width bins: c2 = 0.5 in (7/15, 8/15]; c0 = 0.731 in (10/15, 11/15]; c1 = 0.881 in
    // (13/15, 14/15]; c3 = 0.953 in (14/15, 1]. ECE = (|1-c0| + |1-c1| + |1-c2| + |0-c3|) / 4.
    const double ece = ((1 - c0) + (1 - c1) + (1 - c2) + c3) / 4;
    EXPECT_NEAR(metric_find(r.metrics, "ece")->value, 100 * ece, 1e-9);
    EXPECT_NEAR(metric_find(r.metrics, "mce")->value, 100 * c3, 1e-9);
    EXPECT_EQ(r.calibration.bins.size(), 15u);
    EXPECT_EQ(r.calibration_mass.bins.size(), 4u);  // 10 equal-mass bins of 4 items: one item each
    EXPECT_NE(metric_find(r.metrics, "ece_mass"), nullptr);
    EXPECT_NE(metric_find(r.metrics, "rmsce"), nullptr);
}

TEST(TaskMetrics, PrimaryScoreChoosesThePredictionThatIsCalibrated) {
    TaskDataset ds;
    TaskItem item;
    item.choices = {choice("a"), choice("b")};
    ds.items = {item};
    TaskResult r;
    r.primary = TaskScore::PerToken;  // -6/3 = -2 vs -3/1 = -3 -> choice 0; raw picks choice 1
    r.items = {item_result(0, 0, {score(-6, 3), score(-3, 1)})};
    task_finish(r, ds, {});
    EXPECT_EQ(r.items[0].pred, 0);
    EXPECT_EQ(r.items[0].pred_acc, 1);
    EXPECT_NEAR(r.item_confidence[0], 1 / (1 + std::exp(-1.0)), 1e-12);
    EXPECT_EQ(r.item_correct[0], 1);
}

TEST(TaskMetrics, CompletionUsesGreedyMatchAndLmEvalPerplexity) {
    TaskDataset ds;
    ds.kind = TaskKind::Completion;
    TaskItem item;
    item.choices = {choice("dog")};
    ds.items.assign(2, item);
    TaskResult r;
    r.kind = TaskKind::Completion;
    r.items = {item_result(0, 0, {score(-2, 1, true, -0.5)}), item_result(1, 0, {score(-4, 2, false, -1.0)})};
    task_finish(r, ds, {});
    EXPECT_DOUBLE_EQ(metric_find(r.metrics, "acc")->value, 50.0);
    EXPECT_NEAR(metric_find(r.metrics, "ppl")->value, std::exp(3.0), 1e-9);  // exp(-mean(-2, -4))
    EXPECT_NEAR(r.item_confidence[0], std::exp(-0.5), 1e-12);
    EXPECT_NEAR(r.item_confidence[1], std::exp(-1.0), 1e-12);
    const double brier = (std::pow(1 - std::exp(-0.5), 2) + std::pow(std::exp(-1.0), 2)) / 2;
    EXPECT_NEAR(metric_find(r.metrics, "brier")->value, brier, 1e-12);
}

TEST(TaskMetrics, LimitSamplingIsReproducible) {
    TaskDataset ds;
    TaskItem item;
    item.choices = {choice("a"), choice("b")};
    ds.items.assign(100, item);
    TaskEvalOptions o;
    o.limit = 10;
    const auto a = task_select_items(ds, o);
    const auto b = task_select_items(ds, o);
    EXPECT_EQ(a, b);
    EXPECT_EQ(a.size(), 10u);
    EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
    EXPECT_EQ(a, dataset_sample(100, 10, 1234));
    o.seed = 99;
    EXPECT_NE(task_select_items(ds, o), a);
    o.sampling = TaskSampling::LlamaCppHellaswag;
    EXPECT_EQ(task_select_items(ds, o), dataset_sample_llamacpp_hellaswag(100, 10));
    TaskEvalOptions all;
    EXPECT_EQ(task_select_items(ds, all).size(), 100u);
    all.limit = -1;
    EXPECT_THROW(task_select_items(ds, all), Error);
}

TEST(TaskMetrics, ResolvesTokenizationFromTheFormat) {
    TaskDataset ds;
    ds.format = "hellaswag-llamacpp";
    EXPECT_EQ(task_resolve_tokenization(ds, TaskTokenization::Auto), TaskTokenization::LlamaCpp);
    EXPECT_EQ(task_resolve_tokenization(ds, TaskTokenization::LmEval), TaskTokenization::LmEval);
    ds.format = "hellaswag-jsonl";
    EXPECT_EQ(task_resolve_tokenization(ds, TaskTokenization::Auto), TaskTokenization::LmEval);
}
