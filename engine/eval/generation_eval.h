// Generation tasks (GSM8K, HumanEval, MBPP, generate-jsonl): generate an answer per item with the
// model, check it (generation_scoring.h: answer extraction, or running the code in the sandbox),
// and report what lm-evaluation-harness reports.
//
// Per item: the prompt (GenerationSpec::prompt; wrapped as one user turn when a chat template is
// chosen, generation_prompt) is tokenized as llama-completion does (BOS when the
// vocabulary adds one), cut from the left to n_ctx - min(max_tokens, n_ctx / 2) tokens when longer
// (lm-eval's HF backend keeps the last max_length - max_gen_toks tokens; a short context keeps half
// for the prompt), and generated until a stop string, an end-of-generation token, max_tokens or a
// full context. samples = 1: greedy (lm-eval's do_sample: false);
// samples = n > 1: n seeded samples per item (seed + 7919 * item index + sample) with `sampling`.
//
// Metrics (catalogue keys, "%" = 0..100), each proportion with lm-eval's stderr and a Wilson 95 %
// interval, over the first sample of each item:
//   pass_at_1            PythonTests: programs that pass. With n samples, pass_at_1/10/100 are
//                        instead the mean over items of the unbiased estimator pass@k(n, c, k)
//                        (statistics.h) for every k <= n, without an interval.
//   exact_match          Gsm8k: strict-match; ExactMatch/Regex/Contains: the rule's verdict
//   exact_match_flexible Gsm8k: flexible-extract
//   items_timeout, items_error (PythonTests), items, gen_tokens, gen_tps (tokens per second of the
//   whole generation phase, prompts included in the time).
// item_correct (for paired comparisons): the first sample's verdict is pass.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/progress.h"
#include "datasets/task_dataset.h"
#include "eval/generation_scoring.h"
#include "eval/metric.h"
#include "generate/chat_template.h"
#include "generate/generate.h"

namespace qs {

class ModelContext;
class Sandbox;
class Tokenizer;

struct GenerationEvalOptions {
    int64_t limit = 0;            // items (a fixed-seed sample, in file order); 0 = all
    uint64_t seed = 1234;         // item sampling seed (dataset_sample)
    int samples = 1;              // generations per item; 1 = greedy
    SamplerParams sampling;       // for samples > 1 (temperature must be > 0)
    int max_tokens = 0;           // cap on every item's max_tokens; 0 = the item's own
    ChatTemplate chat_template = ChatTemplate::None;  // each prompt as one user turn (None: as is, lm-eval's default)
};

struct GenerationItemResult {
    size_t item_index = 0;                 // into TaskDataset::items
    std::vector<std::string> outputs;      // [samples] generated text (stop strings cut)
    std::vector<GenerationCheck> checks;   // [samples]
    int n_pass = 0;                        // samples that passed
    int n_tokens = 0;                      // tokens generated (all samples)
    int prompt_tokens = 0;
    int truncated = 0;                     // prompt tokens cut from the left to fit n_ctx
};

struct GenerationResult {
    std::string dataset, format;
    GenerationScoring scoring = GenerationScoring::ExactMatch;  // of the first item (one per format)
    int samples = 1;
    std::vector<GenerationItemResult> items;  // in evaluation order
    std::vector<Metric> metrics;
    std::vector<uint8_t> item_correct;     // [items] first sample passed
    int64_t tokens_generated = 0;
    double generate_seconds = 0, check_seconds = 0;
};

// Generates and checks the dataset's (sampled) items, ctx.n_seq() generations at a time in one KV
// cache (generate_batch: the same texts as one at a time). `sandbox` is needed when items run code.
// Progress counts items; cancellation is checked between items and between tokens. Throws
// qs::Error for a dataset that is not a generation task, bad options, or a failing sandbox set-up.
GenerationResult generation_evaluate(ModelContext& ctx, const Tokenizer& tokenizer, const TaskDataset& dataset,
                                     const GenerationEvalOptions& options, const Sandbox* sandbox, Progress& progress);

// The dataset's own answers (GenerationSpec::reference) checked as if generated: the canonical
// solutions through the sandbox, GSM8K's answers through the extraction. `workers` checks run at
// once. Metrics as generation_evaluate's (one sample per item).
GenerationResult generation_check_references(const TaskDataset& dataset, const GenerationEvalOptions& options,
                                             const Sandbox* sandbox, int workers, Progress& progress);

// What generation_evaluate sends, for a front end that generates elsewhere (an endpoint,
// remote/remote_eval.h): the sampled items in evaluation order (result.items with item_index,
// prompt_tokens and truncated filled, outputs and checks sized) and one request per item and sample
// (request r belongs to item r / samples, sample r % samples): the prompt tokens cut to n_ctx as
// described above, n_predict, the stop strings and the sampling. Throws as generation_evaluate.
struct GenerationPlan {
    GenerationResult result;
    std::vector<GenerateRequest> requests;
};
GenerationPlan generation_plan(const Tokenizer& tokenizer, const TaskDataset& dataset, const GenerationEvalOptions& options, int n_ctx);

// Request r of the plan generated `text` in `n_tokens` tokens: checks it (generation_scoring.h)
// and records it in the plan's result.
void generation_record(GenerationPlan& plan, const TaskDataset& dataset, size_t r, std::string text, int n_tokens,
                       const Sandbox* sandbox);

// The text the model is given for an item: its prompt, in the chat template's user turn.
std::string generation_prompt(const TaskItem& item, ChatTemplate chat_template);

// Metrics from the items' checks (pure).
void generation_finish(GenerationResult& result);

}  // namespace qs
