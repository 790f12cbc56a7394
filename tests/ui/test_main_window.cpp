// The workbench driven as a user would, on the offscreen platform: open the M1 model, tick two
// precisions and small datasets, run to the end, then check the table, every chart and the
// exports; and cancel a run halfway.
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <gtest/gtest.h>

#include "../charts/chart_file_checks.h"
#include "chart_view.h"
#include "common/test_paths.h"
#include "dataset_list_model.h"
#include "job_queue_model.h"
#include "main_window.h"
#include "pages/charts_page.h"
#include "pages/run_page.h"
#include "precision_list_model.h"
#include "results_csv.h"
#include "results_table_model.h"
#include "run/run_controller.h"
#include "store/results_store.h"
#include "text_head.h"

using namespace qs;
using namespace qs::ui;

namespace {

struct Fixture {
    QString dir = QString::fromStdString(test::temp_dir());
    QString store = dir + "/results.db";
};

using qs::test::text_head;

// Sets up the window for M1 with Q8_0 (baseline) and Q4_K_M, a text and ARC; false if shared/ lacks them.
void set_up(MainWindow& w, const Fixture& fx, const std::string& model, const std::string& wiki, const std::string& arc,
            qint64 text_chunks, qint64 arc_items, bool bench) {
    ASSERT_TRUE(w.open_model(QString::fromStdString(model))) << w.last_error().toStdString();
    w.precisions()->set_checked_specs({"Q8_0", "Q4_K_M"});
    const int text = w.add_dataset(text_head(wiki, fx.dir + "/wiki-head.txt", 40000));
    w.datasets()->set_limit(text, text_chunks);
    const int task = w.add_dataset(QString::fromStdString(arc));
    w.datasets()->set_limit(task, arc_items);
    ASSERT_EQ(w.datasets()->checked_entries().size(), 2);
    w.run_page()->set_settings({128, true, bench, 1, 2});
}

}  // namespace

TEST(MainWindow, RunsTwoPrecisionsToTheEndAndExportsEverything) {
    QS_REQUIRE_SHARED(model, "models/synthetic/llama-d256-spm512.gguf");
    QS_REQUIRE_SHARED(wiki, "data/wikitext-2-raw/wiki.test.raw");
    QS_REQUIRE_SHARED(arc, "data/arc/ARC-Easy-Dev.jsonl");
    Fixture fx;
    MainWindow w({fx.store, {}, false});
    w.resize(1200, 800);
    w.show();
    set_up(w, fx, model, wiki, arc, 2, 4, true);
    if (::testing::Test::HasFatalFailure()) return;

    QSignalSpy progress(w.controller(), &RunController::job_progress);
    ASSERT_TRUE(w.start_run()) << w.last_error().toStdString();
    EXPECT_FALSE(w.run_page()->run_button()->isEnabled());
    // The GUI thread stays responsive: events are processed while the run goes on.
    ASSERT_TRUE(w.controller()->wait_idle(10 * 60 * 1000));
    QApplication::processEvents();
    EXPECT_GT(progress.count(), 0);
    EXPECT_TRUE(w.run_page()->run_button()->isEnabled());
    EXPECT_EQ(w.run_page()->overall()->value(), 1000);

    // One row per precision, each with a perplexity.
    ASSERT_EQ(w.results()->rowCount(), 2);
    for (int r = 0; r < 2; ++r) EXPECT_NE(w.results()->grid().find(r, "ppl"), nullptr);
    for (const auto& j : w.shown_runs().at(0).jobs) EXPECT_EQ(j.status, JobStatus::Done) << j.error;

    // Every chart has its points, in the spec and in the drawing library.
    for (auto* view : w.charts_page()->views()) {
        EXPECT_GT(view->chart().point_count(), 0) << view->chart().id.toStdString() << ": " << view->chart().empty_message.toStdString();
        EXPECT_GT(view->drawn_point_count(), 0) << view->chart().id.toStdString();
    }

    // Exports parse.
    const QString csv = fx.dir + "/results.csv";
    w.export_csv(csv);
    QFile f(csv);
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
    ASSERT_GT(lines.size(), 2);
    EXPECT_EQ(lines[0].split(','), results_csv_columns());
    EXPECT_TRUE(lines.filter(",Q4_K_M,").size() > 0);
    for (int i = 0; i < w.charts_page()->views().size(); ++i) {
        const QString stem = fx.dir + "/chart" + QString::number(i);
        w.export_chart(i, stem + ".png");
        w.export_chart(i, stem + ".svg");
        w.export_chart(i, stem + ".pdf");
        EXPECT_EQ(test::png_size(stem + ".png"), QSize(1200, 800));
        EXPECT_TRUE(test::svg_valid(stem + ".svg"));
        EXPECT_EQ(test::pdf_page_count(stem + ".pdf"), 1);
    }
    w.export_report(fx.dir + "/report.pdf");
    EXPECT_GE(test::pdf_page_count(fx.dir + "/report.pdf"), 2);  // settings + table + 7 charts do not fit one A4 page
    w.export_report(fx.dir + "/report.html");
    QFile html(fx.dir + "/report.html");
    ASSERT_TRUE(html.open(QIODevice::ReadOnly));
    const QByteArray h = html.readAll();
    EXPECT_GE(h.count("data:image/svg+xml;base64,"), 6);  // every chart with data, embedded
    EXPECT_TRUE(h.contains("Q4_K_M"));
    EXPECT_TRUE(w.last_error().isEmpty()) << w.last_error().toStdString();

    // The workspace round-trips what was chosen.
    w.save_workspace(fx.dir + "/session.json");
    MainWindow again({fx.store, {}, false});
    again.load_workspace(fx.dir + "/session.json");
    EXPECT_EQ(again.precisions()->checked_specs(), (QStringList{"Q8_0", "Q4_K_M"}));
    EXPECT_EQ(again.datasets()->checked_entries().size(), 2);
}

