#include "main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QJsonDocument>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <cstdlib>

#include "about.h"
#include "chart_export.h"
#include "chart_view.h"
#include "core/error.h"
#include "dataset_list_model.h"
#include "job_queue_model.h"
#include "generate/chat_template.h"
#include "jobs/job_matrix.h"
#include "pages/charts_page.h"
#include "pages/sensitivity_page.h"
#include "pages/datasets_page.h"
#include "pages/model_page.h"
#include "pages/outputs_page.h"
#include "pages/precisions_page.h"
#include "pages/remote_page.h"
#include "pages/results_page.h"
#include "pages/roi_page.h"
#include "pages/run_page.h"
#include "precision_list_model.h"
#include "cost/cost_model.h"
#include "report/report.h"
#include "results_charts.h"
#include "results_csv.h"
#include "results_table_model.h"
#include "run/run_controller.h"
#include "store/results_store.h"
#include "workspace.h"

namespace qs::ui {

MainWindow::MainWindow(const MainWindowOptions& options, QWidget* parent) : QMainWindow(parent), options_(options) {
    precisions_ = new PrecisionListModel(this);
    datasets_ = new DatasetListModel(this);
    queue_ = new JobQueueModel(this);
    results_ = new ResultsTableModel(this);
    controller_ = new RunController(this);
    // Built-in datasets: the folder given, else found as resources are (builtin_data_dir).
    const QString data_dir = options_.data_dir == "-"      ? QString()
                             : options_.data_dir.isEmpty() ? builtin_data_dir(QCoreApplication::applicationDirPath())
                                                           : options_.data_dir;
    if (!data_dir.isEmpty()) datasets_->add_builtins(data_dir);

    tabs_ = new QTabWidget;
    model_page_ = new ModelPage;
    remote_page_ = new RemotePage;
    precisions_page_ = new PrecisionsPage(precisions_);
    datasets_page_ = new DatasetsPage(datasets_);
    run_page_ = new RunPage(queue_);
    results_page_ = new ResultsPage(results_);
    outputs_page_ = new OutputsPage;
    charts_page_ = new ChartsPage;
    roi_page_ = new RoiPage;
    sensitivity_page_ = new SensitivityPage;
    // Each page's object name is its key in the saved session ("window/page"): an index would point
    // at another page once a tab is added (the Remote tab moved every later page by one).
    const std::pair<QWidget*, QString> pages[] = {
        {model_page_, tr("Model")},     {remote_page_, tr("Remote")},   {precisions_page_, tr("Precisions")},
        {datasets_page_, tr("Datasets")}, {run_page_, tr("Run")},       {results_page_, tr("Results")},
        {outputs_page_, tr("Outputs")}, {charts_page_, tr("Charts")},   {roi_page_, tr("ROI")},
        {sensitivity_page_, tr("Sensitivity")}};
    const char* keys[] = {"model", "remote", "precisions", "datasets", "run", "results", "outputs", "charts", "roi", "sensitivity"};
    for (size_t i = 0; i < std::size(pages); ++i) {
        pages[i].first->setObjectName(QString("page_") + keys[i]);
        tabs_->addTab(pages[i].first, pages[i].second);
    }
    setCentralWidget(tabs_);
    status_ = new QLabel;
    statusBar()->addWidget(status_, 1);

    QString store_path = options_.store_path;
    if (store_path.isEmpty()) {
        const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
        QDir().mkpath(dir);
        store_path = dir + "/results.db";
    }
    try {
        store_ = std::make_unique<ResultsStore>(store_path.toStdString());
    } catch (const std::exception& e) {
        report_error(QString::fromUtf8(e.what()) + " — results will not be stored");
    }
    results_page_->set_store(store_.get());

    connect(run_page_, &RunPage::chat_template_changed, this, &MainWindow::update_chat_template);
    connect(model_page_, &ModelPage::model_opened, this, [this](const QString& path) {
        precisions_->set_model(model_page_->file(), run_page_->settings().n_ctx);
        update_chat_template();
        status_->setText(tr("Model: %1").arg(path));
        update_run_source();
        update_title();
        refresh_charts();
    });
    connect(model_page_, &ModelPage::open_requested, this, [this] {
        const QString p = ask_open_path(tr("Open model"), tr("GGUF models (*.gguf);;All files (*)"), "folders/model");
        if (!p.isEmpty()) open_model(p);
    });
    connect(remote_page_, &RemotePage::source_changed, this, &MainWindow::update_run_source);
    connect(precisions_, &QAbstractItemModel::dataChanged, this, &MainWindow::update_run_source);
    connect(precisions_, &QAbstractItemModel::modelReset, this, &MainWindow::update_run_source);
    connect(remote_page_, &RemotePage::tokenizer_browse_requested, this, [this] {
        const QString p = ask_open_path(tr("The served model's tokenizer"), tr("GGUF models (*.gguf);;All files (*)"), "folders/model");
        if (p.isEmpty()) return;
        RemoteSetting e = remote_page_->endpoint();
        e.tokenizer = p;
        remote_page_->set_endpoint(e);
    });
    connect(remote_page_, &RemotePage::open_drift_requested, this, [this] {
        const QString p = ask_open_path(tr("Open drift database"), tr("Drift databases (*.sqlite *.db);;All files (*)"), "folders/drift");
        if (!p.isEmpty()) remote_page_->open_drift_db(p);
    });
    connect(datasets_page_, &DatasetsPage::add_requested, this, [this] {
        const QString p = ask_open_path(tr("Add dataset"), tr("Datasets (*.jsonl *.json *.txt *.raw *.csv *.tsv *.bz2);;All files (*)"), "folders/dataset");
        if (!p.isEmpty()) add_dataset(p);
    });
    connect(run_page_, &RunPage::run_requested, this, &MainWindow::start_run);
    connect(run_page_, &RunPage::cancel_all_requested, this, &MainWindow::cancel_all);
    connect(run_page_, &RunPage::cancel_job_requested, controller_, &RunController::cancel_job);
    connect(results_page_, &ResultsPage::results_changed, this, [this] {
        shown_runs_ = results_->runs();
        roi_page_->set_results(results_->grid(), shown_runs_);
        outputs_page_->set_runs(shown_runs_, results_page_->baseline());
        sensitivity_page_->set_runs(shown_runs_);
        refresh_charts();
    });
    connect(results_page_, &ResultsPage::export_csv_requested, this, [this] {
        const QString p = ask_save_path(tr("Export results"), tr("CSV (*.csv)"), "results.csv");
        if (!p.isEmpty()) export_csv(p);
    });
    connect(charts_page_, &ChartsPage::export_requested, this, [this](const QString& format) {
        auto* view = charts_page_->current();
        if (!view) return;
        const QString p = ask_save_path(tr("Export chart"), format.toUpper() + QString(" (*.%1)").arg(format), view->chart().id + "." + format);
        if (!p.isEmpty()) export_chart(charts_page_->tabs()->currentIndex(), p);
    });
    connect(roi_page_, &RoiPage::changed, this, &MainWindow::refresh_charts);
    connect(charts_page_, &ChartsPage::task_changed, this, &MainWindow::refresh_charts);
    connect_controller();
    build_menus();
    if (options_.use_settings) restore_settings();
    update_run_source();
    refresh_charts();
    update_title();
}

MainWindow::~MainWindow() = default;

void MainWindow::build_menus() {
    auto add = [this](QMenu* menu, const QString& text, const QList<QKeySequence>& keys, auto slot) {
        QAction* a = menu->addAction(text);
        a->setShortcuts(keys);
        a->setShortcutContext(Qt::ApplicationShortcut);
        connect(a, &QAction::triggered, this, slot);
        return a;
    };
    QMenu* file = menuBar()->addMenu(tr("&File"));
    add(file, tr("&Open model…"), {QKeySequence::Open}, [this] {
        const QString p = ask_open_path(tr("Open model"), tr("GGUF models (*.gguf);;All files (*)"), "folders/model");
        if (!p.isEmpty()) open_model(p);
    });
    add(file, tr("Add &dataset…"), {QKeySequence("Ctrl+D")}, [this] { emit datasets_page_->add_requested(); });
    file->addSeparator();
    add(file, tr("Open &workspace…"), {QKeySequence("Ctrl+Shift+O")}, [this] {
        const QString p = ask_open_path(tr("Open workspace"), tr("QuantScope workspace (*.json)"), "folders/workspace");
        if (!p.isEmpty()) load_workspace(p);
    });
    add(file, tr("&Save workspace…"), {QKeySequence::Save}, [this] {
        const QString p = ask_save_path(tr("Save workspace"), tr("QuantScope workspace (*.json)"), "session.json");
        if (!p.isEmpty()) save_workspace(p);
    });
    file->addSeparator();
    add(file, tr("Export results &CSV…"), {QKeySequence("Ctrl+Shift+E")}, [this] { emit results_page_->export_csv_requested(); });
    add(file, tr("&Export report…"), {QKeySequence("Ctrl+E")}, [this] {
        const QString p = ask_save_path(tr("Export report"), tr("PDF (*.pdf);;HTML (*.html)"), "quantscope-report.pdf");
        if (!p.isEmpty()) export_report(p);
    });
    file->addSeparator();
    add(file, tr("&Quit"), {QKeySequence::Quit}, [this] { close(); });
    QMenu* run = menuBar()->addMenu(tr("&Run"));
    add(run, tr("&Run"), {QKeySequence("Ctrl+R")}, [this] { start_run(); });
    add(run, tr("&Cancel all"), {QKeySequence(Qt::Key_Escape), QKeySequence("Ctrl+.")}, [this] { cancel_all(); });
    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < tabs_->count(); ++i)
        add(view, tabs_->tabText(i), {QKeySequence(QString("Alt+%1").arg(i + 1))}, [this, i] { tabs_->setCurrentIndex(i); });
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    add(help, tr("&About QuantScope…"), {}, [this] { show_about(); });
}

