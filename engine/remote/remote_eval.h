// Evaluators run through an endpoint instead of a local model, with the definitions of the local
// ones (engine/eval) so the figures compare one to one:
//   - perplexity: llama-perplexity's chunks (perplexity.h), each chunk sent as token ids with echo;
//     the echoed log-probs of the second half are the NLLs.
//   - task log-likelihood: lm-eval's requests (task_item_requests), each choice's whole sequence
//     sent as token ids with echo + logprobs; the sum of the scored tokens' log-probs is the
//     loglik, is_greedy = every scored token is the endpoint's top-1 (lm-eval's local-completions).
//     Predictions, metrics and calibration then come from task_finish, as locally.
//   - generation tasks (GSM8K, HumanEval, MBPP, generate-jsonl): each item's request built as the
//     local generator builds it (generation_plan: the prompt, chat template applied locally, cut to
//     n_ctx; max_tokens and stop strings), sent as token ids to /v1/completions at temperature 0;
//     the returned text checked by the local checks (generation_record; programs in the sandbox).
//     Greedy only: pass@k sampling would use the endpoint's sampler, not ours.
// All need the model's tokenizer locally (as lm-eval's local-completions needs one) and an endpoint
// that echoes prompt log-probs; requests run `concurrency` at a time (HttpOptions).
#pragma once

#include <functional>
#include <span>

#include "core/progress.h"
#include "eval/generation_eval.h"
#include "eval/perplexity.h"
#include "eval/task_eval.h"
#include "remote/openai_client.h"

namespace qs {

PerplexityResult remote_perplexity(OpenAiClient& client, const Tokenizer& tokenizer, std::span<const int32_t> tokens,
                                   const PerplexityOptions& options, Progress& progress);

// n_ctx: the task context (requests are cut from the left to it, as locally).
TaskResult remote_task_evaluate(OpenAiClient& client, const Tokenizer& tokenizer, const TaskDataset& dataset,
                                const TaskEvalOptions& options, int n_ctx, Progress& progress);

// n_ctx: the context the prompts are cut to (the local run's). sandbox: for items whose answers run.
GenerationResult remote_generation_evaluate(OpenAiClient& client, const Tokenizer& tokenizer, const TaskDataset& dataset,
                                            const GenerationEvalOptions& options, int n_ctx, const Sandbox* sandbox, Progress& progress);

// Runs fn(i) for i in [0, n) on `threads` threads (the endpoint's concurrency); the first exception
// is rethrown after every thread stopped. progress.check_cancel() is called before each i.
void remote_parallel_for(size_t n, int threads, Progress& progress, const std::function<void(size_t)>& fn);

}  // namespace qs
