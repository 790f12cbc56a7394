#include "serve/completion_batch.h"

#include <algorithm>

#include "core/error.h"
#include "tokenizer/tokenizer.h"

namespace qs {

namespace {

ContextOptions sequences(int n_seq) {
    ContextOptions o;
    o.n_seq = std::max(1, n_seq);
    return o;
}

}  // namespace

CompletionBatch::CompletionBatch(std::shared_ptr<const Model> model, std::shared_ptr<const Tokenizer> tokenizer, int n_ctx, int n_seq)
    : model_(std::move(model)),
      tokenizer_(std::move(tokenizer)),
      n_ctx_(n_ctx),
      ctx_(model_, n_ctx, sequences(n_seq)),
      seqs_(size_t(ctx_.n_seq())),
      logits_(size_t(ctx_.n_seq()) * size_t(model_->hparams().n_vocab)) {}

CompletionBatch::~CompletionBatch() {
    while (!jobs_.empty()) fail(jobs_.front(), std::make_exception_ptr(Error("server stopping")));
}

void CompletionBatch::admit(CompletionJob job) {
    Admitted& a = jobs_.emplace_back();
    a.job = std::move(job);
    std::exception_ptr error;
    try {
        const CompletionRequest& req = a.job.options;
        completion_check(ctx_, req, a.job.prompts);
        a.outs.resize(a.job.prompts.size());
        if (req.max_tokens == 0 || (req.echo && req.logprobs >= 0) || a.job.prompts.empty()) {
            // Scoring (lm-eval's loglikelihood, QuantScope's eval --endpoint: echo and 1 token) runs
            // whole on the one-sequence context, as serve ran every request before batching.
            if (!echo_ctx_) echo_ctx_.emplace(model_, n_ctx_);
            a.outs = completion_run_prompts(*echo_ctx_, *tokenizer_, req, a.job.prompts);
            return answer(a);
        }
        a.prefix = completion_shared_prefix(a.job.prompts);
        a.unfinished = a.job.prompts.size();
        for (size_t i = 0; i < a.job.prompts.size(); ++i) waiting_.push_back({&a, i});
    } catch (...) {
        error = std::current_exception();
    }
    // Handed over after the catch, and moved: this thread keeps no reference to the exception once
    // the promise holds it. Otherwise the end of the catch could drop the last one after the HTTP
    // thread read the message, and the free happens here, ordered only by libstdc++'s own atomic
    // count (uninstrumented: ThreadSanitizer reported it as a race in test_serve).
    if (error) fail(a, std::move(error));
}

void CompletionBatch::start(int seq, const Waiting& w) {
    Sequence& s = seqs_[size_t(seq)];
    const std::vector<int32_t>& p = w.job->job.prompts[w.prompt];
    ctx_.clear(seq);
    // Two calls, as completion_run_prompts decodes the shared prefix and then the rest of the input
    // (each split into n_ubatch-row passes by decode_batch as by decode); the row of logits each
    // call returns is not used.
    const std::span<const int32_t> parts[] = {std::span(p).first(w.job->prefix),
                                              std::span(p).subspan(w.job->prefix, p.size() - 1 - w.job->prefix)};
    for (const std::span<const int32_t> part : parts)
        if (!part.empty()) {
            const SeqTokens entry{seq, part};
            ctx_.decode_batch(std::span(&entry, 1), logits_.data());
        }
    s.job = w.job;
    s.prompt = w.prompt;
    s.stream.emplace(*tokenizer_, w.job->job.options, p);
    s.next = p.back();
}

void CompletionBatch::step() {
    // Free sequences take the waiting prompts, oldest first.
    for (int seq = 0; seq < ctx_.n_seq() && !waiting_.empty(); ++seq) {
        if (seqs_[size_t(seq)].job) continue;
        const Waiting w = waiting_.front();
        waiting_.pop_front();
        std::exception_ptr error;  // handed over after the catch, as in admit()
        try {
            start(seq, w);
        } catch (...) {
            error = std::current_exception();
        }
        if (error) fail(*w.job, std::move(error));  // also drops its other waiting prompts
    }
    std::vector<SeqTokens> batch;
    for (int seq = 0; seq < ctx_.n_seq(); ++seq) {
        Sequence& s = seqs_[size_t(seq)];
        if (s.job) batch.push_back(SeqTokens{seq, std::span(&s.next, 1)});
    }
    if (batch.empty()) return;
    try {
        ctx_.decode_batch(batch, logits_.data());
    } catch (...) {  // not expected (every token and position was checked): fail what was in the pass
        const std::exception_ptr error = std::current_exception();
        for (const SeqTokens& e : batch)
            if (Admitted* a = seqs_[size_t(e.seq)].job) fail(*a, error);
        return;
    }
    const size_t n_vocab = size_t(model_->hparams().n_vocab);
    for (size_t k = 0; k < batch.size(); ++k) {
        Sequence& s = seqs_[size_t(batch[k].seq)];
        if (!s.job) continue;
        const bool full = ctx_.n_past(batch[k].seq) >= n_ctx_;
        if (s.stream->step(std::span(logits_.data() + k * n_vocab, n_vocab), full)) s.next = s.stream->last_token();
        else finish(s);
    }
}

void CompletionBatch::finish(Sequence& s) {
    Admitted& a = *s.job;
    a.outs[s.prompt] = std::move(s.stream->output());
    s.stream.reset();
    s.job = nullptr;
    if (--a.unfinished == 0) answer(a);
}

void CompletionBatch::answer(Admitted& a) {
    a.job.result.set_value(std::move(a.outs));
    jobs_.remove_if([&](const Admitted& j) { return &j == &a; });
}

void CompletionBatch::fail(Admitted& a, std::exception_ptr error) {
    for (Sequence& s : seqs_)
        if (s.job == &a) s.job = nullptr, s.stream.reset();
    std::erase_if(waiting_, [&](const Waiting& w) { return w.job == &a; });
    a.job.result.set_exception(std::move(error));
    jobs_.remove_if([&](const Admitted& j) { return &j == &a; });
}

int batch_invariant_steps(const std::shared_ptr<const Model>& model, int n_seq) {
    if (n_seq <= 1) return 1;
    const size_t n_vocab = size_t(model->hparams().n_vocab);
    // One token per sequence, spread over the vocabulary.
    std::vector<int32_t> tokens(static_cast<size_t>(n_seq));
    for (size_t s = 0; s < tokens.size(); ++s) tokens[s] = int32_t((1 + s * 2654435761u) % n_vocab);
    std::vector<float> alone(tokens.size() * n_vocab);
    ModelContext one(model, 1);
    const uint8_t want = 1;
    for (size_t s = 0; s < tokens.size(); ++s) {
        one.clear();
        one.decode(std::span(&tokens[s], 1), std::span(&want, 1), alone.data() + s * n_vocab);
    }
    // A context of 64 positions: passes of up to 64 rows, so every batch below is one pass, as a
    // step of up to 64 sequences is in serve's context (n_ubatch = min(512, n_ctx)).
    ModelContext many(model, std::max(64, n_seq), sequences(n_seq));
    std::vector<float> together(tokens.size() * n_vocab);
    for (int b = 2; b <= n_seq; ++b) {
        many.clear();
        std::vector<SeqTokens> batch;
        for (int s = 0; s < b; ++s) batch.push_back(SeqTokens{s, std::span(&tokens[size_t(s)], 1)});
        many.decode_batch(batch, together.data());
        if (!std::equal(alone.begin(), alone.begin() + std::ptrdiff_t(size_t(b) * n_vocab), together.begin())) return b - 1;
    }
    return n_seq;
}

}  // namespace qs
