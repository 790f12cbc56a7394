// KL divergence of a quantized model against a base model, with every statistic
// `llama-perplexity --kl-divergence` prints, defined exactly as it defines them.
//
// Two passes, as llama.cpp: the base model runs once over the perplexity chunks and its
// distributions are kept in a compact cache (KldBaseCache); each quantized precision then runs
// over the same chunks and is compared token by token. The cache stores, per scored token, the
// base log-probabilities quantized to 16 bits over [max - 16, max] exactly as llama.cpp's base
// file does (so figures match llama.cpp's), i.e. 2 bytes per vocabulary entry per scored token:
// 2.6 MB for 40 chunks of 128 with a 512-token vocabulary, 163 MB for 10 chunks of 512 with 32k.
// Consequences of that precision, as in llama.cpp: base log-probs carry an absolute error up to
// 16/65535/2 = 1.2e-4; tokens more than 16 nats below the top count as absent from the base
// distribution (KLD sums only over the others) and a base NLL above that is clipped.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/progress.h"
#include "eval/perplexity.h"

namespace qs {

class KldBaseCache {
public:
    KldBaseCache() = default;
    KldBaseCache(int64_t n_vocab, int n_ctx) : n_vocab_(n_vocab), n_ctx_(n_ctx) {}

    // Compresses one row of base logits and appends it.
    void append(std::span<const float> logits);
    int64_t rows() const { return int64_t(scale_.size()); }
    int64_t n_vocab() const { return n_vocab_; }
    int n_ctx() const { return n_ctx_; }
    size_t bytes() const { return q_.size() * sizeof(uint16_t) + scale_.size() * 2 * sizeof(float); }

    // Base log-probability of token i in row r.
    float log_prob(int64_t r, int64_t i) const {
        return scale_[size_t(r)] * float(q_[size_t(r * n_vocab_ + i)]) + min_log_prob_[size_t(r)];
    }
    const uint16_t* row(int64_t r) const { return q_.data() + r * n_vocab_; }
    float scale(int64_t r) const { return scale_[size_t(r)]; }
    float min_log_prob(int64_t r) const { return min_log_prob_[size_t(r)]; }

private:
    int64_t n_vocab_ = 0;
    int n_ctx_ = 0;
    std::vector<uint16_t> q_;  // [rows][n_vocab] quantized log-probabilities
    std::vector<float> scale_, min_log_prob_;  // [rows]
};

// Runs the base model over the perplexity chunks and caches its distributions. Returns the base
// model's own perplexity result too (the unclipped figures).
struct KldBase {
    KldBaseCache cache;
    PerplexityResult perplexity;
};
KldBase kld_base_collect(ModelContext& base, const Tokenizer& tokenizer, std::span<const int32_t> tokens,
                         const PerplexityOptions& opts, Progress& progress);

struct ValueUnc {
    double value = 0, unc = 0;
};

// The statistics of llama-perplexity's final report, in its units (probabilities as fractions,
// not percent).
struct KldReport {
    int64_t count = 0;
    // Perplexity statistics
    ValueUnc ppl_q, ppl_base, ln_ppl_ratio, ppl_ratio, ppl_diff;
    double cor_ln_ppl = 0;
    // KL divergence statistics
    ValueUnc kld;
    double kld_max = 0, kld_p999 = 0, kld_p99 = 0, kld_p95 = 0, kld_p90 = 0, kld_median = 0, kld_p10 = 0,
           kld_p5 = 0, kld_p1 = 0, kld_p01 = 0, kld_min = 0;
    // Token probability statistics (delta p = p_Q(true token) - p_base(true token))
    ValueUnc dp_mean, dp_rms, same_top;
    double dp_max = 0, dp_p999 = 0, dp_p99 = 0, dp_p95 = 0, dp_p90 = 0, dp_p75 = 0, dp_median = 0, dp_p25 = 0,
           dp_p10 = 0, dp_p5 = 0, dp_p1 = 0, dp_p01 = 0, dp_min = 0;
    // Per-chunk running values (the table llama-perplexity prints after each chunk).
    struct Chunk {
        ValueUnc ppl, ln_ppl_ratio, kld, dp_rms, same_top;
    };
    std::vector<Chunk> per_chunk;
};

// Runs the quantized model over the same chunks and compares it with the cached base.
// Throws qs::Error if the vocabularies or the chunking differ from the cache's.
KldReport kld_run(ModelContext& quantized, const Tokenizer& tokenizer, std::span<const int32_t> tokens,
                  const PerplexityOptions& opts, const KldBaseCache& base, Progress& progress);

}  // namespace qs
