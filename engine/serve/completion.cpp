#include "serve/completion.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <functional>
#include <numeric>

#include <fmt/format.h>

#include "core/error.h"
#include "generate/generate.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace qs {

TokenLogprob token_logprob(std::span<const float> logits, int32_t token, int n) {
    const float max_logit = *std::max_element(logits.begin(), logits.end());
    double sum_exp = 0.0;
    for (float l : logits) sum_exp += std::exp(l - max_logit);  // float exp, double sum: as the evaluators
    const double log_sum = std::log(sum_exp);
    auto lp = [&](int32_t id) { return double(logits[size_t(id)] - max_logit) - log_sum; };

    TokenLogprob r;
    r.token = token;
    r.logprob = lp(token);
    n = std::min<int>(n, int(logits.size()));
    if (n > 0) {
        std::vector<int32_t> ids(logits.size());
        std::iota(ids.begin(), ids.end(), 0);
        std::partial_sort(ids.begin(), ids.begin() + n, ids.end(), [&](int32_t a, int32_t b) {
            return logits[size_t(a)] > logits[size_t(b)] || (logits[size_t(a)] == logits[size_t(b)] && a < b);
        });
        r.top.reserve(size_t(n));
        for (int i = 0; i < n; ++i) r.top.emplace_back(ids[size_t(i)], lp(ids[size_t(i)]));
    }
    return r;
}

namespace {

void check_prompt(const ModelContext& ctx, const CompletionRequest& req, std::span<const int32_t> prompt) {
    const std::string& path = ctx.model().path();
    const size_t n_vocab = size_t(ctx.model().hparams().n_vocab);
    if (prompt.empty()) throw Error(path + ": completion: the prompt has no token");
    if (req.max_tokens < 0) throw Error(fmt::format("{}: completion: max_tokens must be >= 0 (got {})", path, req.max_tokens));
    if (int64_t(prompt.size()) + std::max(req.max_tokens - 1, 0) > ctx.n_ctx())
        throw Error(fmt::format("{}: completion: {} prompt tokens + {} to generate do not fit the context of {} tokens", path,
                                prompt.size(), req.max_tokens, ctx.n_ctx()));
    for (const int32_t t : prompt)
        if (t < 0 || size_t(t) >= n_vocab) throw Error(fmt::format("{}: completion: token id {} is not in the vocabulary (0..{})", path, t, n_vocab - 1));
}

// Decodes `tokens` after what ctx holds, n_ubatch tokens per call (the passes one decode() call
// makes), and hands each wanted row of logits to on_row(index in tokens, row). want_all: every
// row; otherwise none.
void decode_rows(ModelContext& ctx, std::span<const int32_t> tokens, bool want_all, std::vector<float>& logits,
                 const std::function<void(size_t, std::span<const float>)>& on_row) {
    const size_t n_vocab = size_t(ctx.model().hparams().n_vocab);
    const size_t slice = size_t(std::max(1, ctx.options().n_ubatch));
    for (size_t start = 0; start < tokens.size(); start += slice) {
        const size_t n = std::min(slice, tokens.size() - start);
        std::vector<uint8_t> want(n, want_all ? 1 : 0);
        logits.resize(want_all ? n * n_vocab : 0);
        ctx.decode(tokens.subspan(start, n), want, logits.data());
        if (want_all)
            for (size_t j = 0; j < n; ++j) on_row(start + j, {logits.data() + j * n_vocab, n_vocab});
    }
}

}  // namespace

void completion_check(const ModelContext& ctx, const CompletionRequest& request, std::span<const std::vector<int32_t>> prompts) {
    for (const auto& p : prompts) check_prompt(ctx, request, p);
    Sampler check(request.sampling);  // throws for out-of-range parameters
}

size_t completion_shared_prefix(std::span<const std::vector<int32_t>> prompts) {
    if (prompts.empty()) return 0;
    size_t prefix = prompts[0].size() - 1;
    for (const auto& p : prompts) prefix = std::min(prefix, p.size() - 1);
    for (size_t k = 0; k < prefix; ++k)
        if (std::any_of(prompts.begin(), prompts.end(), [&](const std::vector<int32_t>& p) { return p[k] != prompts[0][k]; }))
            return k;
    return prefix;
}

