// Progress reporting and cooperative cancellation for long work (perplexity, quantization, jobs).
//
// Long-running engine functions take a `Progress&`. They call `advance(n)` as work completes and
// `check_cancel()` at safe points; the latter throws qs::Cancelled once `cancel()` was called from
// any thread. The callback runs on the worker thread: front ends must forward it to their own
// thread (the CLI draws a bar on stderr; the GUI posts a queued signal).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "core/error.h"

namespace qs {

class Progress {
public:
    // done and total are in the unit the work counts (tokens, tensors, tasks).
    using Callback = std::function<void(int64_t done, int64_t total, const std::string& stage)>;

    Progress() = default;
    explicit Progress(Callback cb) : cb_(std::move(cb)) {}

    void begin(int64_t total, std::string stage) {
        total_ = total;
        done_ = 0;
        stage_ = std::move(stage);
        notify();
    }
    void advance(int64_t n = 1) {
        done_ += n;
        notify();
    }
    void cancel() { cancelled_.store(true, std::memory_order_relaxed); }
    bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }
    void check_cancel() const {
        if (cancelled()) throw Cancelled();
    }
    int64_t done() const { return done_; }
    int64_t total() const { return total_; }

private:
    void notify() const {
        if (cb_) cb_(done_, total_, stage_);
    }
    Callback cb_;
    std::atomic<bool> cancelled_{false};
    int64_t done_ = 0, total_ = 0;
    std::string stage_;
};

}  // namespace qs
