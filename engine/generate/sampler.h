// Picking the next token from a row of logits, as llama.cpp's default sampler chain does
// (common_sampler: penalties -> top-k -> top-p -> min-p -> temperature -> dist).
//
//   temperature <= 0   greedy: the argmax of the (penalised) logits. Every filter of the chain
//                      keeps the best token, so this is what llama-completion --temp 0 picks
//                      (ties: lowest id here; llama.cpp takes the first in its partial-sort order).
//   temperature > 0    seeded sampling:
//     penalties        for each token seen among the last repeat_last_n accepted tokens (the
//                      prompt included, as llama-completion accepts it): logit / penalty when
//                      positive, logit * penalty when not (so repetition is always less likely),
//                      minus count * frequency_penalty + presence_penalty.
//     top-k            keep the k best (k <= 0: all), sorted best first.
//     top-p            softmax over what is left, keep the shortest best-first prefix whose
//                      probabilities (summed in float) reach p (at least one token; p >= 1: off).
//     min-p            keep tokens whose logit >= best logit + ln(min_p) (min_p <= 0: off).
//     temperature      logits / temperature.
//     dist             softmax (exp summed in double); r = uniform_real_distribution<double>(0,1)
//                      drawn from std::mt19937(seed); the first token whose running sum reaches
//                      r * total.
// Same seed, same logits, same picks: the generator is std::mt19937 with libstdc++'s
// uniform_real_distribution, as llama.cpp's reference builds use.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <unordered_map>
#include <vector>

namespace qs {

struct SamplerParams {
    float temperature = 0.0f;      // <= 0: greedy
    int top_k = 40;                // llama.cpp's defaults for the filters
    float top_p = 0.95f;
    float min_p = 0.05f;
    float repeat_penalty = 1.0f;   // 1: off
    int repeat_last_n = 64;        // tokens of history the penalties look at (0: off)
    float frequency_penalty = 0.0f;
    float presence_penalty = 0.0f;
    uint32_t seed = 1234;

    bool greedy() const { return temperature <= 0.0f; }
};

// One candidate of the chain (llama_token_data).
struct TokenCandidate {
    int32_t id = 0;
    float logit = 0;
    float p = 0;
};

class Sampler {
public:
    // Throws qs::Error for out-of-range parameters (top_p or min_p outside [0, 1], a negative
    // penalty or history length).
    explicit Sampler(const SamplerParams& params);

    // Remembers a token for the penalties (prompt tokens and every pick).
    void accept(int32_t token);
    // The next token from one row of n_vocab logits. Does not accept it.
    int32_t sample(std::span<const float> logits);
    // Forgets the history and re-seeds the generator.
    void reset();

    const SamplerParams& params() const { return params_; }

    // The chain's steps, public so tests can check each against a naive computation.
    void apply_penalties(std::vector<TokenCandidate>& cur) const;
    static void apply_top_k(std::vector<TokenCandidate>& cur, int k, bool& sorted);
    static void apply_top_p(std::vector<TokenCandidate>& cur, float p, bool& sorted);
    static void apply_min_p(std::vector<TokenCandidate>& cur, float p, bool sorted);

private:
    SamplerParams params_;
    std::mt19937 rng_;
    std::vector<int32_t> history_;                 // ring of the last repeat_last_n tokens
    size_t history_next_ = 0;                      // where the next token goes once the ring is full
    std::unordered_map<int32_t, int> history_count_;
    std::vector<TokenCandidate> cur_;              // scratch, [n_vocab]
};

}  // namespace qs
