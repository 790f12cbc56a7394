#include "eval/generation_eval.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "core/error.h"
#include "core/stopwatch.h"
#include "eval/statistics.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace qs {
namespace {

using Clock = SteadyClock;

void check_dataset(const TaskDataset& dataset, const GenerationEvalOptions& options) {
    if (dataset.kind != TaskKind::Generation)
        throw Error(fmt::format("{}: format '{}' is not a generation task", dataset.path, dataset.format));
    if (dataset.items.empty()) throw Error(fmt::format("{}: the task dataset has no item", dataset.path));
    if (options.limit < 0) throw Error(fmt::format("{}: task limit {} must not be negative", dataset.path, options.limit));
    if (options.samples < 1) throw Error(fmt::format("{}: samples per item must be at least 1", dataset.path));
    if (options.samples > 1 && options.sampling.greedy())
        throw Error(fmt::format("{}: {} samples per item need a temperature above 0 (greedy samples are all alike)",
                                dataset.path, options.samples));
    if (options.max_tokens < 0) throw Error(fmt::format("{}: max tokens must not be negative", dataset.path));
}

std::vector<size_t> select_items(const TaskDataset& dataset, const GenerationEvalOptions& options) {
    const size_t n = dataset.items.size();
    return dataset_sample(n, options.limit == 0 ? n : std::min(n, size_t(options.limit)), options.seed);
}

GenerationResult new_result(const TaskDataset& dataset, int samples) {
    GenerationResult r;
    r.dataset = dataset.name;
    r.format = dataset.format;
    r.scoring = dataset.items.front().generation.scoring;
    r.samples = samples;
    return r;
}

}  // namespace

GenerationPlan generation_plan(const Tokenizer& tokenizer, const TaskDataset& dataset, const GenerationEvalOptions& options, int n_ctx) {
    check_dataset(dataset, options);
    GenerationPlan plan{new_result(dataset, options.samples), {}};
    GenerationResult& result = plan.result;
    const std::vector<size_t> order = select_items(dataset, options);
    result.items.resize(order.size());
    for (size_t k = 0; k < order.size(); ++k) {
        const TaskItem& item = dataset.items[order[k]];
        const GenerationSpec& spec = item.generation;
        GenerateRequest req;
        req.options.n_predict = options.max_tokens > 0 ? std::min(options.max_tokens, spec.max_tokens) : spec.max_tokens;
        req.options.stop = spec.until;
        req.prompt = generate_prompt_tokens(tokenizer, generation_prompt(item, options.chat_template));
        GenerationItemResult& ir = result.items[k];
        ir.item_index = order[k];
        // lm-eval keeps the last max_length - max_gen_toks prompt tokens; a context shorter than twice
        // max_tokens keeps at least half of it for the prompt.
        const size_t keep = size_t(n_ctx - std::min(req.options.n_predict, n_ctx / 2));
        if (req.prompt.size() > keep) {
            ir.truncated = int(req.prompt.size() - keep);
            req.prompt.erase(req.prompt.begin(), req.prompt.begin() + std::ptrdiff_t(ir.truncated));
        }
        ir.prompt_tokens = int(req.prompt.size());
        ir.outputs.resize(size_t(options.samples));
        ir.checks.resize(size_t(options.samples));
        for (int s = 0; s < options.samples; ++s) {
            if (options.samples > 1) {
                req.options.sampling = options.sampling;
                req.options.sampling.seed = options.sampling.seed + uint32_t(7919 * order[k]) + uint32_t(s);
            }
            plan.requests.push_back(req);
        }
    }
    return plan;
}

void generation_record(GenerationPlan& plan, const TaskDataset& dataset, size_t r, std::string text, int n_tokens,
                       const Sandbox* sandbox) {
    const size_t samples = size_t(plan.result.samples);
    GenerationItemResult& ir = plan.result.items[r / samples];
    const size_t sample = r % samples;
    ir.n_tokens += n_tokens;
    ir.checks[sample] = generation_check(dataset.items[ir.item_index], text, sandbox);
    ir.n_pass += ir.checks[sample].pass();
    ir.outputs[sample] = std::move(text);
}

