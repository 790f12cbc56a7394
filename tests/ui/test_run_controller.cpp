// The GUI's run controller on a real small run (the demo model, no ../shared needed): two workers
// run jobs side by side, every signal arrives on the GUI thread, every job ends once and is
// stored; a cancel before the runner has planned its jobs is not lost. Also built under
// ThreadSanitizer (the `tsan` preset), where it checks the hand-off between the runner's threads,
// the store and the controller.
#include <gtest/gtest.h>

#include <QCoreApplication>
#include <QThread>

#include <fstream>
#include <map>

#include "common/test_paths.h"
#include "demo/demo_assets.h"
#include "run/run_controller.h"
#include "store/results_store.h"

namespace {

using qs::JobStatus;

std::string write_text(const std::string& dir) {
    std::string text;
    for (int i = 0; i < 40; ++i)
        text += "In the beginning was the word, and the word was with the people of the land, and they were glad. ";
    const std::string path = dir + "/text.txt";
    std::ofstream(path) << text;
    return path;
}

qs::EvalMatrix demo_matrix(const std::string& dir) {
    qs::EvalMatrix m;
    m.model_path = qs::demo_model_path();
    m.precisions = {"F32", "Q8_0", "Q4_0"};
    m.ppl_path = write_text(dir);
    m.kld = true;
    m.n_ctx = 32;
    m.max_chunks = 2;
    return m;
}

// Everything the controller emitted, each checked to arrive on the thread the controller lives on.
struct Seen {
    int started = 0, wrong_thread = 0, runs_finished = 0;
    std::map<int, int> finished_count;  // job index -> job_finished signals
    std::map<std::pair<int, QString>, double> last_fraction;  // (job, stage) -> fraction
    int fraction_backwards = 0;
    qs::RunRecord run;
    QString failure;

    void connect_to(qs::ui::RunController& c) {
        QThread* gui = c.thread();
        auto check = [this, gui] { wrong_thread += QThread::currentThread() != gui; };
        QObject::connect(&c, &qs::ui::RunController::job_started, [this, check](const qs::JobRecord&) {
            check();
            ++started;
        });
        QObject::connect(&c, &qs::ui::RunController::job_progress,
                         [this, check](const qs::JobRecord& j, double f, const QString& stage, double) {
                             check();  // and within a stage (quantize, then evaluate) progress only grows
                             double& last = last_fraction[{j.index, stage}];
                             if (f < last || f < 0 || f > 1) ++fraction_backwards;
                             last = f;
                         });
        QObject::connect(&c, &qs::ui::RunController::job_finished, [this, check](const qs::JobRecord& j) {
            check();
            ++finished_count[j.index];
        });
        QObject::connect(&c, &qs::ui::RunController::run_finished, [this, check](const qs::RunRecord& r) {
            check();
            ++runs_finished;
            run = r;
        });
        QObject::connect(&c, &qs::ui::RunController::run_failed, [this](const QString& m) { failure = m; });
    }
};

// A controller, its store and what it emitted, for one run of demo_matrix with two workers.
struct ControllerRun {
    std::string dir = qs::test::temp_dir();
    qs::ResultsStore store;
    qs::ui::RunController controller;
    Seen seen;

    explicit ControllerRun(const std::string& db_name) : store(dir + "/" + db_name) {
        seen.connect_to(controller);
        controller.start(demo_matrix(dir), {.workers = 2, .threads = 2, .store = &store});
    }
};

TEST(RunController, TwoWorkersRunToTheEndAndEverySignalArrivesOnTheGuiThread) {
    ControllerRun r("rc.db");
    auto& [dir, store, controller, seen] = r;
    ASSERT_TRUE(controller.wait_idle(600000)) << "the run did not end";
    ASSERT_TRUE(seen.failure.isEmpty()) << seen.failure.toStdString();
    EXPECT_EQ(seen.wrong_thread, 0);
    EXPECT_EQ(seen.fraction_backwards, 0);
    EXPECT_EQ(seen.runs_finished, 1);
    ASSERT_EQ(seen.run.jobs.size(), 5u);  // 3 perplexity + 2 KLD
    EXPECT_EQ(seen.started, 5);
    for (const qs::JobRecord& j : seen.run.jobs) {
        EXPECT_EQ(j.status, JobStatus::Done) << j.error;
        EXPECT_EQ(seen.finished_count[j.index], 1) << "job " << j.index;
    }
    // Stored as the signals said.
    const qs::RunRecord back = store.load_run(seen.run.id);
    for (const qs::JobRecord& j : back.jobs) EXPECT_EQ(j.status, JobStatus::Done);
    EXPECT_NE(back.finished_at, "");
}

TEST(RunController, CancelBeforeTheJobsArePlannedIsNotLost) {
    ControllerRun r("cancel.db");
    auto& [dir, store, controller, seen] = r;
    controller.cancel_all();  // the runner is still loading the model on its thread
    ASSERT_TRUE(controller.wait_idle(600000));
    ASSERT_TRUE(seen.failure.isEmpty()) << seen.failure.toStdString();
    ASSERT_EQ(seen.runs_finished, 1);
    for (const qs::JobRecord& j : seen.run.jobs) EXPECT_EQ(j.status, JobStatus::Cancelled) << "job " << j.index;
    for (const qs::JobRecord& j : store.load_run(seen.run.id).jobs) EXPECT_EQ(j.status, JobStatus::Cancelled);
}

}  // namespace
