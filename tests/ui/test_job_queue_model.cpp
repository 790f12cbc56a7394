#include <QAbstractItemModelTester>
#include <gtest/gtest.h>

#include "job_queue_model.h"

using namespace qs;
using namespace qs::ui;

TEST(JobQueueModel, TracksStatusProgressAndTheOverallFraction) {
    JobQueueModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Warning);
    double t = 0;
    model.set_clock([&t] { return t; });
    std::vector<JobRecord> jobs(4);
    for (int i = 0; i < 4; ++i) jobs[i].index = i, jobs[i].precision = "file", jobs[i].dataset = "wiki";
    model.set_jobs(jobs);
    ASSERT_EQ(model.rowCount(), 4);
    EXPECT_DOUBLE_EQ(model.overall_fraction(), 0.0);
    EXPECT_LT(model.overall_eta_seconds(), 0);  // nothing known yet

    jobs[0].status = JobStatus::Running;
    model.update_job(jobs[0]);
    model.set_progress(0, 0.0, "perplexity", -1);
    t = 10;
    jobs[0].status = JobStatus::Done;
    jobs[0].seconds = 10;
    model.update_job(jobs[0]);
    jobs[1].status = JobStatus::Running;
    model.update_job(jobs[1]);
    model.set_progress(1, 0.0, "perplexity", -1);
    t = 12;
    model.set_progress(1, 0.5, "perplexity", 2);
    EXPECT_DOUBLE_EQ(model.overall_fraction(), (1.0 + 0.5) / 4);
    // The running job is half done after 2 s: 2 s left; the two waiting jobs take the 10 s the
    // ended one measured (RunEta, on the model's clock).
    EXPECT_DOUBLE_EQ(model.overall_eta_seconds(), 22.0);
    EXPECT_EQ(model.index(1, JobQueueModel::Time).data().toString(), "ETA 2.0 s");
    EXPECT_DOUBLE_EQ(model.index(1, 0).data(JobQueueModel::ProgressRole).toDouble(), 0.5);
    EXPECT_TRUE(model.index(1, JobQueueModel::Status).data().toString().contains("perplexity"));

    jobs[2].status = JobStatus::Failed;
    jobs[2].error = "x.gguf: bad";
    model.update_job(jobs[2]);
    EXPECT_TRUE(model.index(2, JobQueueModel::Status).data().toString().contains("x.gguf: bad"));
    EXPECT_EQ(model.index(2, JobQueueModel::Progress).data().toString(), "failed");
    EXPECT_EQ(model.ended_count(), 2);
    // A job cancelled halfway reads "cancelled" and keeps how far it got: not a full bar at 100 %.
    jobs[1].status = JobStatus::Cancelled;
    model.update_job(jobs[1]);
    EXPECT_EQ(model.index(1, JobQueueModel::Progress).data().toString(), "cancelled");
    EXPECT_DOUBLE_EQ(model.index(1, 0).data(JobQueueModel::ProgressRole).toDouble(), 0.5);
    EXPECT_DOUBLE_EQ(model.overall_fraction(), (1.0 + 0.5 + 1.0) / 4);
    EXPECT_EQ(model.index(0, JobQueueModel::Progress).data().toString(), "100 %");
    model.set_progress(99, 0.5, "ignored", 1);  // unknown job: no change, no crash
    model.clear();
    EXPECT_EQ(model.rowCount(), 0);
}

TEST(JobQueueModel, DurationText) {
    EXPECT_EQ(duration_text(5.25), "5.3 s");
    EXPECT_EQ(duration_text(65), "1 min 05 s");
    EXPECT_EQ(duration_text(-1), "—");
}
