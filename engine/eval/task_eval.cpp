// task_evaluate: item selection and the loop over items (scoring in task_scoring.cpp, token
// requests in task_requests.cpp, metrics in task_metrics.cpp).
#include "eval/task_eval.h"

#include <algorithm>
#include <chrono>
#include <fmt/format.h>

#include "core/error.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace qs {

TaskTokenization task_resolve_tokenization(const TaskDataset& dataset, TaskTokenization t) {
    if (t != TaskTokenization::Auto) return t;
    return dataset.format == "hellaswag-llamacpp" ? TaskTokenization::LlamaCpp : TaskTokenization::LmEval;
}

std::vector<size_t> task_select_items(const TaskDataset& dataset, const TaskEvalOptions& options) {
    if (options.limit < 0) throw Error(fmt::format("{}: task limit {} must not be negative", dataset.path, options.limit));
    const size_t n = dataset.items.size();
    const size_t limit = options.limit == 0 ? n : std::min(n, size_t(options.limit));
    if (options.sampling == TaskSampling::LlamaCppHellaswag) return dataset_sample_llamacpp_hellaswag(n, limit);
    if (options.sampling == TaskSampling::SeededRandomOrder) return dataset_sample_random_order(n, limit, options.seed);
    return dataset_sample(n, limit, options.seed);
}

TaskResult task_evaluate(ModelContext& ctx, const Tokenizer& tokenizer, const TaskDataset& dataset,
                         const TaskEvalOptions& options, Progress& progress) {
    if (dataset.items.empty()) throw Error(fmt::format("{}: the task dataset has no item", dataset.path));
    if (dataset.kind == TaskKind::Generation)
        throw Error(fmt::format("{}: format '{}' is a generation task (eval/generation_eval.h), not a log-likelihood one",
                                dataset.path, dataset.format));
    if (options.calibration_bins <= 0 || options.calibration_mass_bins <= 0)
        throw Error(fmt::format("{}: calibration bin counts must be positive", dataset.path));

    TaskResult result;
    result.dataset = dataset.name;
    result.format = dataset.format;
    result.kind = dataset.kind;
    result.tokenization = task_resolve_tokenization(dataset, options.tokenization);
    result.primary = options.primary.value_or(result.tokenization == TaskTokenization::LlamaCpp ? TaskScore::PerToken
                                                                                               : TaskScore::Raw);
    result.n_ctx = ctx.n_ctx();

    const std::vector<size_t> order = task_select_items(dataset, options);
    const auto t0 = std::chrono::steady_clock::now();
    progress.begin(int64_t(order.size()), "task items");
    result.items.reserve(order.size());
    for (size_t index : order) {
        progress.check_cancel();
        const TaskItem& item = dataset.items[index];
        const std::vector<TaskRequest> requests = task_item_requests(tokenizer, item, result.tokenization, result.n_ctx);
        TaskItemResult r;
        r.item_index = index;
        r.gold = item.gold;
        r.choices = task_score_requests(ctx, requests, &result.tokens_evaluated);
        for (const TaskRequest& q : requests) r.truncated = std::max(r.truncated, q.truncated);
        if (options.stop_after_item) task_item_predict(r, item, result.kind, result.primary);
        result.items.push_back(std::move(r));
        progress.advance();
        if (options.stop_after_item && options.stop_after_item(result.items)) break;
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    task_finish(result, dataset, options);
    return result;
}

}  // namespace qs
