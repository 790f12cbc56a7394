// Callbacks a front end implements to follow a run. They are called ON WORKER THREADS (and on the
// thread that calls JobRunner::start for run_started): implementations must be thread-safe and
// quick, and forward to their own thread (the GUI wraps them into queued Qt signals; the CLI
// draws on stderr under a mutex). Every JobRecord passed is a copy the observer may keep.
#pragma once

#include <cstdint>
#include <string>

#include "store/run_record.h"

namespace qs {

struct JobProgress {
    int64_t done = 0, total = 0;  // units of the current stage (tokens, items, tensor bytes)
    std::string stage;            // "quantize", "tokenize", "perplexity", "kld-base", "kld", "task", "bench"
    double elapsed_seconds = 0;   // since the stage began
    double eta_seconds = -1;      // remaining time of the stage, -1 when unknown
};

class JobObserver {
public:
    virtual ~JobObserver() = default;
    // The run and its jobs (all Queued, with their store ids) are stored.
    virtual void run_started(const RunRecord& run) { (void)run; }
    virtual void job_started(const JobRecord& job) { (void)job; }
    virtual void job_progress(const JobRecord& job, const JobProgress& progress) { (void)job, (void)progress; }
    // Done, Failed or Cancelled; already written to the store when this is called.
    virtual void job_finished(const JobRecord& job) { (void)job; }
    // Something the user must see that is not a failure: "skipped FILE:LINE: ..." (a malformed
    // dataset line under BadLinePolicy::Skip, once per dataset), "waiting for memory: ...".
    virtual void job_message(const JobRecord& job, const std::string& message) { (void)job, (void)message; }
    // Every job has ended (run.jobs holds their final records, run.finished_at is set and stored).
    // Called on the worker that ended the last job: no thread needs to block in JobRunner::wait().
    virtual void run_finished(const RunRecord& run) { (void)run; }
};

}  // namespace qs