CompletionStream::CompletionStream(const Tokenizer& tokenizer, const CompletionRequest& request, std::span<const int32_t> prompt)
    : tokenizer_(&tokenizer), request_(&request), sampler_(request.sampling) {
    for (const int32_t t : prompt) sampler_.accept(t);
    for (const std::string& s : request.stop) max_stop_ = std::max(max_stop_, s.size());
    out_.n_prompt = int(prompt.size());
}

bool CompletionStream::step(std::span<const float> logits, bool context_full) {
    const CompletionRequest& req = *request_;
    const int32_t token = sampler_.sample(logits);
    sampler_.accept(token);
    if (tokenizer_->is_eog(token)) {
        out_.finish_reason = "stop";
        return false;
    }
    out_.tokens.push_back(token);
    if (req.logprobs >= 0) out_.token_logprobs.push_back(token_logprob(logits, token, req.logprobs));
    const size_t old_size = out_.text.size();
    out_.text += tokenizer_->token_to_piece(token, false);
    const size_t from = old_size >= max_stop_ ? old_size - max_stop_ + 1 : 0;
    if (const size_t pos = stop_string_find(out_.text, req.stop, from); pos != std::string::npos) {
        out_.text.resize(pos);
        out_.finish_reason = "stop";
        return false;
    }
    if (int(out_.tokens.size()) >= req.max_tokens || context_full) return false;  // "length"
    last_ = token;
    return true;
}

CompletionOutput completion_run(ModelContext& ctx, const Tokenizer& tokenizer, const CompletionRequest& req) {
    return std::move(completion_run_prompts(ctx, tokenizer, req, std::span(&req.prompt, 1))[0]);
}

std::vector<CompletionOutput> completion_run_prompts(ModelContext& ctx, const Tokenizer& tokenizer, const CompletionRequest& req,
                                                     std::span<const std::vector<int32_t>> prompts) {
    completion_check(ctx, req, prompts);
    std::vector<CompletionOutput> outs(prompts.size());
    if (prompts.empty()) return outs;
    const bool echo = req.echo && req.logprobs >= 0;
    const size_t n_vocab = size_t(ctx.model().hparams().n_vocab);
    const size_t prefix = completion_shared_prefix(prompts);

    // Row r of the input predicts prompt token r + 1.
    auto echo_row = [&](size_t i, size_t position, std::span<const float> row) {
        outs[i].prompt_logprobs.push_back(token_logprob(row, prompts[i][position + 1], req.logprobs));
    };
    ctx.clear();
    std::vector<float> logits;
    if (prefix > 0)
        decode_rows(ctx, std::span(prompts[0]).first(prefix), echo, logits, [&](size_t r, std::span<const float> row) {
            for (size_t i = 0; i < prompts.size(); ++i) echo_row(i, r, row);
        });
    std::vector<float> last(n_vocab);
    for (size_t i = 0; i < prompts.size(); ++i) {
        const std::vector<int32_t>& p = prompts[i];
        CompletionOutput& out = outs[i];
        out.n_prompt = int(p.size());
        if (echo) {
            TokenLogprob first;
            first.token = p[0];
            first.logprob = std::numeric_limits<double>::quiet_NaN();
            out.prompt_logprobs.insert(out.prompt_logprobs.begin(), first);
        }
        ctx.rewind(int(prefix));
        decode_rows(ctx, std::span(p).subspan(prefix, p.size() - 1 - prefix), echo, logits,
                    [&](size_t r, std::span<const float> row) { echo_row(i, prefix + r, row); });
        if (req.max_tokens == 0) continue;
        CompletionStream stream(tokenizer, req, p);
        const uint8_t want = 1;
        for (int32_t next = p.back();; next = stream.last_token()) {
            ctx.decode(std::span(&next, 1), std::span(&want, 1), last.data());
            if (!stream.step(last, ctx.n_past() >= ctx.n_ctx())) break;
        }
        std::vector<TokenLogprob> prompt_logprobs = std::move(out.prompt_logprobs);
        out = std::move(stream.output());
        out.prompt_logprobs = std::move(prompt_logprobs);
    }
    return outs;
}

}  // namespace qs
