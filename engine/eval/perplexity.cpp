#include "eval/perplexity.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>
#include <numeric>

#include "core/error.h"
#include "core/text_file.h"
#include "datasets/task_dataset.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace qs {

double NllStats::ppl() const { return std::exp(mean()); }

double NllStats::mean_stderr() const {
    if (count < 2) return 0.0;
    const double m = mean();
    const double var = sum_sq / double(count) - m * m;
    return var > 0 ? std::sqrt(var / double(count - 1)) : 0.0;
}

namespace {

// -log softmax(logits)[target], max-subtracted with the exponentials summed in double, as
// llama-perplexity's log_softmax does (so our NLLs round the same way).
double token_nll(std::span<const float> logits, int32_t target) {
    const float max_logit = *std::max_element(logits.begin(), logits.end());
    double sum_exp = 0.0;
    for (float l : logits) sum_exp += std::exp(l - max_logit);  // float exp, double sum: as llama.cpp
    return -(double(logits[size_t(target)] - max_logit) - std::log(sum_exp));
}

}  // namespace

std::vector<int> perplexity_chunk_order(int n_chunks, const PerplexityOptions& opts) {
    std::vector<size_t> order(size_t(std::max(n_chunks, 0)));
    if (opts.random_order) order = dataset_sample_random_order(order.size(), order.size(), opts.order_seed);
    else std::iota(order.begin(), order.end(), size_t{0});
    return std::vector<int>(order.begin(), order.end());
}

std::string perplexity_read_text(const std::string& path) {
    std::string text = text_file_read(path);
    if (text.back() == '\n') text.pop_back();  // what llama.cpp's -f does
    return text;
}

PerplexityResult perplexity_run(ModelContext& ctx, const Tokenizer& tokenizer, std::span<const int32_t> tokens,
                                const PerplexityOptions& opts, Progress& progress, const ChunkLogitsFn& on_chunk) {
    const int n_ctx = opts.n_ctx;
    if (n_ctx < 4) throw Error(fmt::format("perplexity: context {} is too small (need at least 4)", n_ctx));
    if (n_ctx > ctx.n_ctx())
        throw Error(fmt::format("perplexity: context {} exceeds the model context allocated ({})", n_ctx, ctx.n_ctx()));
    if (int64_t(tokens.size()) < 2 * int64_t(n_ctx))
        throw Error(fmt::format("perplexity: the text has {} tokens; at least 2 * n_ctx = {} are needed",
                                tokens.size(), 2 * n_ctx));

    int n_chunks = int(tokens.size() / size_t(n_ctx));
    if (opts.max_chunks >= 0) n_chunks = std::min(n_chunks, opts.max_chunks);
    const int first = n_ctx / 2;               // first position whose logits are scored
    const int n_scored = n_ctx - first - 1;    // per chunk
    const int64_t n_vocab = ctx.model().hparams().n_vocab;

    PerplexityResult r;
    r.n_ctx = n_ctx;
    r.tokens_total = int64_t(tokens.size());
    r.token_nll.reserve(size_t(n_chunks) * size_t(n_scored));

    std::vector<int32_t> chunk(static_cast<size_t>(n_ctx));
    std::vector<uint8_t> want(static_cast<size_t>(n_ctx), opts.all_positions ? 1 : 0);
    std::fill(want.begin() + first, want.end() - 1, 1);
    // Rows of `logits` before the first scored one (all_positions computes every position's).
    const size_t skipped_rows = opts.all_positions ? size_t(first) : 0;
    std::vector<float> all_logits(size_t(opts.all_positions ? n_ctx : n_scored) * size_t(n_vocab));
    const std::span<const float> logits(all_logits.data() + skipped_rows * size_t(n_vocab), size_t(n_scored) * size_t(n_vocab));

    NllStats stats;
    const auto t0 = std::chrono::steady_clock::now();
    progress.begin(int64_t(n_chunks) * n_ctx, "perplexity");
    const std::vector<int> order = perplexity_chunk_order(int(tokens.size() / size_t(n_ctx)), opts);
    int done = 0;
    for (; done < n_chunks; ++done) {
        progress.check_cancel();
        const int c = order[size_t(done)];
        const size_t first_nll = r.token_nll.size();
        const auto chunk_tokens = tokens.subspan(size_t(c) * size_t(n_ctx), size_t(n_ctx));
        std::copy(chunk_tokens.begin(), chunk_tokens.end(), chunk.begin());
        if (tokenizer.adds_bos()) chunk[0] = tokenizer.bos();

        ctx.clear();
        ctx.decode(chunk, want, all_logits.data());

        const auto targets = chunk_tokens.subspan(size_t(first) + 1, size_t(n_scored));
        for (int j = 0; j < n_scored; ++j) {
            const double nll = token_nll({logits.data() + size_t(j) * size_t(n_vocab), size_t(n_vocab)}, targets[size_t(j)]);
            stats.add(nll);
            r.token_nll.push_back(float(nll));
            r.bytes_scored += int64_t(tokenizer.token_to_piece(targets[size_t(j)]).size());
        }
        r.running_ppl.push_back(stats.ppl());
        r.chunk_order.push_back(c);
        if (on_chunk) on_chunk(done, logits, targets);
        progress.advance(n_ctx);
        if (opts.stop_after_chunk &&
            opts.stop_after_chunk(c, std::span<const float>(r.token_nll).subspan(first_nll))) {
            ++done;
            break;
        }
    }
    n_chunks = done;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    perplexity_finish(r, stats, n_chunks, n_ctx);
    return r;
}

void perplexity_finish(PerplexityResult& r, const NllStats& stats, int n_chunks, int n_ctx) {
    r.chunks = n_chunks;
    r.tokens_scored = stats.count;
    r.tokens_evaluated = int64_t(n_chunks) * n_ctx;
    r.nll_mean = stats.mean();
    r.nll_stderr = stats.mean_stderr();
    r.ppl = stats.ppl();
    r.ppl_stderr = stats.ppl_stderr();
    r.bits_per_byte = r.bytes_scored > 0 ? stats.sum / (std::numbers::ln2 * double(r.bytes_scored)) : 0.0;
    r.tokens_per_second = r.seconds > 0 ? double(r.tokens_evaluated) / r.seconds : 0.0;
}

}  // namespace qs
