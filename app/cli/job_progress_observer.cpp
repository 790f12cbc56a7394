#include "job_progress_observer.h"

#include <cstdio>

#include <fmt/format.h>

namespace qs::cli {

void JobProgressObserver::job_started(const JobRecord& j) {
    std::lock_guard lock(mutex_);
    bars_by_job_[j.index] = std::make_unique<ProgressBar>(bars_);
}

void JobProgressObserver::job_progress(const JobRecord& j, const JobProgress& p) {
    std::lock_guard lock(mutex_);
    auto it = bars_by_job_.find(j.index);
    if (it == bars_by_job_.end()) return;
    it->second->callback()(p.done, p.total, fmt::format("[{}/{}] {} {}", j.index + 1, n_jobs_, j.precision, p.stage));
}

void JobProgressObserver::job_message(const JobRecord& j, const std::string& message) {
    std::lock_guard lock(mutex_);
    warnings_.push_back(message);
    std::fprintf(stderr, "[%d/%zu] %s\n", j.index + 1, n_jobs_, message.c_str());
}

void JobProgressObserver::job_finished(const JobRecord& j) {
    std::lock_guard lock(mutex_);
    bars_by_job_.erase(j.index);  // finishes its line
    const std::string what = j.status == JobStatus::Failed ? ": " + j.error : "";
    const std::string dataset = j.dataset.empty() ? "" : " " + j.dataset;
    std::fprintf(stderr, "[%d/%zu] %s %s%s: %s (%.1f s)%s\n", j.index + 1, n_jobs_, j.precision.c_str(),
                 evaluator_name(j.evaluator), dataset.c_str(), job_status_name(j.status), j.seconds, what.c_str());
    std::fflush(stderr);
}

std::vector<std::string> JobProgressObserver::warnings() {
    std::lock_guard lock(mutex_);
    return warnings_;
}

}  // namespace qs::cli
