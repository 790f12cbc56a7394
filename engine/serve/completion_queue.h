// Completions from many threads (the HTTP server's connection threads) run on one model: requests
// wait in a bounded FIFO queue, and `workers` threads take them. Each worker owns a CompletionBatch
// (serve/completion_batch.h): one KV cache of `batch` sequences whose generation steps it decodes
// together, a request joining at the next step when a sequence is free and leaving when it ends
// (continuous batching). A worker alternates: take at most one queued request (a scoring request,
// echo or max_tokens 0, runs whole then, alone), then one step (free sequences take waiting
// prompts, each prompt's passes alone; then one pass of every generating sequence); so scoring
// requests and new prompts interleave with the steps rather than stall them for long.
//
// A response never depends on what else was queued: prompts run from an empty sequence in the
// passes they get alone, and only as many sequences are batched as decode each row bit for bit as
// alone (batch_invariant_steps, probed once here); the same request always gets the same bytes.
// The OpenMP team of each worker (threads / workers) parallelises inside each pass.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/error.h"
#include "serve/completion_batch.h"

namespace qs {

class Model;

// submit() refused a request because `max_pending` are already waiting (HTTP 503).
class QueueFull : public Error {
public:
    using Error::Error;
};

struct CompletionQueueOptions {
    int n_ctx = 512;                         // positions per sequence
    int workers = 1;                         // threads, each with its own batch
    size_t max_pending = 64;                 // queued requests before submit() refuses
    int threads = 0;                         // OpenMP threads in total (0: every core), split between workers
    int batch = 8;                           // sequences a worker decodes together (1: one request at a time)
    uint64_t batch_kv_bytes = uint64_t(2) << 30;  // at most this much KV cache per worker (fewer sequences if needed)
};

class CompletionQueue {
public:
    // Probes how many sequences decode bit for bit together (batch_invariant_steps), then starts
    // the workers.
    CompletionQueue(std::shared_ptr<const Model> model, std::shared_ptr<const Tokenizer> tokenizer, const CompletionQueueOptions& options);
    ~CompletionQueue();  // finishes the admitted requests; waiting ones get qs::Error("server stopping")
    CompletionQueue(const CompletionQueue&) = delete;
    CompletionQueue& operator=(const CompletionQueue&) = delete;

    // Queues a request: `options` for every prompt. The future holds one output per prompt or the
    // qs::Error the request raised. Throws QueueFull when the queue is full.
    std::future<std::vector<CompletionOutput>> submit(CompletionRequest options, std::vector<std::vector<int32_t>> prompts);

    int n_ctx() const { return n_ctx_; }
    size_t pending() const;
    // Sequences each worker decodes together: the options' batch, capped by the KV budget and the probe.
    int batch() const { return batch_; }
    // What capped it ("" when nothing did), for the server's log.
    const std::string& batch_limit() const { return batch_limit_; }

private:
    void work(int team);

    std::shared_ptr<const Model> model_;
    std::shared_ptr<const Tokenizer> tokenizer_;
    int n_ctx_;
    size_t max_pending_;
    int batch_ = 1;
    std::string batch_limit_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<CompletionJob> queue_;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace qs
