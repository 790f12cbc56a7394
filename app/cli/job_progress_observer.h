// What `eval` and `demo` show while a run goes: a progress bar per running job on stderr
// ("[i/n] PRECISION stage"), a line per message and per finished job. The runner calls it from
// worker threads, so every callback takes the mutex.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "jobs/job_observer.h"
#include "progress_bar.h"

namespace qs::cli {

class JobProgressObserver : public JobObserver {
public:
    // bars: draw progress bars (false under --quiet; the per-job lines still print).
    JobProgressObserver(bool bars, size_t n_jobs) : bars_(bars), n_jobs_(n_jobs) {}

    void job_started(const JobRecord& j) override;
    void job_progress(const JobRecord& j, const JobProgress& p) override;
    void job_message(const JobRecord& j, const std::string& message) override;
    void job_finished(const JobRecord& j) override;

    // Every message so far (skipped dataset lines, waits for memory), for the JSON output.
    std::vector<std::string> warnings();

private:
    std::mutex mutex_;
    bool bars_;
    size_t n_jobs_;
    std::map<int, std::unique_ptr<ProgressBar>> bars_by_job_;
    std::vector<std::string> warnings_;
};

}  // namespace qs::cli
