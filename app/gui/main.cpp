// quantscope: the desktop workbench.
//
//   quantscope [MODEL.gguf] [--workspace FILE.json] [--data-dir DIR] [--screenshot DIR] [--demo]
//
// Without a model, workspace or --demo it reopens the last session (saved in QSettings when the
// window closes). Built-in datasets are found without --data-dir (builtin_data_dir).
//
// --demo opens the workbench on the built-in demo (the project's own model, the held-out corpus and
// the next-word task, generated on first use; the same matrix as `quantscope-cli demo`) and starts
// the run; the demo workspace is saved beside the generated data so it can be reopened.
//
// --open-runs 1,2 shows those runs of the results database (--store) side by side on the Results page.
//
// --screenshot DIR grabs every page of the window into DIR/<page>.png and exits (used by
// scripts/screenshots.sh under Xvfb); with --run it first runs the workspace's matrix to the end so
// the results and charts pages have something to show.
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTimer>

#include "chart_spec.h"
#include "chart_view.h"
#include "demo/demo_assets.h"
#include "demo/demo_matrix.h"
#include "main_window.h"
#include "models/workspace.h"
#include "pages/charts_page.h"
#include "run/run_controller.h"

namespace {

QString page_file_name(const QString& tab) { return tab.toLower().remove('&').replace(' ', '-') + ".png"; }

int take_screenshots(qs::ui::MainWindow& w, const QString& dir, bool run) {
    QDir().mkpath(dir);
    if (run && w.start_run()) w.controller()->wait_idle(15 * 60 * 1000);
    QApplication::processEvents();
    for (int i = 0; i < w.tabs()->count(); ++i) {
        w.tabs()->setCurrentIndex(i);
        for (int k = 0; k < 5; ++k) QApplication::processEvents();
        const QString path = QDir(dir).filePath(page_file_name(w.tabs()->tabText(i)));
        if (!w.grab().save(path)) {
            fprintf(stderr, "quantscope: cannot write %s\n", qPrintable(path));
            return 1;
        }
        fprintf(stderr, "quantscope: wrote %s\n", qPrintable(path));
    }
    // Each chart of the Charts page as it appears there.
    w.tabs()->setCurrentIndex(qs::ui::MainWindow::ChartsTab);
    QTabWidget* charts = w.charts_page()->tabs();
    for (int i = 0; i < charts->count(); ++i) {
        charts->setCurrentIndex(i);
        for (int k = 0; k < 5; ++k) QApplication::processEvents();
        const QString path = QDir(dir).filePath("chart-" + w.charts_page()->views()[i]->chart().id + ".png");
        if (!w.grab().save(path)) return 1;
        fprintf(stderr, "quantscope: wrote %s\n", qPrintable(path));
    }
    return 0;
}

// Prepares the demo's files and writes its workspace (the demo matrix in the workbench's terms);
// returns the workspace path. Throws qs::Error (e.g. the text package is not installed).
QString demo_workspace_path() {
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/demo";
    QDir().mkpath(dir);
    qs::Progress progress;
    const qs::DemoAssets assets = qs::demo_prepare((dir + "/data").toStdString(), progress);
    const qs::EvalMatrix m = qs::demo_matrix(assets, false);
    qs::ui::Workspace ws;
    ws.model_path = QString::fromStdString(m.model_path);
    for (const auto& p : m.precisions) ws.precisions << QString::fromStdString(p);  // NF4 is a preset: no custom recipe
    ws.datasets.append({"kjv-heldout", QString::fromStdString(m.ppl_path), m.max_chunks, true});
    for (const auto& t : m.tasks) ws.datasets.append({QString::fromStdString(t.name), QString::fromStdString(t.path), m.task_limit, true});
    ws.baseline = QString::fromStdString(m.baseline);
    ws.n_ctx = m.n_ctx;
    ws.kld = m.kld;
    ws.bench = m.bench;
    const QString path = dir + "/demo-workspace.json";
    ws.save(path);
    return path;
}

}  // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName("QuantScope");
    QApplication::setApplicationName("quantscope");
    QApplication::setApplicationVersion("0.1.0");

    QCommandLineParser cli;
    cli.setApplicationDescription("QuantScope: what does quantizing this LLM cost, and what does it buy?");
    cli.addHelpOption();
    cli.addVersionOption();
    cli.addPositionalArgument("model", "GGUF model to open");
    QCommandLineOption workspace("workspace", "Open a saved workspace (JSON).", "file");
    QCommandLineOption data_dir("data-dir", "Folder of built-in datasets (the shared/data layout; found beside the "
                                            "source tree or the installed data without it; '-' for none).", "dir");
    QCommandLineOption store("store", "Results database (default: in the application data folder).", "file");
    QCommandLineOption screenshot("screenshot", "Save a PNG of every page into DIR and exit.", "dir");
    QCommandLineOption run("run", "With --screenshot: run the workspace's matrix first.");
    QCommandLineOption demo("demo", "Open the built-in demo workspace and start its run.");
    QCommandLineOption open_runs("open-runs", "Show these runs of the results database side by side (e.g. 1,2).", "ids");
    cli.addOptions({workspace, data_dir, store, screenshot, run, demo, open_runs});
    cli.process(app);

    qs::ui::MainWindowOptions options;
    options.data_dir = cli.value(data_dir);
    options.store_path = cli.value(store);
    options.use_settings = !cli.isSet(screenshot);  // screenshots never depend on (or change) the user's layout
    qs::ui::MainWindow window(options);
    window.resize(1280, 800);
    if (cli.isSet(workspace)) window.load_workspace(cli.value(workspace));
    if (cli.isSet(demo)) {
        try {
            window.load_workspace(demo_workspace_path());
            window.show_page(qs::ui::MainWindow::RunTab);
            QTimer::singleShot(0, &window, [&window] { window.start_run(); });
        } catch (const std::exception& e) {
            fprintf(stderr, "quantscope: demo: %s\n", e.what());
            return 1;
        }
    }
    if (!cli.positionalArguments().isEmpty()) window.open_model(cli.positionalArguments().first());
    const bool asked_for_something = cli.isSet(workspace) || cli.isSet(demo) || !cli.positionalArguments().isEmpty();
    if (options.use_settings && !asked_for_something) window.restore_last_session();
    if (cli.isSet(open_runs)) {
        QList<qint64> ids;
        for (const QString& id : cli.value(open_runs).split(',', Qt::SkipEmptyParts)) ids << id.toLongLong();
        if (!window.open_stored_runs(ids)) {
            fprintf(stderr, "quantscope: --open-runs: %s\n", qPrintable(window.last_error()));
            return 1;
        }
    }
    window.show();
    if (cli.isSet(screenshot)) {
        int rc = 0;
        QTimer::singleShot(0, [&] {
            rc = take_screenshots(window, cli.value(screenshot), cli.isSet(run));
            app.exit(rc);
        });
        app.exec();
        return rc;
    }
    return app.exec();
}