GenerationResult generation_evaluate(ModelContext& ctx, const Tokenizer& tokenizer, const TaskDataset& dataset,
                                     const GenerationEvalOptions& options, const Sandbox* sandbox, Progress& progress) {
    // One request per item and sample; they run up to ctx.n_seq() at a time (generate_batch).
    GenerationPlan plan = generation_plan(tokenizer, dataset, options, ctx.n_ctx());
    progress.begin(int64_t(plan.result.items.size()), "generation items");
    std::vector<int> samples_left(plan.result.items.size(), options.samples);
    const auto t0 = Clock::now();
    double check_seconds = 0;
    generate_batch(ctx, tokenizer, plan.requests, [&](size_t r, GenerateResult&& g) {
        const auto t1 = Clock::now();
        generation_record(plan, dataset, r, std::move(g.text), int(g.tokens.size()), sandbox);
        check_seconds += seconds_since(t1);
        if (--samples_left[r / size_t(options.samples)] == 0) progress.advance();
    }, &progress);
    GenerationResult& result = plan.result;
    result.check_seconds = check_seconds;
    result.generate_seconds = seconds_since(t0) - check_seconds;
    for (const GenerationItemResult& ir : result.items) result.tokens_generated += ir.n_tokens;
    generation_finish(result);
    return std::move(result);
}

std::string generation_prompt(const TaskItem& item, ChatTemplate chat_template) {
    return chat_wrap_prompt(chat_template, item.generation.prompt);
}

GenerationResult generation_check_references(const TaskDataset& dataset, const GenerationEvalOptions& options,
                                             const Sandbox* sandbox, int workers, Progress& progress) {
    check_dataset(dataset, options);
    GenerationResult result = new_result(dataset, 1);
    const std::vector<size_t> order = select_items(dataset, options);
    result.items.resize(order.size());
    progress.begin(int64_t(order.size()), "reference answers");
    std::atomic<size_t> next{0};
    std::mutex mutex;  // progress and the first error
    std::string error;
    const auto t0 = Clock::now();
    auto work = [&] {
        for (size_t i; (i = next++) < order.size();) {
            if (progress.cancelled()) return;
            const TaskItem& item = dataset.items[order[i]];
            GenerationItemResult& ir = result.items[i];
            ir.item_index = order[i];
            ir.outputs = {item.generation.reference};
            try {
                ir.checks = {generation_check(item, item.generation.reference, sandbox)};
            } catch (const Error& e) {
                std::lock_guard lock(mutex);
                if (error.empty()) error = e.what();
                return;
            }
            ir.n_pass = ir.checks.front().pass();
            std::lock_guard lock(mutex);
            progress.advance();
        }
    };
    std::vector<std::thread> pool;
    for (int w = 1; w < std::max(1, workers); ++w) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    progress.check_cancel();
    if (!error.empty()) throw Error(error);
    result.check_seconds = seconds_since(t0);
    generation_finish(result);
    return result;
}

void generation_finish(GenerationResult& r) {
    r.metrics.clear();
    r.item_correct.clear();
    std::vector<uint8_t> flexible;
    int64_t timeouts = 0, errors = 0;
    for (const GenerationItemResult& ir : r.items) {
        const GenerationCheck& first = ir.checks.front();
        r.item_correct.push_back(first.pass());
        flexible.push_back(first.flexible_pass);
        timeouts += first.verdict == GenerationVerdict::Timeout;
        errors += first.verdict == GenerationVerdict::Error;
    }
    switch (r.scoring) {
        case GenerationScoring::PythonTests:
            if (r.samples == 1) {
                r.metrics.push_back(accuracy_metric("pass_at_1", r.item_correct));
            } else {
                for (const int k : {1, 10, 100}) {
                    if (k > r.samples) break;
                    double sum = 0;
                    for (const GenerationItemResult& ir : r.items) sum += pass_at_k(r.samples, ir.n_pass, k);
                    r.metrics.push_back(Metric{fmt::format("pass_at_{}", k), 100.0 * sum / double(r.items.size())});
                }
            }
            r.metrics.push_back(Metric{"items_timeout", double(timeouts)});
            r.metrics.push_back(Metric{"items_error", double(errors)});
            break;
        case GenerationScoring::Gsm8k:
            r.metrics.push_back(accuracy_metric("exact_match", r.item_correct));
            r.metrics.push_back(accuracy_metric("exact_match_flexible", flexible));
            break;
        case GenerationScoring::ExactMatch:
        case GenerationScoring::Regex:
        case GenerationScoring::Contains:
            r.metrics.push_back(accuracy_metric("exact_match", r.item_correct));
            break;
    }
    r.metrics.push_back(Metric{"items", double(r.items.size())});
    if (r.tokens_generated > 0) {
        r.metrics.push_back(Metric{"gen_tokens", double(r.tokens_generated)});
        if (r.generate_seconds > 0) r.metrics.push_back(Metric{"gen_tps", double(r.tokens_generated) / r.generate_seconds});
    }
}

}  // namespace qs
