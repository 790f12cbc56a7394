// Task accuracy (multiple-choice and LAMBADA-style completion) by log-likelihood scoring, the way
// EleutherAI lm-evaluation-harness scores it, plus llama.cpp's HellaSwag variant, and the
// calibration of the same predictions.
//
// Scoring one choice (a TaskChoice: context, continuation):
//   - TaskTokenization::LmEval (lm-eval's _encode_pair): trailing whitespace of the context moves
//     to the front of the continuation; whole = encode(context + continuation),
//     ctx = encode(context); the continuation tokens are whole[len(ctx):]. A BOS is put in
//     front when the vocabulary adds one (as llama.cpp and lm-eval's gguf backend tokenize); an
//     empty context with no BOS is replaced by EOS (lm-eval's prefix token).
//   - TaskTokenization::LlamaCpp (llama-perplexity --hellaswag): every choice is tokenized as a
//     whole, encode(context + continuation) with BOS; the scored tokens are those after the
//     longest token prefix common to ALL choices of the item.
//   Either way the model input is the whole sequence minus its last token, cut from the left to
//   n_ctx tokens when longer (lm-eval's (ctx + cont)[-(max_length + 1):][:-1]); the logits at the
//   last n_scored input positions predict the scored tokens. Per choice we keep the sum of the
//   log-probs (double, max-subtracted log-softmax), the token count and whether every scored token
//   is the argmax (lm-eval's is_greedy).
//   The choices of an item share their common token prefix in the KV cache (decoded once, then
//   ModelContext::rewind to it for each choice); this gives the same numbers as scoring each
//   choice from an empty cache.
//
// Metrics (qs::Metric, catalogue keys, "%" = 0..100):
//   acc            argmax of the log-likelihood sums (first index wins ties, as numpy.argmax)
//   acc_norm       argmax of loglik / choice_char_length(choice) (lm-eval; Unicode code points)
//   acc_per_token  argmax of loglik / n_tokens: llama.cpp's HellaSwag score (it prints it as acc_norm)
//   each with lm-eval's standard error (sample stdev / sqrt(n)) and a Wilson 95 % interval;
//   Completion (LAMBADA): acc = every continuation token is the greedy one; "ppl" =
//   exp(-mean over items of the item's loglik sum) as lm-eval's lambada perplexity, its stderr by
//   the delta method (ppl * stderr of the mean loglik; lm-eval bootstraps it instead).
//   items = number of items scored.
//
// Calibration (from the same run): the prediction is the argmax of the PRIMARY score (see
// TaskEvalOptions::primary) and its confidence is softmax over the choices of that same score
// (Raw: the log-likelihood sums, i.e. P(choice) renormalised over the choices; Norm: loglik/chars;
// PerToken: mean log-prob per token). Completion: confidence = product over the continuation of
// the greedy token's probability (the model's probability of its own greedy answer) and the
// Brier score is binary, mean (confidence - correct)^2. Keys: ece (15 equal-width bins), ece_mass
// (10 equal-mass bins), mce, rmsce (equal-width bins), brier (multi-class, on the primary softmax).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/progress.h"
#include "datasets/task_dataset.h"
#include "eval/metric.h"
#include "eval/statistics.h"

