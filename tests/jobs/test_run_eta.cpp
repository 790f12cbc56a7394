// RunEta fed with invented times: each expectation is worked out by hand from the rules in
// run_eta.h (no timing of this machine is involved).
#include <gtest/gtest.h>

#include "jobs/run_eta.h"

namespace {

using qs::EvaluatorKind;
using qs::JobStatus;

qs::JobRecord job(int index, const std::string& precision, EvaluatorKind kind, const std::string& dataset) {
    qs::JobRecord j;
    j.index = index;
    j.precision = precision;
    j.evaluator = kind;
    j.dataset = dataset;
    return j;
}

// Two precisions as plan_jobs orders them: the baseline's perplexity and task jobs, then the
// other precision's perplexity, KLD and task jobs.
std::vector<qs::JobRecord> two_precisions() {
    return {job(0, "F16", EvaluatorKind::Perplexity, "wiki"), job(1, "F16", EvaluatorKind::Task, "arc"),
            job(2, "Q8_0", EvaluatorKind::Perplexity, "wiki"), job(3, "Q8_0", EvaluatorKind::Kld, "wiki"),
            job(4, "Q8_0", EvaluatorKind::Task, "arc")};
}

}  // namespace

TEST(RunEta, UnknownUntilSomethingIsMeasured) {
    qs::RunEta eta(two_precisions(), 1);
    EXPECT_EQ(eta.remaining_seconds(0), -1);
    eta.job_started(0, 0);
    eta.job_progress(0, "quantize", 0.0, 0.1);
    EXPECT_EQ(eta.remaining_seconds(0.5), -1);  // preparing, pace not known yet
}

TEST(RunEta, ProjectsFromTheRunningJobThenFromMeasuredKinds) {
    qs::RunEta eta(two_precisions(), 1);
    // Job 0: preparing F16 takes 0..2 s, then its perplexity runs at 10 % per second.
    eta.job_started(0, 0);
    eta.job_progress(0, "quantize", 0.0, 0);
    eta.job_progress(0, "quantize", 1.0, 2);
    eta.job_progress(0, "perplexity", 0.0, 2);
    eta.job_progress(0, "perplexity", 0.5, 7);
    // At 7 s: job 0 projects 10 s of evaluation, 5 s done -> 5 left. Nothing else is measured, so
    // every other job is expected to evaluate for 10 s too; Q8_0 needs preparing (2 s, as F16 did).
    // 5 + 10 (task) + (2 + 10) (Q8_0 ppl) + 10 (kld) + 10 (task) = 47.
    EXPECT_NEAR(eta.job_remaining_seconds(0, 7), 5, 1e-9);
    EXPECT_NEAR(eta.remaining_seconds(7), 47, 1e-9);
    EXPECT_TRUE(eta.rough());  // the task jobs are guessed from the perplexity job
    // Between reports the estimate counts down.
    EXPECT_NEAR(eta.remaining_seconds(8), 46, 1e-9);

    // Job 0 ends at 12 (10 s of evaluation). Job 1, the task, runs 4x faster: 25 % after 1 s.
    eta.job_ended(0, JobStatus::Done, 12);
    eta.job_started(1, 12);
    eta.job_progress(1, "task", 0.0, 12);
    eta.job_progress(1, "task", 0.25, 13);
    // Task 3 s left (own pace); Q8_0 ppl 2 + 10 (measured perplexity); KLD 10 (like perplexity on
    // the same text); Q8_0 task 4 (projected from the running task job): 3 + 12 + 10 + 4 = 29.
    EXPECT_NEAR(eta.remaining_seconds(13), 29, 1e-9);
    EXPECT_FALSE(eta.rough());  // every kind left has a measure: perplexity (and KLD like it), task

    eta.job_ended(1, JobStatus::Done, 16);
    // Q8_0's perplexity job starts and prepares: prepared precisions are not counted twice.
    eta.job_started(2, 16);
    eta.job_progress(2, "quantize", 0.0, 16);
    eta.job_progress(2, "quantize", 0.5, 17);
    // 1 s of preparation left (own pace) + 10; KLD 10; task 4 (measured): 25.
    EXPECT_NEAR(eta.remaining_seconds(17), 25, 1e-9);
    eta.job_progress(2, "perplexity", 0.0, 18);
    eta.job_ended(2, JobStatus::Done, 26);  // 8 s of evaluation
    // KLD: like Q8_0's own perplexity job, 8; task: F16's 4 s. (F16's perplexity job also kept the
    // KLD base pass: it says nothing of how fast F16 is against Q8_0.)
    EXPECT_NEAR(eta.remaining_seconds(26), 8 + 4, 1e-9);
    // Cancelled jobs are not measurements, and they take no more time.
    eta.job_started(3, 26);
    eta.job_progress(3, "kld", 0.01, 26.5);
    eta.job_ended(3, JobStatus::Cancelled, 27);
    eta.job_ended(4, JobStatus::Cancelled, 27);
    EXPECT_EQ(eta.remaining_seconds(27), 0);
}

