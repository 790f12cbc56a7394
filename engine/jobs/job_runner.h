// Runs an EvalMatrix's jobs on a small worker pool, writing each job to the results store the
// moment it ends.
//
//   qs::ResultsStore store("results.db");
//   qs::JobRunner runner(matrix, {.workers = 1, .store = &store, .observer = &my_observer});
//   qs::RunRecord run = runner.run();          // or start() now, wait() later (GUI)
//   runner.cancel_all();                       // from any thread
//
// Threading: `workers` std::threads take jobs in plan order; each sets its OpenMP team to
// threads / workers so operators inside a job do not oversubscribe the cores. A job whose
// dependency has not ended, or whose memory estimate does not fit beside the running jobs, waits;
// one that could never fit in the budget fails with a message saying so.
//
// Shared state: each precision's weights are prepared once (quantized in memory, or the model file
// itself when the precision is "file") and shared by that precision's jobs through a shared_ptr,
// released when its last job ends. The ppl text is tokenized once per run. The KLD base pass is
// collected by the baseline's perplexity job and kept until the last KLD job ends.
//
// Failure: a job that throws qs::Error ends Failed with the message; the others continue.
// Cancellation: cancel_job()/cancel_all() make the job's qs::Progress throw qs::Cancelled at its
// next safe point; a cancelled job ends Cancelled; jobs already finished stay in the store.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "jobs/job_matrix.h"
#include "jobs/job_observer.h"
#include "store/run_record.h"

namespace qs {

class ResultsStore;

struct RunnerOptions {
    int workers = 1;               // concurrent jobs
    int threads = 0;               // OpenMP threads in total, split between workers; 0 = every core
    uint64_t memory_budget = 0;    // bytes the running jobs may use together; 0 = 80 % of MemAvailable
    ResultsStore* store = nullptr; // where runs and jobs are written; nullptr = not stored
    JobObserver* observer = nullptr;
};

// What a job is expected to need in memory, for the budget.
struct JobMemoryEstimate {
    uint64_t weights = 0;      // the precision's weights (shared by its jobs, counted once)
    uint64_t kv_cache = 0;     // F16 KV cache of the job's context
    uint64_t scratch = 0;      // logits and forward scratch
    uint64_t kld_cache = 0;    // the KLD base cache it creates or reads
    uint64_t total() const { return weights + kv_cache + scratch + kld_cache; }
};

class JobRunner {
public:
    JobRunner(EvalMatrix matrix, RunnerOptions options);
    ~JobRunner();  // cancels what still runs and joins the workers
    JobRunner(const JobRunner&) = delete;
    JobRunner& operator=(const JobRunner&) = delete;

    // On the calling thread: plans the jobs, loads the model, tokenizes the --ppl text, loads every
    // task dataset and hashes the files (seconds for big inputs: a GUI calls this off its own
    // thread). Throws qs::Error for bad input (a bad matrix, model or text; a malformed dataset line
    // under BadLinePolicy::Stop, as "FILE:LINE: ...") before anything is stored. Then stores the
    // run with every job Queued, calls observer->run_started, starts the workers and returns.
    void start();
    // Blocks until every job has ended and the workers are joined; returns the run with every
    // job's final record (observer->run_finished has been called by then).
    RunRecord wait();
    // start() + wait().
    RunRecord run() { start(); return wait(); }

    // Thread-safe, also while start() is still preparing (cancel_all then cancels every job as
    // soon as they are planned); a queued job is cancelled before it starts.
    void cancel_job(int index);
    void cancel_all();

    // The jobs as planned (valid after start()).
    const std::vector<JobSpec>& jobs() const;
    // Each job's memory estimate (valid after start()), in plan order.
    const std::vector<JobMemoryEstimate>& memory_estimates() const;
    // How many times weights were prepared (quantized or loaded) in this run: one per precision used.
    int weights_prepared_count() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

// Bytes of memory the system can give (MemAvailable from /proc/meminfo), 0 when unknown.
uint64_t memory_available_bytes();

// Refuses a model whose weights alone need more memory than `available_bytes` (0 = unknown: no
// check), from its GGUF header before anything is loaded: qs::Error("<model>: its weights need
// 12.4 GiB but only 7.9 GiB of memory is available ..."). JobRunner::start() calls it first.
void require_memory_for_model(const std::string& model_path, uint64_t available_bytes);

}  // namespace qs