void MainWindow::connect_controller() {
    connect(controller_, &RunController::run_started, this, [this](const RunRecord& run) {
        live_run_ = run;
        queue_->set_jobs(run.jobs, run_page_->settings().workers);
        run_page_->append_log(tr("run %1 started: %2 jobs").arg(run.id).arg(run.jobs.size()));
    });
    connect(controller_, &RunController::job_started, this, [this](const JobRecord& job) {
        queue_->update_job(job);
        run_page_->append_log(tr("job %1 started: %2 %3 %4")
                                  .arg(job.index + 1)
                                  .arg(QString::fromStdString(job.precision), evaluator_name(job.evaluator), QString::fromStdString(job.dataset)));
    });
    connect(controller_, &RunController::job_progress, this,
            [this](const JobRecord& job, double fraction, const QString& stage, double eta) { queue_->set_progress(job.index, fraction, stage, eta); });
    connect(controller_, &RunController::job_message, this,
            [this](const JobRecord& job, const QString& m) { run_page_->append_log(tr("job %1: %2").arg(job.index + 1).arg(m)); });
    connect(controller_, &RunController::job_finished, this, [this](const JobRecord& job) {
        queue_->update_job(job);
        for (auto& j : live_run_.jobs)
            if (j.index == job.index) j = job;
        QString line = tr("job %1 %2 (%3)").arg(job.index + 1).arg(job_status_name(job.status)).arg(duration_text(job.seconds));
        if (!job.error.empty()) line += ": " + QString::fromStdString(job.error);
        run_page_->append_log(line);
        results_page_->show_runs({live_run_});  // results appear as jobs finish
    });
    connect(controller_, &RunController::run_finished, this, [this](const RunRecord& run) {
        live_run_ = run;
        results_page_->show_runs({live_run_});
        results_page_->refresh_history();
        run_page_->append_log(tr("run %1 ended").arg(run.id));
        status_->setText(tr("Run %1 ended").arg(run.id));
    });
    connect(controller_, &RunController::run_failed, this, [this](const QString& m) { report_error(tr("run refused: ") + m); });
    // Buttons follow the controller; running() flips when its thread has ended.
    auto sync = [this] { run_page_->set_running(controller_->running()); };
    connect(controller_, &RunController::run_started, this, sync);
    connect(controller_, &RunController::run_finished, this, sync, Qt::QueuedConnection);
    connect(controller_, &RunController::run_failed, this, sync, Qt::QueuedConnection);
}

