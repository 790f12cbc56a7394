// Completions from many threads (the HTTP server's connection threads) run on one model: requests
// wait in a bounded FIFO queue and `workers` threads, each with its own ModelContext (KV cache),
// take them in turn. Each request runs from an empty cache, so a response never depends on what
// else was queued: the same request always gets the same log-probs.
//
// The prompts of one request run together (completion_run_prompts: their common prefix decoded
// once). Different requests are not batched into one forward pass (ModelContext::decode_batch
// could, for generation; echoed log-probs would then have to stay those of the request alone);
// the OpenMP team of each worker (threads / workers) parallelises inside one.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/error.h"
#include "serve/completion.h"

namespace qs {

class Model;

// submit() refused a request because `max_pending` are already waiting (HTTP 503).
class QueueFull : public Error {
public:
    using Error::Error;
};

class CompletionQueue {
public:
    // Starts the workers. threads: OpenMP threads in total (0: every core), split between workers.
    CompletionQueue(std::shared_ptr<const Model> model, std::shared_ptr<const Tokenizer> tokenizer, int n_ctx,
                    int workers = 1, size_t max_pending = 64, int threads = 0);
    ~CompletionQueue();  // finishes the running requests; waiting ones get qs::Error("server stopping")
    CompletionQueue(const CompletionQueue&) = delete;
    CompletionQueue& operator=(const CompletionQueue&) = delete;

    // Queues a request: `options` for every prompt. The future holds one output per prompt or the
    // qs::Error the request raised. Throws QueueFull when the queue is full.
    std::future<std::vector<CompletionOutput>> submit(CompletionRequest options, std::vector<std::vector<int32_t>> prompts);

    int n_ctx() const { return n_ctx_; }
    size_t pending() const;

private:
    struct Job {
        CompletionRequest options;
        std::vector<std::vector<int32_t>> prompts;
        std::promise<std::vector<CompletionOutput>> result;
    };
    void work(int team);

    std::shared_ptr<const Model> model_;
    std::shared_ptr<const Tokenizer> tokenizer_;
    int n_ctx_;
    size_t max_pending_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Job> queue_;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace qs
