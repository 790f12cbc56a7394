#include "generate/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "core/error.h"

namespace qs {
namespace {

bool better(const TokenCandidate& a, const TokenCandidate& b) { return a.logit > b.logit; }

// The largest logit: the first one when the candidates are sorted best first.
float max_logit(const std::vector<TokenCandidate>& cur, bool sorted) {
    float max_l = cur[0].logit;
    if (!sorted)
        for (const TokenCandidate& c : cur) max_l = std::max(max_l, c.logit);
    return max_l;
}

// Probabilities of the candidates (llama_sampler_softmax_impl without sorting): exp(l - max) in
// float, normalised by their float sum.
void softmax_in_place(std::vector<TokenCandidate>& cur, bool sorted) {
    const float max_l = max_logit(cur, sorted);
    float sum = 0.0f;
    for (TokenCandidate& c : cur) {
        c.p = std::exp(c.logit - max_l);
        sum += c.p;
    }
    for (TokenCandidate& c : cur) c.p /= sum;
}

}  // namespace

Sampler::Sampler(const SamplerParams& params) : params_(params), rng_(params.seed) {
    if (!(params.top_p >= 0.0f && params.top_p <= 1.0f)) throw Error(fmt::format("sampler: top-p {} is not in [0, 1]", params.top_p));
    if (!(params.min_p >= 0.0f && params.min_p <= 1.0f)) throw Error(fmt::format("sampler: min-p {} is not in [0, 1]", params.min_p));
    if (!(params.repeat_penalty > 0.0f)) throw Error(fmt::format("sampler: repeat penalty {} must be positive", params.repeat_penalty));
    if (params.repeat_last_n < 0) throw Error(fmt::format("sampler: repeat-last-n {} must be >= 0", params.repeat_last_n));
    if (!std::isfinite(params.temperature)) throw Error("sampler: temperature must be a finite number");
}

void Sampler::reset() {
    history_.clear();
    history_next_ = 0;
    history_count_.clear();
    rng_.seed(params_.seed);
}

void Sampler::accept(int32_t token) {
    const size_t cap = size_t(params_.repeat_last_n);
    if (cap == 0) return;
    if (history_.size() < cap) {
        history_.push_back(token);
    } else {  // the ring is full: the oldest token leaves
        int32_t& slot = history_[history_next_];
        if (--history_count_[slot] == 0) history_count_.erase(slot);
        slot = token;
        history_next_ = (history_next_ + 1) % cap;
    }
    ++history_count_[token];
}

void Sampler::apply_penalties(std::vector<TokenCandidate>& cur) const {
    const bool off = params_.repeat_last_n == 0 ||
                     (params_.repeat_penalty == 1.0f && params_.frequency_penalty == 0.0f && params_.presence_penalty == 0.0f);
    if (off) return;
    for (TokenCandidate& c : cur) {
        const auto it = history_count_.find(c.id);
        if (it == history_count_.end()) continue;
        const int count = it->second;
        // Multiplying a non-positive logit (rather than dividing) keeps the penalty a penalty.
        if (c.logit <= 0.0f)
            c.logit *= params_.repeat_penalty;
        else
            c.logit /= params_.repeat_penalty;
        c.logit -= float(count) * params_.frequency_penalty + float(count > 0) * params_.presence_penalty;
    }
}

void Sampler::apply_top_k(std::vector<TokenCandidate>& cur, int k, bool& sorted) {
    if (k <= 0) return;
    k = std::min(k, int(cur.size()));
    if (!sorted) std::partial_sort(cur.begin(), cur.begin() + k, cur.end(), better);
    cur.resize(size_t(k));
    sorted = true;
}

void Sampler::apply_top_p(std::vector<TokenCandidate>& cur, float p, bool& sorted) {
    if (p >= 1.0f) return;
    if (!sorted) {
        std::stable_sort(cur.begin(), cur.end(), better);  // ties keep id order
        sorted = true;
    }
    softmax_in_place(cur, true);
    float cum = 0.0f;
    size_t keep = cur.size();
    for (size_t i = 0; i < cur.size(); ++i) {
        cum += cur[i].p;
        if (cum >= p) {
            keep = i + 1;
            break;
        }
    }
    cur.resize(keep);
}

void Sampler::apply_min_p(std::vector<TokenCandidate>& cur, float p, bool sorted) {
    if (p <= 0.0f || cur.empty()) return;
    const float min_logit = max_logit(cur, sorted) + std::log(p);  // p_i >= p * p_max
    // Keeps the order (sorted or not); the best token always passes.
    std::erase_if(cur, [&](const TokenCandidate& c) { return c.logit < min_logit; });
}

int32_t Sampler::sample(std::span<const float> logits) {
    if (logits.empty()) throw Error("sampler: no logits");
    cur_.resize(logits.size());
    for (size_t i = 0; i < logits.size(); ++i) cur_[i] = TokenCandidate{int32_t(i), logits[i], 0.0f};
    apply_penalties(cur_);

    if (params_.greedy()) {
        size_t best = 0;
        for (size_t i = 1; i < cur_.size(); ++i)
            if (cur_[i].logit > cur_[best].logit) best = i;
        return cur_[best].id;
    }

    bool sorted = false;
    apply_top_k(cur_, params_.top_k, sorted);
    apply_top_p(cur_, params_.top_p, sorted);
    apply_min_p(cur_, params_.min_p, sorted);
    for (TokenCandidate& c : cur_) c.logit /= params_.temperature;

    // dist: one uniform draw against the running sum of unnormalised probabilities (summed in
    // double here, where top-p's softmax sums in float: as llama.cpp does).
    const float max_l = max_logit(cur_, sorted);
    double total = 0.0;
    for (TokenCandidate& c : cur_) {
        c.p = std::exp(c.logit - max_l);
        total += c.p;
    }
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    const double target = total * uniform(rng_);
    double run = 0.0;
    for (const TokenCandidate& c : cur_) {
        run += c.p;
        if (run >= target) return c.id;
    }
    return cur_.back().id;  // rounding left the target just above the sum
}

}  // namespace qs