void MainWindow::show_page(Page page) { tabs_->setCurrentIndex(int(page)); }

// The Datasets page shows generation prompts as the run will send them: "auto" is resolved
// against the open model's tokenizer.chat_template now, so a model without one says so here.
void MainWindow::update_chat_template() {
    const QString choice = run_page_->settings().chat_template;
    if (choice != "auto") {
        datasets_page_->set_chat_template(int(chat_template_from_name(choice.toStdString())), choice);
        return;
    }
    const auto file = model_page_->file();
    if (!file) {
        datasets_page_->set_chat_template(int(ChatTemplate::None), tr("auto (no model open yet; shown without one)"));
        return;
    }
    try {
        const ChatTemplate t = chat_template_resolve("auto", *file);
        datasets_page_->set_chat_template(int(t), tr("auto → %1 (the model's own)").arg(chat_template_name(t)));
    } catch (const std::exception& e) {
        datasets_page_->set_chat_template(int(ChatTemplate::None), tr("auto: %1; a run would stop here").arg(QString::fromUtf8(e.what())));
    }
}

bool MainWindow::open_model(const QString& path) {
    const bool ok = model_page_->open_model(path);
    if (!ok) report_error(tr("cannot open %1").arg(path));
    return ok;
}

int MainWindow::add_dataset(const QString& path) {
    const int row = datasets_->add_file(path);
    datasets_page_->table()->selectRow(row);
    datasets_page_->show_details(row);
    if (!datasets_->entries()[row].error.isEmpty()) report_error(datasets_->entries()[row].error);
    return row;
}

