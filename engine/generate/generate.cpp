#include "generate/generate.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "core/error.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace qs {

const char* stop_reason_name(StopReason r) {
    switch (r) {
        case StopReason::MaxTokens: return "max_tokens";
        case StopReason::EndOfGeneration: return "eog";
        case StopReason::StopString: return "stop_string";
        case StopReason::ContextFull: return "context_full";
    }
    return "?";
}

double GenerateResult::prompt_tps() const { return prompt_seconds > 0 ? double(n_prompt) / prompt_seconds : 0.0; }

double GenerateResult::generate_tps() const {
    const size_t decoded = tokens.empty() ? 0 : tokens.size() - 1;  // the last pick is not decoded
    return generate_seconds > 0 && decoded > 0 ? double(decoded) / generate_seconds : 0.0;
}

std::vector<int32_t> generate_prompt_tokens(const Tokenizer& tokenizer, const std::string& prompt) {
    return tokenizer.encode(prompt, true, true);
}

size_t stop_string_find(const std::string& text, const std::vector<std::string>& stop, size_t from, size_t* which) {
    size_t best = std::string::npos;
    for (size_t i = 0; i < stop.size(); ++i) {
        if (stop[i].empty()) continue;
        const size_t pos = text.find(stop[i], from);
        if (pos < best) {
            best = pos;
            if (which) *which = i;
        }
    }
    return best;
}

GenerateResult generate(ModelContext& ctx, const Tokenizer& tokenizer, std::span<const int32_t> prompt,
                        const GenerateOptions& options, const Progress* progress) {
    using Clock = std::chrono::steady_clock;
    const std::string& path = ctx.model().path();
    if (prompt.empty()) throw Error(path + ": generate: the prompt has no token");
    if (options.n_predict <= 0) throw Error(fmt::format("{}: generate: n_predict must be positive (got {})", path, options.n_predict));
    if (int64_t(prompt.size()) >= ctx.n_ctx())
        throw Error(fmt::format("{}: generate: the prompt has {} tokens, no room left in a context of {}", path, prompt.size(), ctx.n_ctx()));

    const int n_vocab = int(ctx.model().hparams().n_vocab);
    Sampler sampler(options.sampling);
    for (const int32_t t : prompt) sampler.accept(t);
    size_t max_stop = 0;
    for (const std::string& s : options.stop) max_stop = std::max(max_stop, s.size());

    GenerateResult r;
    r.n_prompt = int(prompt.size());
    std::vector<float> logits(static_cast<size_t>(n_vocab));
    ctx.clear();
    const auto t0 = Clock::now();
    {
        std::vector<uint8_t> want(prompt.size(), 0);
        want.back() = 1;
        ctx.decode(prompt, want, logits.data());
    }
    const auto t1 = Clock::now();
    r.prompt_seconds = std::chrono::duration<double>(t1 - t0).count();

    for (int i = 0; i < options.n_predict; ++i) {
        if (progress) progress->check_cancel();
        const int32_t token = sampler.sample(logits);
        sampler.accept(token);
        r.tokens.push_back(token);
        if (options.stop_at_eog && tokenizer.is_eog(token)) {
            r.stop_reason = StopReason::EndOfGeneration;
            break;
        }
        const size_t old_size = r.text.size();
        r.text += tokenizer.token_to_piece(token, false);
        size_t which = 0;
        const size_t from = old_size >= max_stop ? old_size - max_stop + 1 : 0;
        if (const size_t pos = stop_string_find(r.text, options.stop, from, &which); pos != std::string::npos) {
            r.text.resize(pos);
            r.stop_reason = StopReason::StopString;
            r.stop_string = options.stop[which];
            break;
        }
        if (i + 1 == options.n_predict) break;  // the last pick needs no decode
        if (ctx.n_past() >= ctx.n_ctx()) {
            r.stop_reason = StopReason::ContextFull;
            break;
        }
        const uint8_t want = 1;
        ctx.decode(std::span(&token, 1), std::span(&want, 1), logits.data());
    }
    r.generate_seconds = std::chrono::duration<double>(Clock::now() - t1).count();
    return r;
}

}  // namespace qs
