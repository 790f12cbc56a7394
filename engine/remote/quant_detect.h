// Hidden-quantization detection: which precision of a reference model an endpoint is serving,
// from the per-token top-N log-probs it returns on a probe text.
//
// Probe: the text is tokenized with the reference's tokenizer and cut into chunks of n_ctx tokens
// (BOS first, as perplexity's chunks); each chunk is echoed with logprobs = N. At every position
// the endpoint gives its top-N tokens with log-probs; the local reference at each candidate
// precision gives its whole distribution for the same tokens.
//
// Distance per position: KL(endpoint || candidate) over the endpoint's top-N tokens (plus the
// true token) and one bucket for every other token (the rest of the probability mass):
//   sum_{t in S} p_e(t) ln(p_e(t)/p_c(t)) + r_e ln(r_e / r_c),  r = 1 - sum_S p  (floored at 1e-12).
// With N = the vocabulary this is the full KL; with fewer it is the KL of the coarsened
// distributions (never more than the full one). A chunk's distance is its mean over positions; a
// candidate's distance is the mean over chunks.
//
// Decision: nearest = the candidate with the smallest distance. Its confidence is the share of
// B bootstrap resamples of the chunks (seeded) in which it stays the nearest; each candidate's
// distance has the 2.5/97.5 % percentile interval of the same resamples. The answer is
// "undetermined" when confidence < min_confidence or fewer than min_chunks chunks were scored.
// Tokens needed: the scored tokens of the shortest prefix of chunks from which on every longer
// prefix gives the same determined answer as all chunks (-1 when undetermined).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/progress.h"
#include "remote/openai_client.h"

namespace qs {

class ModelContext;

struct DetectProbe {
    std::vector<std::vector<int32_t>> chunks;  // [chunks][n_ctx] token ids sent (BOS first)
    std::vector<EchoResult> echoes;            // [chunks] the endpoint's answer
    int top_n = 0;
    int64_t tokens_scored() const;             // positions 1..n_ctx-1 of every chunk
};

// Echoes up to max_chunks chunks of n_ctx tokens (-1: every full chunk) with top_n log-probs.
// Throws qs::Error when the text is shorter than one chunk or the endpoint gives fewer than
// top_n alternatives with known token ids (it must return "token_id:N" or texts of the reference
// vocabulary).
DetectProbe detect_probe(OpenAiClient& client, const Tokenizer& tokenizer, std::span<const int32_t> tokens, int n_ctx,
                         int max_chunks, int top_n, Progress& progress);

// Per-chunk distances of the endpoint from a local model (ctx: any context of at least n_ctx).
std::vector<double> detect_distances(ModelContext& ctx, const DetectProbe& probe, Progress& progress);

struct DetectCandidate {
    std::string precision;
    std::vector<double> chunk_distance;  // [chunks]
    double distance = 0;                 // mean over chunks (nats per token)
    double ci_low = 0, ci_high = 0;      // bootstrap 95 % percentile interval
    double nearest_share = 0;            // share of resamples in which this one is nearest
};

struct DetectOptions {
    int bootstrap = 2000;
    uint64_t seed = 1234;
    double min_confidence = 0.95;
    int min_chunks = 4;
};

struct DetectResult {
    std::string nearest;        // a precision, or "undetermined"
    std::string best;           // the smallest distance, even when undetermined
    double confidence = 0;      // nearest_share of `best`
    int64_t tokens_needed = -1; // -1 when undetermined
    int64_t tokens_scored = 0;
    int chunks = 0;
    std::vector<DetectCandidate> candidates;
};

// The decision from every candidate's per-chunk distances (all of the same length), pure.
DetectResult detect_decide(std::vector<DetectCandidate> candidates, int64_t tokens_per_chunk, const DetectOptions& options);

}  // namespace qs
