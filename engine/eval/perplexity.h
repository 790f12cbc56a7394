// Perplexity measured the way llama.cpp's llama-perplexity measures it, so figures can be checked
// against llama.cpp's and found equal:
//   - the text is tokenized once, with BOS at the start when the vocabulary adds BOS;
//   - it is cut into non-overlapping chunks of n_ctx tokens (the tail that does not fill a chunk
//     is dropped), each evaluated from an empty KV cache with its first token replaced by BOS
//     when the vocabulary adds BOS;
//   - only the second half of each chunk is scored: the logits at positions [n_ctx/2, n_ctx-1)
//     predict the tokens at [n_ctx/2 + 1, n_ctx), so every scored token has at least n_ctx/2
//     tokens of context (n_ctx - n_ctx/2 - 1 scored tokens per chunk, 255 at n_ctx = 512);
//   - NLL is the max-subtracted log-softmax accumulated in double; PPL = exp(mean NLL) with
//     uncertainty PPL * sqrt((E[nll^2] - E[nll]^2) / (N - 1)).
// Bits per byte = sum of NLL / (ln 2 * the UTF-8 bytes of the scored tokens' text), so it does not
// depend on the tokenizer and can compare models with different vocabularies.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/progress.h"

namespace qs {

class ModelContext;
class Tokenizer;

struct PerplexityOptions {
    int n_ctx = 512;       // tokens per chunk (llama-perplexity -c)
    int max_chunks = -1;   // -1: every full chunk (llama-perplexity --chunks)
    // Compute the logits of every position, not only the scored ones, as llama-imatrix does: every
    // token then passes through the last layer's feed-forward block (what an importance matrix
    // must see). The figures are the same either way.
    bool all_positions = false;
    // Chunks in a seeded random order (every prefix a random sample of the chunks the run would
    // take: for sequential stopping rules, eval --until-decided) instead of text order. Runs that
    // are compared chunk by chunk (KLD's base pass and its runs) must use the same order and seed.
    bool random_order = false;
    uint64_t order_seed = 1234;
    // Called after each chunk with its index in the text and the NLLs of its scored tokens;
    // returning true ends the run there (the result covers the chunks evaluated). Empty: all.
    std::function<bool(int chunk, std::span<const float> token_nll)> stop_after_chunk = {};
};

// The chunks a run over n_chunks chunks evaluates, in its order (text order unless random_order).
std::vector<int> perplexity_chunk_order(int n_chunks, const PerplexityOptions& opts);

// Statistics of a stream of per-token negative log-likelihoods (natural log).
struct NllStats {
    int64_t count = 0;
    double sum = 0.0;      // sum of nll
    double sum_sq = 0.0;   // sum of nll^2

    void add(double nll) { ++count; sum += nll; sum_sq += nll * nll; }
    double mean() const { return count ? sum / double(count) : 0.0; }
    double ppl() const;
    // sqrt((E[nll^2] - E[nll]^2) / (N - 1)); 0 with fewer than two tokens.
    double mean_stderr() const;
    double ppl_stderr() const { return ppl() * mean_stderr(); }
};

struct PerplexityResult {
    int n_ctx = 0;
    int chunks = 0;                 // chunks evaluated
    int64_t tokens_total = 0;       // tokens of the whole text (BOS included)
    int64_t tokens_scored = 0;
    int64_t tokens_evaluated = 0;   // tokens run through the model (chunks * n_ctx)
    double ppl = 0, ppl_stderr = 0;
    double nll_mean = 0, nll_stderr = 0;
    double bits_per_byte = 0;
    int64_t bytes_scored = 0;
    double seconds = 0;             // evaluation time (excludes tokenization and loading)
    double tokens_per_second = 0;   // tokens_evaluated / seconds
    std::vector<double> running_ppl;  // after each chunk, as llama-perplexity prints [i]
    std::vector<float> token_nll;     // NLL of every scored token, chunk after chunk
    std::vector<int> chunk_order;     // [chunks] the text's chunk index of each chunk evaluated, in order
};

// Fills the result's totals from the scored tokens' statistics, once every chunk is scored
// (r.seconds, r.bytes_scored set): shared by perplexity_run and the endpoint's remote_perplexity.
void perplexity_finish(PerplexityResult& r, const NllStats& stats, int n_chunks, int n_ctx);

// Called after each chunk with its position in the run (0, 1, ...) and the logits of its scored positions
// (n_scored rows of n_vocab floats) and the tokens they predict. Lets other evaluators
// (KL divergence) reuse the same forward passes.
using ChunkLogitsFn = std::function<void(int chunk, std::span<const float> logits, std::span<const int32_t> targets)>;

// Evaluates `tokens` (already tokenized with BOS as the vocabulary wants) chunk by chunk.
// Throws qs::Error if the text has fewer than 2 * n_ctx tokens (as llama-perplexity refuses)
// or n_ctx exceeds what the context can hold; throws qs::Cancelled if progress is cancelled
// (chunks already done are lost only to the caller that does not catch it).
PerplexityResult perplexity_run(ModelContext& ctx, const Tokenizer& tokenizer, std::span<const int32_t> tokens,
                                const PerplexityOptions& opts, Progress& progress,
                                const ChunkLogitsFn& on_chunk = nullptr);

// Text as llama-perplexity's -f reads it: the whole file, minus one trailing newline if present.
std::string perplexity_read_text(const std::string& path);

}  // namespace qs