TEST(MainWindow, CancellingMidRunKeepsTheWindowUsableAndFinishedJobsStored) {
    QS_REQUIRE_SHARED(model, "models/synthetic/llama-d256-spm512.gguf");
    QS_REQUIRE_SHARED(wiki, "data/wikitext-2-raw/wiki.test.raw");
    QS_REQUIRE_SHARED(arc, "data/arc/ARC-Easy-Dev.jsonl");
    Fixture fx;
    MainWindow w({fx.store, {}, false});
    w.show();
    set_up(w, fx, model, wiki, arc, 2, 0, false);  // every ARC item: the task job is long
    if (::testing::Test::HasFatalFailure()) return;
    w.activateWindow();
    ASSERT_TRUE(QTest::qWaitForWindowActive(&w));

    QSignalSpy finished(w.controller(), &RunController::job_finished);
    ASSERT_TRUE(w.start_run()) << w.last_error().toStdString();
    // Wait for the first job (the baseline's perplexity) to end, then cancel during the task job.
    QElapsedTimer t;
    t.start();
    while (finished.count() < 1 && t.elapsed() < 5 * 60 * 1000) QTest::qWait(20);
    ASSERT_GE(finished.count(), 1);
    QTest::qWait(300);
    QTest::keyClick(&w, Qt::Key_Escape);  // the Cancel shortcut
    ASSERT_TRUE(w.controller()->wait_idle(2 * 60 * 1000));
    QApplication::processEvents();

    EXPECT_FALSE(w.running());
    EXPECT_TRUE(w.run_page()->run_button()->isEnabled());
    const RunRecord run = w.shown_runs().at(0);  // a copy: the next run replaces what is shown
    int done = 0, cancelled = 0;
    for (const auto& j : run.jobs) done += j.status == JobStatus::Done, cancelled += j.status == JobStatus::Cancelled;
    EXPECT_GE(done, 1);
    EXPECT_GE(cancelled, 1);
    // The queue says which jobs were cancelled: not a full bar reading 100 %.
    for (const auto& row : w.queue()->rows()) {
        const QString progress = w.queue()->index(row.job.index, JobQueueModel::Progress).data().toString();
        if (row.job.status == JobStatus::Cancelled) {
            EXPECT_EQ(progress, "cancelled");
        } else if (row.job.status == JobStatus::Done) {
            EXPECT_EQ(progress, "100 %");
        }
    }
    EXPECT_LT(w.run_page()->overall()->value(), 1000);
    // What finished is in the store.
    ResultsStore store(fx.store.toStdString());
    const RunRecord stored = store.load_run(run.id);
    int stored_done = 0;
    for (const auto& j : stored.jobs) stored_done += j.status == JobStatus::Done && !j.metrics.empty();
    EXPECT_EQ(stored_done, done);
    // And the window takes the next run.
    w.datasets()->set_checked(w.datasets()->row_of_path(QString::fromStdString(arc)), false);
    ASSERT_TRUE(w.start_run()) << w.last_error().toStdString();
    ASSERT_TRUE(w.controller()->wait_idle(5 * 60 * 1000));
    EXPECT_EQ(w.shown_runs().at(0).id, run.id + 1);
}