namespace qs {

class ModelContext;
class Tokenizer;

enum class TaskTokenization {
    Auto,      // LlamaCpp for the "hellaswag-llamacpp" format, LmEval for every other
    LmEval,
    LlamaCpp,
};

// Which score picks the prediction whose correctness and confidence feed calibration and the
// JobRecord's item_correct / item_confidence (paired comparisons).
enum class TaskScore {
    Raw,       // acc
    Norm,      // acc_norm
    PerToken,  // acc_per_token
};

// Which items a limited run scores.
enum class TaskSampling {
    Seeded,             // dataset_sample(n, limit, seed): a fixed-seed subset, in file order
    LlamaCppHellaswag,  // dataset_sample_llamacpp_hellaswag(n, limit): llama.cpp's --hellaswag-tasks order
    SeededRandomOrder,  // dataset_sample_random_order(n, limit, seed): Seeded's items, shuffled
                        // (every prefix a random sample: for stop_after_item rules)
};

struct TaskItemResult;

struct TaskEvalOptions {
    int64_t limit = 0;                     // items to score; 0 (or >= items) = all, in file order
                                           // (except LlamaCppHellaswag, which always shuffles)
    uint64_t seed = 1234;                  // for TaskSampling::Seeded
    TaskSampling sampling = TaskSampling::Seeded;
    TaskTokenization tokenization = TaskTokenization::Auto;
    std::optional<TaskScore> primary;      // default: PerToken under LlamaCpp tokenization, else Raw
    int calibration_bins = 15;             // equal-width bins (ece, mce, rmsce, reliability diagram)
    int calibration_mass_bins = 10;        // equal-mass bins (ece_mass)
    // Called after each item with the items scored so far (evaluation order, each already
    // predicted by task_item_predict); returning true ends the run there, and the result covers
    // those items only (a sequential stopping rule: eval --until-decided). Empty: every item.
    std::function<bool(const std::vector<TaskItemResult>& scored)> stop_after_item = {};
};

// The token sequence of one choice and how many of its trailing tokens are scored.
struct TaskRequest {
    std::vector<int32_t> tokens;  // whole sequence, already cut from the left to at most n_ctx + 1 tokens
    int n_scored = 0;             // trailing tokens of `tokens` that are scored (>= 1)
    int truncated = 0;            // tokens cut from the left of the whole sequence to fit n_ctx
};

struct ChoiceScore {
    double loglik = 0;        // sum of log P(token) over the scored tokens
    int n_tokens = 0;         // scored tokens
    bool is_greedy = false;   // every scored token is the argmax of its logits
    double greedy_logprob = 0;// sum over the scored positions of log P(argmax token) (Completion confidence)
};

struct TaskItemResult {
    size_t item_index = 0;                // index into TaskDataset::items
    int gold = 0;
    std::vector<ChoiceScore> choices;     // [n_choices]
    int pred_acc = 0, pred_norm = 0, pred_per_token = 0;   // predicted choice per score
    bool correct_acc = false, correct_norm = false, correct_per_token = false;  // Completion: all = greedy match
    std::vector<double> probabilities;    // [n_choices] softmax of the primary score (Completion: {confidence})
    int pred = 0;                         // prediction of the primary score
    bool correct = false;                 // ... and whether it is gold
    double confidence = 0;                // its softmax probability (Completion: see header comment)
    int truncated = 0;                    // tokens cut from the left of the longest choice (0 = none)
};

struct TaskResult {
    std::string dataset;                  // TaskDataset::name
    std::string format;
    TaskKind kind = TaskKind::MultipleChoice;
    TaskTokenization tokenization = TaskTokenization::LmEval;  // resolved (never Auto)
    TaskScore primary = TaskScore::Raw;                         // resolved
    int n_ctx = 0;
    std::vector<TaskItemResult> items;    // in evaluation order
    std::vector<Metric> metrics;          // see header comment
    Calibration calibration;              // equal-width bins: the reliability diagram
    Calibration calibration_mass;         // equal-mass bins
    std::vector<double> running_acc;      // [items] % accuracy of the primary score after each item
                                          // (llama-perplexity --hellaswag prints this column)
    std::vector<uint8_t> item_correct;    // [items] JobRecord::item_correct (primary score)
    std::vector<double> item_confidence;  // [items] JobRecord::item_confidence
    int64_t tokens_evaluated = 0;         // tokens run through the model
    double seconds = 0;
};

// Scores the dataset (or the sampled subset) with ctx, which is cleared first. Progress counts
// items ("task items"); cancellation is checked between items (throws qs::Cancelled). Throws
// qs::Error naming the dataset when an item cannot be scored (a continuation longer than
// n_ctx, no scored token, an empty dataset) or when `options` are invalid.
TaskResult task_evaluate(ModelContext& ctx, const Tokenizer& tokenizer, const TaskDataset& dataset,
                         const TaskEvalOptions& options, Progress& progress);

// The building blocks, public for tests and for other evaluators.

// Items that task_evaluate scores, in its order.
std::vector<size_t> task_select_items(const TaskDataset& dataset, const TaskEvalOptions& options);

// Auto resolved against the dataset's format.
TaskTokenization task_resolve_tokenization(const TaskDataset& dataset, TaskTokenization t);

// lm-eval's split of a (context, continuation) pair into token ids: {context tokens (BOS first
// when the vocabulary adds it), continuation tokens}. Trailing whitespace of context moves to the
// continuation.
struct TokenPair {
    std::vector<int32_t> context, continuation;
};
TokenPair task_encode_pair(const Tokenizer& tokenizer, const std::string& context, const std::string& continuation);

// The requests of every choice of an item under the given (resolved) tokenization, cut to n_ctx.
// Throws qs::Error (mentioning the item id) for a choice with no scored token or a continuation
// longer than n_ctx.
std::vector<TaskRequest> task_item_requests(const Tokenizer& tokenizer, const TaskItem& item, TaskTokenization t,
                                            int n_ctx);

// Scores the requests of one item, sharing their common token prefix in ctx's KV cache.
// tokens_evaluated (optional) is increased by the tokens decoded.
std::vector<ChoiceScore> task_score_requests(ModelContext& ctx, std::span<const TaskRequest> requests,
                                             int64_t* tokens_evaluated = nullptr);

// Fills r's predictions, correctness and confidence from its choice scores (item_index, gold and
// choices set) under the dataset's kind and the primary score. task_finish does it for every item.
void task_item_predict(TaskItemResult& r, const TaskItem& item, TaskKind kind, TaskScore primary);

// Predictions, metrics and calibration from per-item choice scores (pure; no model). `items`
// must have their item_index, gold and choices set; the rest of each item is filled here.
void task_finish(TaskResult& result, const TaskDataset& dataset, const TaskEvalOptions& options);

const char* task_tokenization_name(TaskTokenization t);  // "auto", "lm-eval", "llama.cpp"
const char* task_score_name(TaskScore s);                // "acc", "acc_norm", "acc_per_token"

}  // namespace qs
