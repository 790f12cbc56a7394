// A monkey test of the workbench (issue 16, item 5): a seeded stream of random clicks, keys, wheel
// turns, tab switches and file drops (a model, a dataset, a garbage file) on the real window while
// a small M1 run goes on. Dialogs the monkey opens (file choosers, message boxes, menus) are closed
// by a watchdog timer, as a person would dismiss them. Afterwards the window must still work: the
// run ends, the results database is sound and every stored job is whole. Under AddressSanitizer
// (scripts/monkey_asan.sh) the same test shows the clicks touch no freed or foreign memory.
//
// QS_MONKEY_EVENTS (default 400) and QS_MONKEY_SEED (default 1) set the stream.
#include <QAbstractButton>
#include <QApplication>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QFile>
#include <QMimeData>
#include <QTabWidget>
#include <QTest>
#include <QTimer>
#include <QUrl>
#include <gtest/gtest.h>
#include <random>

#include "common/test_paths.h"
#include "dataset_list_model.h"
#include "main_window.h"
#include "pages/run_page.h"
#include "precision_list_model.h"
#include "run/run_controller.h"
#include "store/results_store.h"

using namespace qs;
using namespace qs::ui;

namespace {

int env_int(const char* name, int fallback) {
    const QByteArray v = qgetenv(name);
    bool ok = false;
    const int n = v.toInt(&ok);
    return ok ? n : fallback;
}

// Every visible, enabled widget under `root` (the monkey's targets).
QList<QWidget*> targets(QWidget* root) {
    QList<QWidget*> out;
    for (QWidget* w : root->findChildren<QWidget*>())
        if (w->isVisible() && w->isEnabled() && w->width() > 2 && w->height() > 2) out << w;
    return out;
}

void drop_file(QWidget* on, const QString& path) {
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(path)});
    const QPointF at(on->width() / 2.0, on->height() / 2.0);
    QDragEnterEvent enter(at.toPoint(), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(on, &enter);
    QDropEvent drop(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(on, &drop);
}

}  // namespace

