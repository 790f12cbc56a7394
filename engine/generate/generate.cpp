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

namespace {

void check_prompt(const ModelContext& ctx, std::span<const int32_t> prompt, const GenerateOptions& options) {
    const std::string& path = ctx.model().path();
    if (prompt.empty()) throw Error(path + ": generate: the prompt has no token");
    if (options.n_predict <= 0) throw Error(fmt::format("{}: generate: n_predict must be positive (got {})", path, options.n_predict));
    if (int64_t(prompt.size()) >= ctx.n_ctx())
        throw Error(fmt::format("{}: generate: the prompt has {} tokens, no room left in a context of {}", path, prompt.size(), ctx.n_ctx()));
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

GenerationStream::GenerationStream(const Tokenizer& tokenizer, std::span<const int32_t> prompt, const GenerateOptions& options)
    : tokenizer_(&tokenizer), options_(&options), sampler_(options.sampling) {
    for (const int32_t t : prompt) sampler_.accept(t);
    for (const std::string& s : options.stop) max_stop_ = std::max(max_stop_, s.size());
    result_.n_prompt = int(prompt.size());
}

bool GenerationStream::step(std::span<const float> logits, bool context_full) {
    GenerateResult& r = result_;
    const int32_t token = sampler_.sample(logits);
    sampler_.accept(token);
    r.tokens.push_back(token);
    if (options_->stop_at_eog && tokenizer_->is_eog(token)) {
        r.stop_reason = StopReason::EndOfGeneration;
        return false;
    }
    const size_t old_size = r.text.size();
    r.text += tokenizer_->token_to_piece(token, false);
    size_t which = 0;
    const size_t from = old_size >= max_stop_ ? old_size - max_stop_ + 1 : 0;
    if (const size_t pos = stop_string_find(r.text, options_->stop, from, &which); pos != std::string::npos) {
        r.text.resize(pos);
        r.stop_reason = StopReason::StopString;
        r.stop_string = options_->stop[which];
        return false;
    }
    if (int(r.tokens.size()) == options_->n_predict) return false;  // the last pick needs no decode (MaxTokens)
    if (context_full) {
        r.stop_reason = StopReason::ContextFull;
        return false;
    }
    return true;
}

GenerateResult generate(ModelContext& ctx, const Tokenizer& tokenizer, std::span<const int32_t> prompt,
                        const GenerateOptions& options, const Progress* progress) {
    using Clock = std::chrono::steady_clock;
    check_prompt(ctx, prompt, options);
    GenerationStream stream(tokenizer, prompt, options);
    std::vector<float> logits(static_cast<size_t>(ctx.model().hparams().n_vocab));
    ctx.clear();
    const auto t0 = Clock::now();
    {
        std::vector<uint8_t> want(prompt.size(), 0);
        want.back() = 1;
        ctx.decode(prompt, want, logits.data());
    }
    const auto t1 = Clock::now();
    stream.result().prompt_seconds = std::chrono::duration<double>(t1 - t0).count();
    while (true) {
        if (progress) progress->check_cancel();
        if (!stream.step(logits, ctx.n_past() >= ctx.n_ctx())) break;
        const int32_t token = stream.last_token();
        const uint8_t want = 1;
        ctx.decode(std::span(&token, 1), std::span(&want, 1), logits.data());
    }
    stream.result().generate_seconds = seconds_since(t1);
    return std::move(stream.result());
}

void generate_batch(ModelContext& ctx, const Tokenizer& tokenizer, std::span<const GenerateRequest> requests,
                    const std::function<void(size_t, GenerateResult&&)>& on_done, const Progress* progress) {
    using Clock = std::chrono::steady_clock;
    for (const GenerateRequest& r : requests) check_prompt(ctx, r.prompt, r.options);
    const int n_seq = ctx.n_seq();
    const size_t n_vocab = size_t(ctx.model().hparams().n_vocab);
    struct Slot {
        size_t request = 0;
        std::optional<GenerationStream> stream;  // engaged while the slot's sequence is generating
    };
    std::vector<Slot> slots(static_cast<size_t>(n_seq));
    std::vector<float> logits(size_t(n_seq) * n_vocab);
    auto full = [&](int seq) { return ctx.n_past(seq) >= ctx.n_ctx(); };
    auto finish = [&](Slot& slot) {
        GenerateResult result = std::move(slot.stream->result());
        slot.stream.reset();
        on_done(slot.request, std::move(result));
    };
    size_t next = 0;
    while (true) {
        if (progress) progress->check_cancel();
        // Free slots take the next requests: their prompts are decoded alone, then sampled once.
        for (int seq = 0; seq < n_seq && next < requests.size(); ++seq) {
            Slot& slot = slots[size_t(seq)];
            if (slot.stream) continue;
            slot.request = next++;
            const GenerateRequest& req = requests[slot.request];
            ctx.clear(seq);
            const auto t0 = Clock::now();
            const SeqTokens prefill{seq, req.prompt};
            ctx.decode_batch(std::span(&prefill, 1), logits.data());
            slot.stream.emplace(tokenizer, req.prompt, req.options);
            GenerateResult& r = slot.stream->result();
            r.prompt_seconds = seconds_since(t0);
            const auto t1 = Clock::now();
            const bool more = slot.stream->step(std::span(logits.data(), n_vocab), full(seq));
            r.generate_seconds += seconds_since(t1);
            if (!more) finish(slot), --seq;  // the slot is free again at once
        }
        // One pass: the last token of every active sequence.
        std::vector<SeqTokens> batch;
        std::vector<int32_t> last(static_cast<size_t>(n_seq));
        for (int seq = 0; seq < n_seq; ++seq)
            if (slots[size_t(seq)].stream) {
                last[size_t(seq)] = slots[size_t(seq)].stream->last_token();
                batch.push_back(SeqTokens{seq, std::span(&last[size_t(seq)], 1)});
            }
        if (batch.empty()) break;  // nothing active and no request left
        const auto t0 = Clock::now();
        ctx.decode_batch(batch, logits.data());
        const double dt = seconds_since(t0);
        for (size_t k = 0; k < batch.size(); ++k) {
            Slot& slot = slots[size_t(batch[k].seq)];
            GenerateResult& r = slot.stream->result();
            r.generate_seconds += dt;
            if (!slot.stream->step(std::span(logits.data() + k * n_vocab, n_vocab), full(batch[k].seq))) finish(slot);
        }
    }
}

}  // namespace qs
