// One OpenAI-style completion on our engine, without HTTP: a prompt's tokens in; the log-probs of
// the prompt tokens (echo), the generated tokens with their log-probs and the text out.
//
//   CompletionRequest req;  req.prompt = tokens;  req.max_tokens = 1;  req.echo = true;  req.logprobs = 5;
//   CompletionOutput out = completion_run(ctx, tokenizer, req);
//
// Log-probs are those of the model's own distribution (no temperature or filter applied), each
// computed as the evaluators compute them: max-subtracted log-softmax of the row of logits, float
// exp summed in double (task_scoring.cpp, perplexity.cpp), so a log-likelihood summed from these
// equals the local evaluation's.
//
// Several prompts of one request are decoded as task_score_requests (eval/task_scoring.cpp) decodes
// the choices of an item, so a client that sends an item's choices together gets the local
// evaluator's numbers (to float rounding: the local scorer computes logits only for the rows it
// scores, one row often taking the matrix-vector kernel, while an echo needs every row; the same
// rows decoded give the same bits, which detect relies on): the prompts' inputs (each prompt minus its last token) share
// their longest common token prefix, decoded once; then for each prompt the cache is rewound to
// that prefix and the rest of its input decoded (each call split into n_ubatch passes, as
// ModelContext::decode splits). A single prompt is the same with the whole input as the prefix, as
// llama-perplexity decodes a chunk. The last prompt token is decoded after that, alone, only when
// tokens are generated. Generation follows llama.cpp's sampler chain (generate/sampler.h) one
// token per step, ending at an end-of-generation token, a stop string (the text is cut where it
// starts, as generate() does), max_tokens or a full context.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "generate/sampler.h"

namespace qs {

class ModelContext;
class Tokenizer;

struct CompletionRequest {
    std::vector<int32_t> prompt;      // token ids, BOS included when wanted (>= 1 token)
    int max_tokens = 16;              // tokens to generate at most (0: none, only echo)
    SamplerParams sampling;           // temperature <= 0: greedy
    std::vector<std::string> stop;    // stop strings
    int logprobs = -1;                // alternatives per token (top-N); -1: no log-probs at all
    bool echo = false;                // also the log-probs of the prompt's tokens
};

// One token and its log-prob, with the top-N alternatives best first (ties: lower id first).
struct TokenLogprob {
    int32_t token = 0;
    double logprob = 0;                                // NaN for the first prompt token (nothing predicts it)
    std::vector<std::pair<int32_t, double>> top;       // [logprobs]
};

struct CompletionOutput {
    std::vector<TokenLogprob> prompt_logprobs;   // echo with logprobs >= 0: [prompt tokens]
    std::vector<int32_t> tokens;                 // generated ids (an end-of-generation token is not kept)
    std::vector<TokenLogprob> token_logprobs;    // logprobs >= 0: [tokens]
    std::string text;                            // generated text, cut before a stop string
    std::string finish_reason = "length";        // "stop" (EOG or stop string) or "length"
    int n_prompt = 0;
};

// Throws what completion_run would for these prompts on ctx (an empty prompt, an invalid token id,
// a prompt that leaves no room for max_tokens in ctx's context, bad sampling parameters) without
// decoding anything.
void completion_check(const ModelContext& ctx, const CompletionRequest& request, std::span<const std::vector<int32_t>> prompts);

// The longest token prefix common to every prompt's input (the prompt minus its last token): the
// part completion_run_prompts decodes once for all of them, in its own passes.
size_t completion_shared_prefix(std::span<const std::vector<int32_t>> prompts);

// The generation of one prompt, one token per step, for a caller that owns the decoding (one
// sequence, or several decoded together: serve/completion_batch.h). The caller decodes the
// prompt's last token and passes its row of logits to step(); while step() returns true, it decodes
// last_token() at the sequence's next position and passes that row.
class CompletionStream {
public:
    // request must outlive the stream; prompt: the prompt's tokens (for the sampler's penalties).
    CompletionStream(const Tokenizer& tokenizer, const CompletionRequest& request, std::span<const int32_t> prompt);

    // Samples the next token from `logits` (n_vocab); false once the completion is finished (an
    // end-of-generation token, a stop string, max_tokens, or context_full: the sequence holds
    // n_ctx positions and cannot take another).
    bool step(std::span<const float> logits, bool context_full);
    int32_t last_token() const { return last_; }
    CompletionOutput& output() { return out_; }

private:
    const Tokenizer* tokenizer_;
    const CompletionRequest* request_;
    Sampler sampler_;
    size_t max_stop_ = 0;  // longest stop string: how far back a new piece can complete one
    int32_t last_ = -1;
    CompletionOutput out_;
};

// Runs one request on ctx (cleared first). Throws qs::Error for an empty prompt, an invalid token
// id, a prompt that leaves no room for max_tokens in the context, or bad sampling parameters.
CompletionOutput completion_run(ModelContext& ctx, const Tokenizer& tokenizer, const CompletionRequest& request);

// The same options for several prompts (request.prompt is ignored), sharing their common prefix
// (see above); one output per prompt, in order.
std::vector<CompletionOutput> completion_run_prompts(ModelContext& ctx, const Tokenizer& tokenizer, const CompletionRequest& options,
                                                     std::span<const std::vector<int32_t>> prompts);

// Log-probs of a row of logits at `token` and its top n alternatives (n >= 0).
TokenLogprob token_logprob(std::span<const float> logits, int32_t token, int n);

}  // namespace qs
