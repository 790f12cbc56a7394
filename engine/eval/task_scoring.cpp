// Log-likelihood of the scored tokens of each choice, with the item's common token prefix decoded
// once and the KV cache rewound to it for every choice.
#include <algorithm>
#include <cmath>

#include "eval/task_eval.h"
#include "model/model.h"

namespace qs {

namespace {

// Adds the score of predicting `target` from one row of logits: max-subtracted log-softmax, the
// exponentials summed in double (as llama.cpp's log_softmax), argmax = first maximum (torch).
void score_token(std::span<const float> logits, int32_t target, ChoiceScore& score) {
    const auto max_it = std::max_element(logits.begin(), logits.end());
    const float max_logit = *max_it;
    double sum_exp = 0.0;
    for (float l : logits) sum_exp += std::exp(l - max_logit);
    const double log_sum = std::log(sum_exp);
    score.loglik += double(logits[size_t(target)] - max_logit) - log_sum;
    score.greedy_logprob += -log_sum;
    score.is_greedy = score.is_greedy && (max_it - logits.begin()) == target;
    ++score.n_tokens;
}

size_t common_input_prefix(std::span<const TaskRequest> requests) {
    size_t n = requests[0].tokens.size() - 1;
    for (const auto& r : requests) n = std::min(n, r.tokens.size() - 1);
    size_t p = 0;
    while (p < n && std::all_of(requests.begin(), requests.end(),
                                [&](const TaskRequest& r) { return r.tokens[p] == requests[0].tokens[p]; }))
        ++p;
    return p;
}

}  // namespace

std::vector<ChoiceScore> task_score_requests(ModelContext& ctx, std::span<const TaskRequest> requests,
                                             int64_t* tokens_evaluated) {
    std::vector<ChoiceScore> scores(requests.size());
    if (requests.empty()) return scores;
    const size_t n_vocab = size_t(ctx.model().hparams().n_vocab);

    // The model input of a request is tokens[0, n - 1); the logits at input position p predict
    // tokens[p + 1], so the scored tokens need the rows [n - 1 - n_scored, n - 1).
    auto first_row = [](const TaskRequest& r) { return r.tokens.size() - 1 - size_t(r.n_scored); };
    const size_t prefix = common_input_prefix(requests);
    size_t prefix_first = prefix;
    for (const auto& r : requests) prefix_first = std::min(prefix_first, first_row(r));

    // The shared prefix, once, keeping the rows some choice scores from.
    ctx.clear();
    std::vector<float> prefix_logits;
    if (prefix > 0) {
        std::vector<uint8_t> want(prefix, 0);
        std::fill(want.begin() + ptrdiff_t(prefix_first), want.end(), 1);
        prefix_logits.resize((prefix - prefix_first) * n_vocab);
        ctx.decode(std::span(requests[0].tokens).first(prefix), want, prefix_logits.data());
        if (tokens_evaluated) *tokens_evaluated += int64_t(prefix);
    }

    std::vector<float> logits;
    for (size_t c = 0; c < requests.size(); ++c) {
        const TaskRequest& r = requests[c];
        const size_t n_input = r.tokens.size() - 1, first = first_row(r);
        ctx.rewind(int(prefix));
        const size_t tail_first = std::max(first, prefix);  // first row this choice decodes itself
        if (n_input > prefix) {
            std::vector<uint8_t> want(n_input - prefix, 0);
            std::fill(want.begin() + ptrdiff_t(tail_first - prefix), want.end(), 1);
            logits.resize((n_input - tail_first) * n_vocab);
            ctx.decode(std::span(r.tokens).subspan(prefix, n_input - prefix), want, logits.data());
            if (tokens_evaluated) *tokens_evaluated += int64_t(n_input - prefix);
        }
        ChoiceScore& s = scores[c];
        s.is_greedy = true;
        for (size_t p = first; p < n_input; ++p) {
            const float* row = p < prefix ? prefix_logits.data() + (p - prefix_first) * n_vocab
                                          : logits.data() + (p - tail_first) * n_vocab;
            score_token(std::span(row, n_vocab), r.tokens[p + 1], s);
        }
    }
    return scores;
}

}  // namespace qs