void MainWindow::update_run_source() {
    const QString endpoint = remote_page_->run_source_text();
    if (!endpoint.isEmpty()) {
        run_page_->set_source(tr("<b>Runs through %1</b> (Remote page). Precisions do not apply to a model served elsewhere: "
                                 "every job evaluates the endpoint as it is served (precision \"endpoint\"); the Precisions "
                                 "page's ticks, KL divergence and bench are not used.").arg(endpoint.toHtmlEscaped()),
                              true);
        return;
    }
    const QString model = model_page_->model_path();
    const QStringList specs = precisions_->runnable_specs();
    run_page_->set_source(model.isEmpty() ? tr("No model open: open a GGUF file (Model page) or run through an endpoint (Remote page).")
                                          : tr("<b>Runs %1</b> at %n ticked precision(s): %2", nullptr, int(specs.size()))
                                                .arg(QFileInfo(model).fileName().toHtmlEscaped(),
                                                     specs.isEmpty() ? tr("none") : specs.join(", ").toHtmlEscaped()),
                          false);
}

void MainWindow::add_checked_datasets(EvalMatrix& m) const {
    for (const auto& d : datasets_->checked_entries()) {
        if (d.is_text()) {
            if (m.ppl_path.empty()) {
                m.ppl_path = d.path.toStdString();
                m.max_chunks = d.limit > 0 ? int(d.limit) : -1;
            }
            continue;
        }
        m.tasks.push_back({d.name.toStdString(), d.path.toStdString(), d.format.toStdString(), std::max<int64_t>(0, d.limit)});
    }
}

bool MainWindow::start_run() {
    if (controller_->running()) return false;
    EvalMatrix m;
    const RunSettings rs = run_page_->settings();
    m.n_ctx = rs.n_ctx;
    m.chat_template = rs.chat_template.toStdString();
    add_checked_datasets(m);
    if (remote_page_->endpoint().use_for_runs) return start_remote_run(std::move(m));
    m.model_path = model_page_->model_path().toStdString();
    for (const auto& s : precisions_->runnable_specs()) m.precisions.push_back(s.toStdString());
    m.precision_names = precisions_->names();
    const QStringList skipped = precisions_->not_runnable();
    m.imatrix_path = precisions_page_->imatrix_path().toStdString();
    m.kld = rs.kld && !m.ppl_path.empty() && m.precisions.size() > 1;
    m.bench = rs.bench;
    m.until_decided = rs.until_decided;
    m.decision_margin = rs.margin;
    const QString base = results_page_->baseline().isEmpty() ? baseline_ : results_page_->baseline();
    if (!base.isEmpty() && std::find(m.precisions.begin(), m.precisions.end(), base.toStdString()) != m.precisions.end())
        m.baseline = base.toStdString();
    if (m.model_path.empty()) return report_error(tr("open a model first (Ctrl+O)")), false;
    if (m.precisions.empty())
        return report_error(skipped.isEmpty() ? tr("tick at least one precision")
                                              : tr("no ticked precision can apply to this model: %1").arg(skipped.join("; "))),
               false;
    if (m.ppl_path.empty() && m.tasks.empty() && !m.bench) return report_error(tr("tick a dataset or the bench")), false;
    RunnerOptions o;
    o.workers = rs.workers;
    o.threads = rs.threads;
    o.store = store_.get();
    try {
        controller_->start(m, o);
    } catch (const std::exception& e) {
        return report_error(QString::fromUtf8(e.what())), false;
    }
    queue_->clear();
    run_page_->set_running(true);
    for (const auto& s : skipped) run_page_->append_log(tr("not run, cannot apply to this model: %1").arg(s));
    run_page_->append_log(tr("starting: %1 precisions, %2 tasks%3").arg(m.precisions.size()).arg(m.tasks.size())
                              .arg(m.ppl_path.empty() ? QString() : tr(", perplexity on ") + QString::fromStdString(m.ppl_path)));
    show_page(RunTab);
    return true;
}