TEST(Monkey, RandomInputDuringARunLeavesAWorkingWindowAndASoundDatabase) {
    QS_REQUIRE_SHARED(model, "models/synthetic/llama-d256-spm512.gguf");
    QS_REQUIRE_SHARED(arc, "data/arc/ARC-Easy-Dev.jsonl");
    const QString dir = QString::fromStdString(test::temp_dir());
    const QString store = dir + "/monkey.db";
    QFile::remove(store);
    const QString garbage = dir + "/garbage.gguf";
    {
        QFile g(garbage);
        ASSERT_TRUE(g.open(QIODevice::WriteOnly));
        // The header's magic and version, then text: a file the loader must refuse by name. (Sized by
        // the literal: a hand-counted 30 read one byte past it, which the ASan build caught.)
        static const char bytes[] = "GGUF\x03\x00\x00\x00 this is not a model";
        g.write(bytes, sizeof(bytes) - 1);
    }

    MainWindow w({store, {}, false});
    w.resize(1200, 800);
    w.show();
    ASSERT_TRUE(w.open_model(QString::fromStdString(model))) << w.last_error().toStdString();
    w.precisions()->set_checked_specs({"Q8_0", "Q4_K_M"});
    const int task = w.add_dataset(QString::fromStdString(arc));
    w.datasets()->set_limit(task, 6);
    w.run_page()->set_settings({128, false, false, 1, 2});

    // The watchdog: whatever modal dialog or popup the monkey opened is dismissed.
    int dismissed = 0;
    QTimer watchdog;
    QObject::connect(&watchdog, &QTimer::timeout, [&] {
        if (QWidget* popup = QApplication::activePopupWidget()) {
            popup->close();
            ++dismissed;
        }
        if (QWidget* modal = QApplication::activeModalWidget()) {
            modal->close();
            ++dismissed;
        }
    });
    watchdog.start(30);

    const int events = env_int("QS_MONKEY_EVENTS", 400);
    std::mt19937 rng(uint32_t(env_int("QS_MONKEY_SEED", 1)));
    auto pick = [&](int n) { return int(std::uniform_int_distribution<int>(0, n - 1)(rng)); };
    const QList<Qt::Key> keys = {Qt::Key_Tab, Qt::Key_Backtab, Qt::Key_Space, Qt::Key_Return, Qt::Key_Escape, Qt::Key_Up,
                                 Qt::Key_Down, Qt::Key_Left, Qt::Key_Right, Qt::Key_PageDown, Qt::Key_Home, Qt::Key_Delete,
                                 Qt::Key_Backspace, Qt::Key_A, Qt::Key_1, Qt::Key_Minus};
    const QStringList drops = {QString::fromStdString(model), QString::fromStdString(arc), garbage, dir + "/missing.gguf"};
    ASSERT_TRUE(w.start_run()) << w.last_error().toStdString();
    int runs_started = 1;
    for (int e = 0; e < events; ++e) {
        const int action = pick(100);
        if (action < 8) {
            w.tabs()->setCurrentIndex(pick(w.tabs()->count()));
        } else if (action < 60) {
            const QList<QWidget*> all = targets(&w);
            if (all.isEmpty()) continue;
            QWidget* t = all[pick(int(all.size()))];
            const QPoint at(pick(t->width()), pick(t->height()));
            if (pick(5) == 0)
                QTest::mouseDClick(t, Qt::LeftButton, Qt::NoModifier, at);
            else
                QTest::mouseClick(t, pick(6) == 0 ? Qt::RightButton : Qt::LeftButton, Qt::NoModifier, at);
        } else if (action < 85) {
            QWidget* focus = QApplication::focusWidget() ? QApplication::focusWidget() : &w;
            QTest::keyClick(focus, keys[pick(int(keys.size()))], pick(8) == 0 ? Qt::ControlModifier : Qt::NoModifier);
        } else if (action < 92) {
            const QList<QWidget*> all = targets(&w);
            if (all.isEmpty()) continue;
            QWidget* t = all[pick(int(all.size()))];
            QWheelEvent wheel(QPointF(t->width() / 2.0, t->height() / 2.0), t->mapToGlobal(QPointF(t->width() / 2.0, t->height() / 2.0)),
                              QPoint(), QPoint(0, pick(2) ? 120 : -120), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
            QApplication::sendEvent(t, &wheel);
        } else if (action < 97) {
            drop_file(w.tabs()->currentWidget(), drops[pick(int(drops.size()))]);
        } else if (!w.controller()->running()) {
            runs_started += w.start_run();  // may be refused (nothing ticked): that is a message, not a crash
        }
        QApplication::processEvents();
        ASSERT_TRUE(w.isVisible()) << "the window closed after event " << e;
    }
    watchdog.stop();
    QElapsedTimer t;
    t.start();
    while (w.controller()->running() && t.elapsed() < 5 * 60 * 1000) QTest::qWait(50);
    ASSERT_FALSE(w.controller()->running()) << "a run did not end within 5 minutes after the monkey stopped";

    // Sound database: integrity_check passes and every finished job is whole.
    ResultsStore db(store.toStdString());
    EXPECT_EQ(db.integrity_check(), "ok");
    const auto runs = db.list_runs();
    EXPECT_GE(int(runs.size()), 1);
    for (const RunSummary& summary : runs) {
        const RunRecord r = db.load_run(summary.run.id);
        for (const JobRecord& j : r.jobs) {
            if (j.status == JobStatus::Done) {
                EXPECT_FALSE(j.metrics.empty()) << "run " << r.id << " job " << j.index;
            }
        }
    }
    std::printf("monkey: %d events, %d dialogs or popups dismissed, %d runs started, %zu stored\n", events, dismissed, runs_started, runs.size());
}