TEST(RunEta, OtherPrecisionsAreScaledByTheMeasuredSpeedRatio) {
    // No KLD: every perplexity job is a measure of its precision's speed.
    qs::RunEta eta({job(0, "file", EvaluatorKind::Perplexity, "wiki"), job(1, "file", EvaluatorKind::Task, "arc"),
                    job(2, "F16", EvaluatorKind::Perplexity, "wiki"), job(3, "F16", EvaluatorKind::Task, "arc")},
                   1);
    double t = 0;
    auto run = [&](int index, double seconds) {
        eta.job_started(index, t);
        eta.job_progress(index, "perplexity", 0.0, t);
        t += seconds;
        eta.job_ended(index, JobStatus::Done, t);
    };
    run(0, 10);
    run(1, 5);
    EXPECT_EQ(eta.remaining_seconds(t), -1);  // how long preparing F16 takes is not known yet
    // F16's first job: 1 s of preparation, then twice the time the file's own type took.
    eta.job_started(2, t);
    eta.job_progress(2, "quantize", 0.0, t);
    t += 1;
    eta.job_progress(2, "perplexity", 0.0, t);
    t += 20;
    eta.job_ended(2, JobStatus::Done, t);
    EXPECT_NEAR(eta.remaining_seconds(t), 5 * 2.0, 1e-9);
}

TEST(RunEta, WorkersShareTheWorkButBenchJobsRunAlone) {
    std::vector<qs::JobRecord> jobs = {job(0, "file", EvaluatorKind::Perplexity, "wiki"),
                                       job(1, "file", EvaluatorKind::Perplexity, "wiki2"),
                                       job(2, "file", EvaluatorKind::Bench, "")};
    qs::RunEta eta(jobs, 2);
    eta.job_started(0, 0);
    eta.job_progress(0, "perplexity", 0.0, 0);
    eta.job_ended(0, JobStatus::Done, 6);  // the model file as it is: no preparation
    // Job 1 (6 s, by the only measurement) shared by 2 workers; the bench job (6 s) alone.
    EXPECT_NEAR(eta.remaining_seconds(6), 6 / 2.0 + 6, 1e-9);
}

// The first report of a stage can come when part of it is done (reports are throttled): the pace
// is measured from that report on, not as if the stage had begun then.
TEST(RunEta, AStageFirstSeenHalfwayIsPacedFromThere) {
    qs::RunEta eta({job(0, "file", EvaluatorKind::Task, "arc")}, 1);
    eta.job_started(0, 0);
    eta.job_progress(0, "task items", 0.3, 10);
    EXPECT_EQ(eta.remaining_seconds(10), -1);  // one report: no pace yet
    eta.job_progress(0, "task items", 0.4, 11);
    // 10 % per second: 6 s left at 11 s, 5 s at 12 s.
    EXPECT_NEAR(eta.remaining_seconds(11), 6, 1e-9);
    EXPECT_NEAR(eta.remaining_seconds(12), 5, 1e-9);
}