// The endpoint of the Remote page as the run's model: its key read from the environment now (held
// in memory only), the tokenizer GGUF for the token-level requests.
bool MainWindow::start_remote_run(EvalMatrix m) {
    const RemoteSetting e = remote_page_->endpoint();
    if (e.url.isEmpty() || e.model.isEmpty()) return report_error(tr("give the endpoint's URL and API model (Remote page)")), false;
    if (e.tokenizer.isEmpty())
        return report_error(tr("give a GGUF with the served model's vocabulary (Remote page: Tokenizer): requests are sent as token ids")), false;
    if (m.ppl_path.empty() && m.tasks.empty()) return report_error(tr("tick a dataset")), false;
    RemoteSource source;
    source.endpoint.url = e.url.toStdString();
    source.endpoint.model = e.model.toStdString();
    source.tokenizer_path = e.tokenizer.toStdString();
    if (!e.key_env.isEmpty()) {
        const char* key = std::getenv(e.key_env.toUtf8().constData());
        if (!key || !*key) return report_error(tr("$%1 (the API key) is not set in QuantScope's environment").arg(e.key_env)), false;
        source.endpoint.http.api_key = key;
    }
    RunnerOptions o;
    o.store = store_.get();
    try {
        controller_->start_remote(m, source, o);
    } catch (const std::exception& ex) {
        return report_error(QString::fromUtf8(ex.what())), false;
    }
    queue_->clear();
    run_page_->set_running(true);
    run_page_->append_log(tr("starting through the endpoint %1 (model %2): %3 tasks%4").arg(e.url, e.model).arg(m.tasks.size())
                              .arg(m.ppl_path.empty() ? QString() : tr(", perplexity on ") + QString::fromStdString(m.ppl_path)));
    if (run_page_->settings().kld || run_page_->settings().bench)
        run_page_->append_log(tr("KL divergence and bench are not run for an endpoint (they need a local model)"));
    show_page(RunTab);
    return true;
}

bool MainWindow::open_stored_runs(const QList<qint64>& run_ids) {
    if (!store_) return report_error(tr("no results database is open")), false;
    std::vector<RunRecord> runs;
    try {
        for (qint64 id : run_ids) runs.push_back(store_->load_run(id));
    } catch (const std::exception& e) {
        return report_error(QString::fromUtf8(e.what())), false;
    }
    results_page_->show_runs(runs);
    show_page(ResultsTab);
    return true;
}

void MainWindow::cancel_all() {
    if (!controller_->running()) return;
    controller_->cancel_all();
    run_page_->append_log(tr("cancelling every job…"));
}

bool MainWindow::running() const { return controller_->running(); }

void MainWindow::refresh_charts() {
    charts_page_->set_tasks(chart_tasks(results_->grid()));
    const ChartInputs in = chart_inputs();
    charts_page_->set_charts(all_charts(in));
    // The summary table shows the same sizes and costs as the charts.
    SummaryExtras extras;
    extras.bits_per_weight = in.bits_per_weight;
    extras.weight_bytes = in.memory_bytes;
    extras.cost_per_mtok = in.cost_per_mtok;
    extras.cost_note = in.cost_note;
    results_page_->set_summary_extras(extras);
}

ChartInputs MainWindow::chart_inputs() const {
    ChartInputs in;
    in.runs = &shown_runs_;
    in.grid = &results_->grid();
    for (const auto& e : precisions_->entries())
        if (e.estimated) {
            const QString spec = QString::fromStdString(e.recipe.to_string());
            in.bits_per_weight[spec] = e.estimate.bits_per_weight();
            in.memory_bytes[spec] = double(e.estimate.tensor_bytes);
        }
    in.task = charts_page_->task();
    // Costs come from the ROI page: its profile's price with the speeds that belong to that profile
    // (measured here only when it is this machine, else imported or estimated), labelled.
    in.cost_per_mtok = cost_by_row(results_->grid(), roi_page_->priced_run_id(), roi_page_->cost_per_mtok());
    if (!in.cost_per_mtok.isEmpty()) in.cost_note = roi_page_->cost_where();
    in.api_prices = roi_page_->api_output_prices();
    return in;
}

