// The time a run has left, from rates measured on the run itself.
//
// A job's time is its precision's weight preparation (the "quantize" stage, once per precision:
// the first job of a precision pays it) plus its evaluation. Both are measured as the run goes:
//   - preparation: the seconds each precision's "quantize" stage took; a precision not prepared
//     yet is expected to take the mean of those (or the projection of one being prepared now);
//   - evaluation: per kind of work, i.e. evaluator x dataset (a KLD job is first predicted by the
//     perplexity job on the same text: the same forward passes), the mean evaluation seconds of
//     the jobs of that kind that ended done: of the same precision when there are some, else of
//     other precisions scaled by the measured speed ratio of the two precisions on work both have
//     done (Q8_0 runs faster than F16 on most CPUs; the baseline's perplexity job, which also keeps
//     the KLD base pass, is no measure of its precision's speed); else the projection of one running (its
//     evaluation time so far / the fraction of its stage done); else the mean over every kind.
// A running job is predicted from its own pace once a few percent of its stage is done. The
// remaining work of the jobs not yet ended is divided among the workers (bench jobs run alone).
// Before anything is measured the estimate is unknown (-1).
//
// The caller gives the time (seconds since any fixed origin) with every call, so the estimator is
// deterministic and needs no clock: the GUI's job queue model feeds it from the runner's observer
// callbacks; tests feed it invented times.
#pragma once

#include <string>
#include <vector>

#include "store/run_record.h"

namespace qs {

class RunEta {
public:
    // The stage name of weight preparation in JobProgress::stage.
    static constexpr const char* kPrepareStage = "quantize";

    RunEta() = default;
    // The run's jobs as planned (index, precision, evaluator, dataset are used); workers > 0.
    RunEta(const std::vector<JobRecord>& jobs, int workers);

    void job_started(int index, double now);
    // `fraction` of the named stage is done (0..1).
    void job_progress(int index, const std::string& stage, double fraction, double now);
    // The job ended however it ended; only Done jobs are used as measurements.
    void job_ended(int index, JobStatus status, double now);

    // Seconds until every job has ended, -1 when nothing has been measured yet; 0 when all ended.
    double remaining_seconds(double now) const;
    // Seconds until job `index` ends, counted from when it starts (0 once ended, -1 unknown).
    double job_remaining_seconds(int index, double now) const;
    // True while some job left is of a kind of work nothing has measured yet (neither an ended job
    // nor the pace of a running one): remaining_seconds() then guesses it from other kinds.
    bool rough() const;

private:
    struct Job {
        JobRecord record;
        bool started = false, ended = false;
        double started_at = 0;
        std::string stage;
        double stage_started_at = 0;
        double fraction = 0;          // of the current stage
        double stage_start_fraction = 0;  // its fraction when the stage was first reported
        double reported_at = 0;       // when `fraction` was reported (paces are measured up to then)
        double prepare_seconds = 0;   // time spent in kPrepareStage
        double eval_before_stage = 0; // evaluation seconds of the stages before the current one
        double eval_seconds = -1;     // once ended: its total evaluation seconds
    };
    int find(int index) const;
    bool precision_prepared(const std::string& precision) const;
    bool measured(const Job& j) const;      // ended done: its evaluation seconds are a measurement
    bool collects_kld_base(const Job& j) const;  // the baseline's perplexity job in a run with KLD jobs
    // Evaluation time of precision p over that of q on the same kinds of work (1 when none in common).
    double speed_ratio(const std::string& p, const std::string& q) const;
    double expected_prepare() const;        // -1 unknown
    double expected_eval(const Job& job) const;  // -1 unknown
    double projected_eval(const Job& job) const; // -1 when too early to tell
    // Seconds the current stage still needed when last reported, at its pace since it was first
    // reported; -1 when too early to tell.
    double stage_left_at_report(const Job& j) const;
    bool measured_like(const Job& job) const;    // a job of the same kind of work has been measured
    double remaining_of(const Job& job, double now, std::vector<std::string>& preparing) const;

    std::vector<Job> jobs_;
    int workers_ = 1;
};

}  // namespace qs
