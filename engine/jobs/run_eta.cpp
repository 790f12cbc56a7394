#include "jobs/run_eta.h"

#include <algorithm>

#include "jobs/job_matrix.h"

namespace qs {
namespace {

// Fraction of a stage done before its own pace is trusted over what other jobs measured.
constexpr double kTrustFraction = 0.03;

bool same_work(const JobRecord& a, const JobRecord& b) { return a.evaluator == b.evaluator && a.dataset == b.dataset; }

// A KLD job makes the forward passes of a perplexity job on the same text (and compares the logits).
bool similar_work(const JobRecord& a, const JobRecord& b) {
    return a.evaluator == EvaluatorKind::Kld && b.evaluator == EvaluatorKind::Perplexity && a.dataset == b.dataset;
}

}  // namespace

RunEta::RunEta(const std::vector<JobRecord>& jobs, int workers) : workers_(std::max(1, workers)) {
    for (const JobRecord& r : jobs) {
        Job j;
        j.record = r;
        j.ended = r.status == JobStatus::Done || r.status == JobStatus::Failed || r.status == JobStatus::Cancelled;
        jobs_.push_back(std::move(j));
    }
}

int RunEta::find(int index) const {
    for (size_t i = 0; i < jobs_.size(); ++i)
        if (jobs_[i].record.index == index) return int(i);
    return -1;
}

void RunEta::job_started(int index, double now) {
    const int i = find(index);
    if (i < 0 || jobs_[size_t(i)].started) return;
    Job& j = jobs_[size_t(i)];
    j.started = true;
    j.started_at = now;
    j.stage_started_at = now;
    j.reported_at = now;
}

void RunEta::job_progress(int index, const std::string& stage, double fraction, double now) {
    const int i = find(index);
    if (i < 0 || jobs_[size_t(i)].ended) return;
    if (!jobs_[size_t(i)].started) job_started(index, now);
    Job& j = jobs_[size_t(i)];
    if (stage != j.stage) {
        if (j.stage == kPrepareStage) j.prepare_seconds += now - j.stage_started_at;
        j.stage = stage;
        j.stage_started_at = now;
    }
    j.fraction = std::clamp(fraction, 0.0, 1.0);
    j.reported_at = now;
}

void RunEta::job_ended(int index, JobStatus status, double now) {
    const int i = find(index);
    if (i < 0 || jobs_[size_t(i)].ended) return;
    Job& j = jobs_[size_t(i)];
    j.ended = true;
    j.record.status = status;
    if (!j.started) return;  // cancelled (or refused) before it ran: nothing measured
    if (j.stage == kPrepareStage) j.prepare_seconds += now - j.stage_started_at;
    if (status == JobStatus::Done) j.eval_seconds = std::max(0.0, now - j.started_at - j.prepare_seconds);
}

bool RunEta::precision_prepared(const std::string& precision) const {
    return std::any_of(jobs_.begin(), jobs_.end(), [&](const Job& j) { return j.started && j.record.precision == precision; });
}

double RunEta::expected_prepare() const {
    // Measured on the first job of each precision (the one that prepares it) once it is past that.
    double sum = 0;
    int n = 0;
    std::vector<std::string> seen;
    for (const Job& j : jobs_) {
        if (!j.started || j.record.precision == kPrecisionFile) continue;
        if (std::find(seen.begin(), seen.end(), j.record.precision) != seen.end()) continue;
        seen.push_back(j.record.precision);
        const bool past = j.ended ? j.record.status == JobStatus::Done : !j.stage.empty() && j.stage != kPrepareStage;
        if (past) sum += j.prepare_seconds, ++n;
    }
    if (n) return sum / n;
    for (const Job& j : jobs_)  // one being prepared now, at its pace
        if (!j.ended && j.stage == kPrepareStage && j.fraction >= kTrustFraction) return (j.reported_at - j.stage_started_at) / j.fraction;
    return -1;
}

double RunEta::projected_eval(const Job& j) const {
    if (!j.started || j.ended || j.stage.empty() || j.stage == kPrepareStage || j.fraction < kTrustFraction) return -1;
    const double before = std::max(0.0, j.stage_started_at - j.started_at - j.prepare_seconds);
    return before + (j.reported_at - j.stage_started_at) / j.fraction;
}

double RunEta::expected_eval(const Job& job) const {
    // Measured on ended jobs of the same kind of work, then of similar work.
    for (auto like : {same_work, similar_work}) {
        double sum = 0;
        int n = 0;
        for (const Job& j : jobs_)
            if (j.ended && j.eval_seconds >= 0 && like(job.record, j.record)) sum += j.eval_seconds, ++n;
        if (n) return sum / n;
    }
    // Projected from a running job of that kind.
    for (auto like : {same_work, similar_work})
        for (const Job& j : jobs_)
            if (&j != &job && like(job.record, j.record))
                if (const double p = projected_eval(j); p >= 0) return p;
    // Any measurement at all.
    double sum = 0;
    int n = 0;
    for (const Job& j : jobs_)
        if (j.ended && j.eval_seconds >= 0) sum += j.eval_seconds, ++n;
    if (n) return sum / n;
    for (const Job& j : jobs_)
        if (const double p = projected_eval(j); p >= 0) return p;
    return -1;
}

// `preparing`: precisions whose preparation is already counted by an earlier queued job.
double RunEta::remaining_of(const Job& j, double now, std::vector<std::string>& preparing) const {
    if (j.ended) return 0;
    double prepare = 0;
    double eval_elapsed = 0;
    if (j.started) {
        if (j.stage == kPrepareStage) {
            const double in_stage = now - j.stage_started_at;
            const double total = j.fraction >= kTrustFraction ? (j.reported_at - j.stage_started_at) / j.fraction : expected_prepare();
            if (total < 0) return -1;
            prepare = std::max(0.0, total - in_stage);
        } else {
            eval_elapsed = std::max(0.0, now - j.started_at - j.prepare_seconds);
            if (const double own = projected_eval(j); own >= 0) return std::max(0.0, own - eval_elapsed);
        }
    } else if (j.record.precision != kPrecisionFile && !precision_prepared(j.record.precision) &&
               std::find(preparing.begin(), preparing.end(), j.record.precision) == preparing.end()) {
        preparing.push_back(j.record.precision);
        prepare = expected_prepare();
        if (prepare < 0) return -1;
    }
    const double eval = expected_eval(j);
    if (eval < 0) return -1;
    return prepare + std::max(0.0, eval - eval_elapsed);
}

double RunEta::remaining_seconds(double now) const {
    double shared = 0, alone = 0;  // bench jobs run alone: their time is not divided among workers
    std::vector<std::string> preparing;
    for (const Job& j : jobs_) {
        const double r = remaining_of(j, now, preparing);
        if (r < 0) return -1;
        (j.record.evaluator == EvaluatorKind::Bench ? alone : shared) += r;
    }
    return shared / workers_ + alone;
}

double RunEta::job_remaining_seconds(int index, double now) const {
    const int i = find(index);
    if (i < 0) return -1;
    std::vector<std::string> preparing;
    return remaining_of(jobs_[size_t(i)], now, preparing);
}

}  // namespace qs