void MainWindow::report_error(const QString& message) {
    last_error_ = message;
    status_->setText(message);
    run_page_->append_log(tr("error: ") + message);
}

void MainWindow::export_csv(const QString& path) {
    try {
        results_csv_write(path, shown_runs_, results_page_->baseline());
        status_->setText(tr("Wrote %1").arg(path));
    } catch (const std::exception& e) {
        report_error(QString::fromUtf8(e.what()));
    }
}

void MainWindow::export_chart(int chart, const QString& path) {
    const auto& views = charts_page_->views();
    if (chart < 0 || chart >= views.size()) return;
    try {
        charts::chart_export(views[chart]->chart(), path);
        status_->setText(tr("Wrote %1").arg(path));
    } catch (const std::exception& e) {
        report_error(QString::fromUtf8(e.what()));
    }
}

void MainWindow::export_report(const QString& path) {
    const ChartInputs charts = chart_inputs();
    ReportInputs in;
    in.runs = shown_runs_;
    in.baseline = results_page_->baseline();
    in.reference = results_page_->reference();
    in.extras.bits_per_weight = charts.bits_per_weight;
    in.extras.weight_bytes = charts.memory_bytes;
    in.extras.cost_per_mtok = charts.cost_per_mtok;
    in.extras.cost_note = charts.cost_note;
    in.api_prices = charts.api_prices;
    in.recommendation = roi_page_->report_recommendation();
    try {
        if (QFileInfo(path).suffix().toLower() == "pdf") report_write_pdf(path, in);
        else report_write_html(path, in);
        status_->setText(tr("Wrote %1").arg(path));
    } catch (const std::exception& e) {
        report_error(QString::fromUtf8(e.what()));
    }
}

Workspace MainWindow::workspace() const {
    Workspace w;
    w.model_path = model_page_->model_path();
    w.precisions = precisions_->checked_specs();
    w.custom_recipes = precisions_->custom_recipes();
    for (const auto& d : datasets_->entries())
        if (!d.builtin || d.checked || d.limit) w.datasets.push_back({d.name, d.path, d.limit, d.checked});
    w.baseline = results_page_->baseline().isEmpty() ? baseline_ : results_page_->baseline();
    const RunSettings rs = run_page_->settings();
    w.n_ctx = rs.n_ctx;
    w.workers = rs.workers;
    w.threads = rs.threads;
    w.chat_template = rs.chat_template;
    w.kld = rs.kld;
    w.bench = rs.bench;
    w.until_decided = rs.until_decided;
    w.decision_margin = rs.margin;
    w.roi = roi_page_->settings();
    w.remote = remote_page_->endpoint();  // the key's variable name only, never the key
    return w;
}

void MainWindow::save_workspace(const QString& path) {
    try {
        workspace().save(path);
        workspace_path_ = path;
        update_title();
        status_->setText(tr("Saved %1").arg(path));
    } catch (const std::exception& e) {
        report_error(QString::fromUtf8(e.what()));
    }
}

void MainWindow::load_workspace(const QString& path) {
    try {
        apply_workspace(Workspace::load(path));
        workspace_path_ = path;
        update_title();
        status_->setText(tr("Opened %1").arg(path));
    } catch (const std::exception& e) {
        report_error(QString::fromUtf8(e.what()));
    }
}

bool MainWindow::restore_last_session() {
    QSettings s;
    const QByteArray json = s.value("session/workspace").toByteArray();
    if (json.isEmpty()) return false;
    try {
        const QJsonDocument doc = QJsonDocument::fromJson(json);
        apply_workspace(Workspace::from_json(doc.object(), tr("the last session (settings)")));
    } catch (const std::exception& e) {
        report_error(QString::fromUtf8(e.what()));
        return false;
    }
    workspace_path_ = s.value("session/workspace_path").toString();
    update_title();
    status_->setText(tr("Restored the last session"));
    return true;
}

