#include "remote/remote_eval.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "core/error.h"
#include "tokenizer/tokenizer.h"

namespace qs {

void remote_parallel_for(size_t n, int threads, Progress& progress, const std::function<void(size_t)>& fn) {
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::exception_ptr error;
    std::mutex error_mutex;
    auto work = [&] {
        for (size_t i; !failed.load() && (i = next.fetch_add(1)) < n;) {
            try {
                progress.check_cancel();
                fn(i);
            } catch (...) {
                std::lock_guard lock(error_mutex);
                if (!error) error = std::current_exception();
                failed.store(true);
            }
        }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < std::max(1, threads) && size_t(t) < n; ++t) pool.emplace_back(work);
    work();
    for (std::thread& t : pool) t.join();
    if (error) std::rethrow_exception(error);
}

PerplexityResult remote_perplexity(OpenAiClient& client, const Tokenizer& tokenizer, std::span<const int32_t> tokens,
                                   const PerplexityOptions& opts, Progress& progress) {
    const int n_ctx = opts.n_ctx;
    if (n_ctx < 4) throw Error(fmt::format("perplexity: context {} is too small (need at least 4)", n_ctx));
    if (int64_t(tokens.size()) < 2 * int64_t(n_ctx))
        throw Error(fmt::format("perplexity: the text has {} tokens; at least 2 * n_ctx = {} are needed", tokens.size(), 2 * n_ctx));
    int n_chunks = int(tokens.size() / size_t(n_ctx));
    if (opts.max_chunks >= 0) n_chunks = std::min(n_chunks, opts.max_chunks);
    const int first = n_ctx / 2;  // as llama-perplexity: the second half of each chunk is scored

    // Every chunk's echo, in any order; the statistics are then summed in chunk order, as locally.
    std::vector<EchoResult> echoes(static_cast<size_t>(n_chunks));
    std::mutex progress_mutex;
    const auto t0 = std::chrono::steady_clock::now();
    progress.begin(int64_t(n_chunks) * n_ctx, "perplexity (endpoint)");
    remote_parallel_for(size_t(n_chunks), client.http().options().concurrency, progress, [&](size_t c) {
        std::vector<int32_t> chunk(tokens.begin() + ptrdiff_t(c * size_t(n_ctx)), tokens.begin() + ptrdiff_t((c + 1) * size_t(n_ctx)));
        if (tokenizer.adds_bos()) chunk[0] = tokenizer.bos();
        echoes[c] = client.echo_tokens(chunk, 1);
        std::lock_guard lock(progress_mutex);
        progress.advance(n_ctx);
    });

    PerplexityResult r;
    r.n_ctx = n_ctx;
    r.tokens_total = int64_t(tokens.size());
    NllStats stats;
    for (int c = 0; c < n_chunks; ++c) {
        for (int k = first + 1; k < n_ctx; ++k) {
            const double lp = echoes[size_t(c)].tokens[size_t(k)].logprob;
            if (std::isnan(lp)) throw Error(fmt::format("perplexity: the endpoint gave no log-prob for token {} of chunk {}", k, c));
            stats.add(-lp);
            r.token_nll.push_back(float(-lp));
            r.bytes_scored += int64_t(tokenizer.token_to_piece(tokens[size_t(c) * size_t(n_ctx) + size_t(k)]).size());
        }
        r.running_ppl.push_back(stats.ppl());
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    perplexity_finish(r, stats, n_chunks, n_ctx);
    return r;
}

namespace {

// lm-eval's parse_logprobs: the sum over the scored tokens, greedy when each is the top-1.
ChoiceScore score_echo(const EchoResult& echo, const TaskRequest& request) {
    ChoiceScore s;
    s.is_greedy = true;
    const size_t n = request.tokens.size();
    for (size_t k = n - size_t(request.n_scored); k < n; ++k) {
        const EchoToken& t = echo.tokens[k];
        if (std::isnan(t.logprob) || t.top.empty())
            throw Error(fmt::format("the endpoint gave no log-prob (or no top alternative) for prompt token {}", k));
        s.loglik += t.logprob;
        s.greedy_logprob += t.top[0].logprob;
        const bool top_is_token = t.top[0].id >= 0 ? t.top[0].id == request.tokens[k] : t.top[0].logprob == t.logprob;
        s.is_greedy = s.is_greedy && top_is_token;
        ++s.n_tokens;
    }
    return s;
}

}  // namespace

TaskResult remote_task_evaluate(OpenAiClient& client, const Tokenizer& tokenizer, const TaskDataset& dataset,
                                const TaskEvalOptions& options, int n_ctx, Progress& progress) {
    if (dataset.items.empty()) throw Error(fmt::format("{}: the task dataset has no item", dataset.path));
    if (dataset.kind == TaskKind::Generation)
        throw Error(fmt::format("{}: format '{}' is a generation task: it is generated (remote_generation_evaluate), not scored",
                                dataset.path, dataset.format));
    TaskResult result;
    result.dataset = dataset.name;
    result.format = dataset.format;
    result.kind = dataset.kind;
    result.tokenization = task_resolve_tokenization(dataset, options.tokenization);
    result.primary = options.primary.value_or(result.tokenization == TaskTokenization::LlamaCpp ? TaskScore::PerToken : TaskScore::Raw);
    result.n_ctx = n_ctx;

    const std::vector<size_t> order = task_select_items(dataset, options);
    result.items.resize(order.size());
    std::atomic<int64_t> evaluated{0};
    std::mutex progress_mutex;
    const auto t0 = std::chrono::steady_clock::now();
    progress.begin(int64_t(order.size()), "task items (endpoint)");
    remote_parallel_for(order.size(), client.http().options().concurrency, progress, [&](size_t i) {
        const TaskItem& item = dataset.items[order[i]];
        const std::vector<TaskRequest> requests = task_item_requests(tokenizer, item, result.tokenization, n_ctx);
        TaskItemResult& r = result.items[i];
        r.item_index = order[i];
        r.gold = item.gold;
        // The item's choices in one request, as the local scorer decodes them (shared prefix).
        std::vector<std::vector<int32_t>> prompts;
        for (const TaskRequest& q : requests) prompts.push_back(q.tokens);
        const std::vector<EchoResult> echoes = client.echo_token_batch(prompts, 1);
        for (size_t c = 0; c < requests.size(); ++c) {
            const TaskRequest& q = requests[c];
            r.choices.push_back(score_echo(echoes[c], q));
            r.truncated = std::max(r.truncated, q.truncated);
            evaluated += int64_t(q.tokens.size());
        }
        std::lock_guard lock(progress_mutex);
        progress.advance();
    });
    result.tokens_evaluated = evaluated.load();
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    task_finish(result, dataset, options);
    return result;
}

GenerationResult remote_generation_evaluate(OpenAiClient& client, const Tokenizer& tokenizer, const TaskDataset& dataset,
                                            const GenerationEvalOptions& options, int n_ctx, const Sandbox* sandbox, Progress& progress) {
    if (options.samples != 1)
        throw Error(fmt::format("{}: {} samples per item through an endpoint: only greedy generation (1 sample) is supported, "
                                "since sampling would use the endpoint's sampler, not the local one", dataset.path, options.samples));
    GenerationPlan plan = generation_plan(tokenizer, dataset, options, n_ctx);
    const size_t n = plan.requests.size();
    std::vector<GreedyCompletion> completions(n);
    std::mutex progress_mutex;
    progress.begin(int64_t(n), "generation items (endpoint)");
    const auto t0 = std::chrono::steady_clock::now();
    remote_parallel_for(n, client.http().options().concurrency, progress, [&](size_t r) {
        const GenerateRequest& req = plan.requests[r];
        completions[r] = client.complete_greedy_tokens(req.prompt, req.options.n_predict, req.options.stop);
        std::lock_guard lock(progress_mutex);
        progress.advance();
    });
    const auto t1 = std::chrono::steady_clock::now();
    // Checked in the local order, one program at a time, as a local job checks them.
    for (size_t r = 0; r < n; ++r) {
        GreedyCompletion& c = completions[r];
        const int tokens = c.completion_tokens >= 0 ? int(c.completion_tokens) : int(tokenizer.encode(c.text, false, false).size());
        generation_record(plan, dataset, r, std::move(c.text), tokens, sandbox);
    }
    GenerationResult& result = plan.result;
    result.generate_seconds = std::chrono::duration<double>(t1 - t0).count();
    result.check_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    for (const GenerationItemResult& ir : result.items) result.tokens_generated += ir.n_tokens;
    generation_finish(result);
    return std::move(result);
}

}  // namespace qs
