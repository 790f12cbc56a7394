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
        // The first report of a stage may come after some of it is done: its pace is measured
        // from here on.
        j.stage_start_fraction = std::clamp(fraction, 0.0, 1.0);
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
        if (j.stage == kPrepareStage)
            if (const double left = stage_left_at_report(j); left >= 0) return j.reported_at - j.stage_started_at + left;
    return -1;
}

double RunEta::stage_left_at_report(const Job& j) const {
    const double done = j.fraction - j.stage_start_fraction;
    if (!j.started || j.ended || j.stage.empty() || done < kTrustFraction || j.reported_at <= j.stage_started_at) return -1;
    return (1.0 - j.fraction) * (j.reported_at - j.stage_started_at) / done;
}

double RunEta::projected_eval(const Job& j) const {
    if (j.stage == kPrepareStage) return -1;
    const double left = stage_left_at_report(j);
    if (left < 0) return -1;
    return std::max(0.0, j.reported_at - j.started_at - j.prepare_seconds) + left;
}

bool RunEta::measured(const Job& j) const { return j.ended && j.eval_seconds >= 0; }

bool RunEta::measured_like(const Job& job) const {
    return std::any_of(jobs_.begin(), jobs_.end(), [&](const Job& j) { return measured(j) && same_work(job.record, j.record); });
}

bool RunEta::collects_kld_base(const Job& j) const {
    // plan_jobs puts the baseline first; its perplexity job also keeps the base pass the KLD jobs
    // compare against, extra work no other perplexity job does.
    return j.record.evaluator == EvaluatorKind::Perplexity && j.record.precision == jobs_.front().record.precision &&
           std::any_of(jobs_.begin(), jobs_.end(), [&](const Job& k) { return similar_work(k.record, j.record); });
}

double RunEta::speed_ratio(const std::string& p, const std::string& q) const {
    double sum = 0;
    int n = 0;
    for (const Job& a : jobs_)
        if (measured(a) && a.record.precision == p && !collects_kld_base(a))
            for (const Job& b : jobs_)
                if (measured(b) && b.record.precision == q && same_work(a.record, b.record) && b.eval_seconds > 0 &&
                    !collects_kld_base(b))
                    sum += a.eval_seconds / b.eval_seconds, ++n;
    return n ? sum / n : 1.0;
}

double RunEta::expected_eval(const Job& job) const {
    // Measured on ended jobs of the same kind of work, then of similar work: of the same precision
    // if there are some, else of the others, scaled by how this precision's speed compares with
    // theirs on work both have done.
    for (auto like : {same_work, similar_work}) {
        double same = 0, other = 0;
        int n_same = 0, n_other = 0;
        for (const Job& j : jobs_) {
            if (!measured(j) || !like(job.record, j.record)) continue;
            if (j.record.precision == job.record.precision) same += j.eval_seconds, ++n_same;
            else other += j.eval_seconds * speed_ratio(job.record.precision, j.record.precision), ++n_other;
        }
        if (n_same) return same / n_same;
        if (n_other) return other / n_other;
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
        if (measured(j)) sum += j.eval_seconds, ++n;
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
            const double left = stage_left_at_report(j);
            const double total = left >= 0 ? j.reported_at - j.stage_started_at + left : expected_prepare();
            if (total < 0) return -1;
            prepare = std::max(0.0, total - (now - j.stage_started_at));
        } else {
            eval_elapsed = std::max(0.0, now - j.started_at - j.prepare_seconds);
            // Its own pace, unless it is a bench job (several stages: the current one's pace says
            // little of the rest) and a bench job has been measured.
            const double own = projected_eval(j);
            const bool prefer_measured = j.record.evaluator == EvaluatorKind::Bench && measured_like(j);
            if (own >= 0 && !prefer_measured) return std::max(0.0, own - eval_elapsed);
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

bool RunEta::rough() const {
    auto paced = [&](const Job& j) { return measured(j) || projected_eval(j) >= 0; };
    for (const Job& job : jobs_) {
        if (job.ended) continue;
        const bool known = std::any_of(jobs_.begin(), jobs_.end(), [&](const Job& j) {
            return paced(j) && (same_work(job.record, j.record) || similar_work(job.record, j.record));
        });
        if (!known) return true;
    }
    return false;
}

double RunEta::job_remaining_seconds(int index, double now) const {
    const int i = find(index);
    if (i < 0) return -1;
    std::vector<std::string> preparing;
    return remaining_of(jobs_[size_t(i)], now, preparing);
}

}  // namespace qs
