#include "serve/completion_queue.h"

#include <algorithm>

#include <omp.h>

#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace qs {

CompletionQueue::CompletionQueue(std::shared_ptr<const Model> model, std::shared_ptr<const Tokenizer> tokenizer, int n_ctx,
                                 int workers, size_t max_pending, int threads)
    : model_(std::move(model)), tokenizer_(std::move(tokenizer)), n_ctx_(n_ctx), max_pending_(max_pending) {
    workers = std::max(1, workers);
    const int total = threads > 0 ? threads : omp_get_max_threads();
    const int team = std::max(1, total / workers);
    for (int w = 0; w < workers; ++w) workers_.emplace_back([this, team] { work(team); });
}

CompletionQueue::~CompletionQueue() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : workers_) t.join();
    for (Job& j : queue_) j.result.set_exception(std::make_exception_ptr(Error("server stopping")));
}

size_t CompletionQueue::pending() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

std::future<std::vector<CompletionOutput>> CompletionQueue::submit(CompletionRequest options, std::vector<std::vector<int32_t>> prompts) {
    std::future<std::vector<CompletionOutput>> f;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) throw Error("server stopping");
        if (queue_.size() >= max_pending_)
            throw QueueFull(fmt::format("server busy: {} requests are already waiting; retry later", queue_.size()));
        queue_.push_back(Job{std::move(options), std::move(prompts), {}});
        f = queue_.back().result.get_future();
    }
    wake_.notify_one();
    return f;
}

void CompletionQueue::work(int team) {
    omp_set_num_threads(team);  // per thread: workers never oversubscribe the cores
    ModelContext ctx(model_, n_ctx_);
    for (;;) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            job = std::move(queue_.front());
            queue_.pop_front();
        }
        try {
            job.result.set_value(completion_run_prompts(ctx, *tokenizer_, job.options, job.prompts));
        } catch (...) {
            job.result.set_exception(std::current_exception());
        }
    }
}

}  // namespace qs
