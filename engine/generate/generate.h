// Text generation: a prompt in, a continuation out, as llama-completion produces it.
//
//   GenerateOptions opts;                       // greedy, 128 tokens
//   opts.stop = {"\nclass", "\ndef"};
//   GenerateResult r = generate(ctx, tokenizer, generate_prompt_tokens(tokenizer, prompt), opts);
//
// The prompt is decoded in one pass (n_ubatch at a time), then one token per step: sample from the
// last logits, stop or decode it. generate_batch() does the same for several prompts at once. The text is the concatenation of the tokens' pieces with control
// tokens rendered as nothing (llama_token_to_piece(special = false)), which is what
// llama-completion prints. Generation ends at the first of:
//   - an end-of-generation token (Tokenizer::is_eog; kept in `tokens`, adds no text);
//   - a stop string appearing in the text: the text is cut where the earliest one starts (lm-eval's
//     `until`: s.split(term)[0] for every term);
//   - n_predict tokens;
//   - a full context (no shifting: the result says so).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/progress.h"
#include "generate/sampler.h"

namespace qs {

class ModelContext;
class Tokenizer;

struct GenerateOptions {
    int n_predict = 128;              // new tokens at most (> 0)
    SamplerParams sampling;           // greedy by default
    std::vector<std::string> stop;    // stop strings (empty strings are ignored)
    bool stop_at_eog = true;          // end at an end-of-generation token
};

enum class StopReason { MaxTokens, EndOfGeneration, StopString, ContextFull };
const char* stop_reason_name(StopReason r);  // "max_tokens", "eog", "stop_string", "context_full"

struct GenerateResult {
    std::string text;                 // the continuation, cut before a stop string
    std::vector<int32_t> tokens;      // generated token ids, in order (the EOG token included)
    int n_prompt = 0;                 // prompt tokens decoded
    StopReason stop_reason = StopReason::MaxTokens;
    std::string stop_string;          // which one ended it (StopString)
    double prompt_seconds = 0;        // decoding the prompt
    double generate_seconds = 0;      // sampling and decoding every generated token
    // tokens/s as llama.cpp's perf print counts them: prompt tokens / prompt time, and generated
    // tokens after the first (each needed one decode) / generation time. 0 when undefined.
    double prompt_tps() const;
    double generate_tps() const;
};

// The prompt as llama-completion tokenizes it: BOS when the vocabulary adds one, special-token
// text parsed (common_tokenize(ctx, prompt, true, true)).
std::vector<int32_t> generate_prompt_tokens(const Tokenizer& tokenizer, const std::string& prompt);

// Generates from an empty context (ctx is cleared first). `progress` (optional) is only asked for
// cancellation, between tokens; counting is the caller's. Throws qs::Error for an empty prompt, a prompt that does
// not fit the context, or bad options.
GenerateResult generate(ModelContext& ctx, const Tokenizer& tokenizer, std::span<const int32_t> prompt,
                        const GenerateOptions& options, const Progress* progress = nullptr);

// One generation's per-token bookkeeping, between two decodes: sample, record, stop. generate()
// and generate_batch() drive it; both therefore end a generation for the same reasons.
class GenerationStream {
public:
    // The prompt's tokens feed the repetition penalty, as llama-completion accepts them.
    GenerationStream(const Tokenizer& tokenizer, std::span<const int32_t> prompt, const GenerateOptions& options);
    // Picks the next token from the logits after the last decoded position and records it. Returns
    // true when that token must be decoded next, false when generation has ended (the result's
    // stop_reason says why). context_full: the sequence has no free position left.
    bool step(std::span<const float> logits, bool context_full);
    int32_t last_token() const { return result_.tokens.back(); }
    GenerateResult& result() { return result_; }

private:
    const Tokenizer* tokenizer_;
    const GenerateOptions* options_;
    Sampler sampler_;
    size_t max_stop_ = 0;
    GenerateResult result_;
};

// A prompt (already tokenized) and how to continue it.
struct GenerateRequest {
    std::vector<int32_t> prompt;
    GenerateOptions options;
};

// Generates every request, up to ctx.n_seq() of them at once in one KV cache: a new request's
// prompt is decoded into a free sequence slot, then each forward pass advances every active
// sequence by one token (a batch with one row per sequence, each attending only to its own
// positions). Each result is the one generate() gives for that request alone, token for token.
// on_done(request index, result) runs on the caller's thread as each request ends (completion
// order). `progress` is asked for cancellation between passes. Throws qs::Error for a prompt that
// is empty or does not fit the context.
void generate_batch(ModelContext& ctx, const Tokenizer& tokenizer, std::span<const GenerateRequest> requests,
                    const std::function<void(size_t, GenerateResult&&)>& on_done, const Progress* progress = nullptr);

// Where the earliest stop string starts in text (searching from `from`, which lets a caller that
// appends skip what it already searched), or std::string::npos. `which` receives its index.
size_t stop_string_find(const std::string& text, const std::vector<std::string>& stop, size_t from = 0,
                        size_t* which = nullptr);

}  // namespace qs