void MainWindow::apply_workspace(const Workspace& w) {
    if (!w.model_path.isEmpty()) open_model(w.model_path);
    for (const auto& [name, spec] : w.custom_recipes) {
        try {
            precisions_->add_custom(name, spec);
        } catch (const std::exception& e) {
            report_error(QString::fromUtf8(e.what()));
        }
    }
    precisions_->set_checked_specs(w.precisions);
    for (const auto& d : w.datasets) {
        int row = datasets_->row_of_path(d.path);
        if (row < 0) row = datasets_->add_file(d.path, d.name);
        datasets_->set_limit(row, d.limit);
        datasets_->set_checked(row, d.checked);
    }
    run_page_->set_settings({w.n_ctx, w.kld, w.bench, w.workers, w.threads, w.chat_template, w.until_decided, w.decision_margin});
    roi_page_->set_settings(w.roi);
    remote_page_->set_endpoint(w.remote);
    baseline_ = w.baseline;
    // The Datasets page opens on the workspace's first ticked dataset, its first items shown.
    for (const auto& d : w.datasets)
        if (const int row = datasets_->row_of_path(d.path); row >= 0 && d.checked) {
            datasets_page_->table()->selectRow(row);
            datasets_page_->show_details(row);
            break;
        }
}

void MainWindow::update_title() {
    // "model.gguf — session.json — QuantScope": what is open, in the task bar too.
    QStringList parts;
    const QString model = model_page_->model_path();
    if (!model.isEmpty()) parts << QFileInfo(model).fileName();
    if (!workspace_path_.isEmpty()) parts << QFileInfo(workspace_path_).fileName();
    parts << "QuantScope";
    setWindowTitle(parts.join(QString::fromUtf8(" — ")));
}

void MainWindow::show_about() {
    QMessageBox::about(this, tr("About QuantScope"), about_html());
}

QString MainWindow::ask_open_path(const QString& title, const QString& filter, const char* folder_key) {
    QSettings s;
    const QString p = QFileDialog::getOpenFileName(this, title, s.value(folder_key).toString(), filter);
    if (!p.isEmpty() && options_.use_settings) s.setValue(folder_key, QFileInfo(p).absolutePath());
    return p;
}

QString MainWindow::ask_save_path(const QString& title, const QString& filter, const QString& suggested) {
    QSettings s;
    const QString dir = s.value("folders/export", QDir::homePath()).toString();
    const QString p = QFileDialog::getSaveFileName(this, title, dir + "/" + suggested, filter);
    if (!p.isEmpty() && options_.use_settings) s.setValue("folders/export", QFileInfo(p).absolutePath());
    return p;
}

void MainWindow::restore_settings() {
    QSettings s;
    restoreGeometry(s.value("window/geometry").toByteArray());
    restoreState(s.value("window/state").toByteArray());
    // The page by its key; settings from before the key was saved kept only an index, which older
    // versions (no Remote tab) counted without it: those open on the Model page.
    const QString key = s.value("window/page").toString();
    for (int i = 0; i < tabs_->count() && !key.isEmpty(); ++i)
        if (tabs_->widget(i)->objectName() == key) tabs_->setCurrentIndex(i);
    model_page_->set_recent_files(s.value("recent/models").toStringList());
}

void MainWindow::save_settings() {
    QSettings s;
    s.setValue("session/workspace", QJsonDocument(workspace().to_json()).toJson(QJsonDocument::Compact));
    s.setValue("session/workspace_path", workspace_path_);
    s.setValue("window/geometry", saveGeometry());
    s.setValue("window/state", saveState());
    s.setValue("window/page", tabs_->currentWidget()->objectName());
    s.remove("window/tab");
    s.setValue("recent/models", model_page_->recent_files());
}

bool MainWindow::confirm_close() {
    const int left = queue_->rows().size() - queue_->ended_count();
    const auto answer = QMessageBox::question(
        this, tr("A run is in progress"),
        tr("%1 of %2 jobs have not ended. Quit and cancel them? Jobs that have ended are saved.").arg(left).arg(queue_->rows().size()),
        QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
    return answer == QMessageBox::Yes;
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (controller_->running() && !confirm_close()) {
        event->ignore();
        return;
    }
    if (options_.use_settings) save_settings();
    controller_->cancel_all();
    controller_->wait_idle(30000);
    event->accept();
}

}  // namespace qs::ui
