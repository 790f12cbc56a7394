#include "serve/completion_queue.h"

#include <algorithm>
#include <optional>

#include <omp.h>

#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace qs {

CompletionQueue::CompletionQueue(std::shared_ptr<const Model> model, std::shared_ptr<const Tokenizer> tokenizer,
                                 const CompletionQueueOptions& options)
    : model_(std::move(model)), tokenizer_(std::move(tokenizer)), n_ctx_(options.n_ctx), max_pending_(options.max_pending) {
    const int workers = std::max(1, options.workers);
    const int total = options.threads > 0 ? options.threads : omp_get_max_threads();
    const int team = std::max(1, total / workers);

    // Sequences per worker: what was asked, within the KV budget and one pass per step (n_ubatch =
    // min(512, n_ctx) rows), then as many as the probe finds bit for bit.
    const ModelHParams& hp = model_->hparams();
    const uint64_t per_seq = uint64_t(hp.n_layer) * uint64_t(std::max(n_ctx_, 1)) * 2 * kv_cache_row_bytes(KvCacheType::F16, hp.n_embd_kv());
    const int asked = std::clamp(options.batch, 1, 512);
    batch_ = std::min({asked, int(std::clamp<uint64_t>(options.batch_kv_bytes / std::max<uint64_t>(per_seq, 1), 1, 512)),
                       std::min(512, std::max(n_ctx_, 1))});
    if (batch_ < asked)
        batch_limit_ = fmt::format("{} sequences of {} positions fit the KV budget of {} MiB", batch_, n_ctx_, options.batch_kv_bytes >> 20);
    const int wanted = batch_;
    const int caller_threads = omp_get_max_threads();
    omp_set_num_threads(team);  // the probe runs as a worker will (the caller's setting restored after)
    batch_ = batch_invariant_steps(model_, batch_);
    omp_set_num_threads(caller_threads);
    if (batch_ < wanted)
        batch_limit_ = fmt::format("{} would not decode bit for bit as each alone: the matrix kernels change with the number of rows",
                                   batch_ + 1);

    for (int w = 0; w < workers; ++w) workers_.emplace_back([this, team] { work(team); });
}

CompletionQueue::~CompletionQueue() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : workers_) t.join();
    for (CompletionJob& j : queue_) j.result.set_exception(std::make_exception_ptr(Error("server stopping")));
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
        queue_.push_back(CompletionJob{std::move(options), std::move(prompts), {}});
        f = queue_.back().result.get_future();
    }
    wake_.notify_one();
    return f;
}

void CompletionQueue::work(int team) {
    omp_set_num_threads(team);  // per thread: workers never oversubscribe the cores
    CompletionBatch batch(model_, tokenizer_, n_ctx_, batch_);
    for (;;) {
        std::optional<CompletionJob> job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || batch.busy() || !queue_.empty(); });
            if (stopping_ && !batch.busy()) return;
            if (!stopping_ && batch.has_room() && !queue_.empty()) {
                job.emplace(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        if (job) batch.admit(std::move(*job));
        if (batch.busy()) batch.step();
    }
}

}  // namespace qs
