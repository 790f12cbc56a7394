// The workbench window: one tab per page (Model, Remote, Precisions, Datasets, Run, Results, Charts,
// ROI), the menus and shortcuts, the results store, and the wiring from RunController's queued
// signals to the item models. Everything a menu does is also a public method, so tests drive the
// window without dialogs.
#pragma once

#include <QMainWindow>
#include <memory>
#include <vector>

#include "results_charts.h"
#include "store/run_record.h"

class QTabWidget;
class QLabel;

namespace qs {
class ResultsStore;
struct EvalMatrix;
}

namespace qs::ui {

class ChartsPage;
class SensitivityPage;
class DatasetListModel;
class DatasetsPage;
class JobQueueModel;
class ModelPage;
class RemotePage;
class PrecisionListModel;
class PrecisionsPage;
class ResultsPage;
class OutputsPage;
class ResultsTableModel;
class RoiPage;
class RunController;
class RunPage;
struct Workspace;

struct MainWindowOptions {
    QString store_path;      // results database; "" = <app data>/results.db
    QString data_dir;        // where built-in datasets live; "" = builtin_data_dir(), "-" = none
    bool use_settings = true;  // remember layout, folders, recent files and the last session in QSettings
};

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(const MainWindowOptions& options = {}, QWidget* parent = nullptr);
    ~MainWindow() override;

    enum Page { ModelTab, RemoteTab, PrecisionsTab, DatasetsTab, RunTab, ResultsTab, OutputsTab, ChartsTab, RoiTab, SensitivityTab };
    void show_page(Page page);
    void update_chat_template();
    void update_run_source();  // the Run page's line saying what a run evaluates

    bool open_model(const QString& path);
    // Shows these runs of the results store side by side on the Results page (several models: each
    // against its own baseline). False, with last_error(), when one cannot be read.
    bool open_stored_runs(const QList<qint64>& run_ids);
    int add_dataset(const QString& path);
    // Builds the matrix from the pages and starts it; false (with the reason in the log and the
    // status bar) when something is missing or refused.
    bool start_run();
    void cancel_all();
    bool running() const;

    void export_csv(const QString& path);
    void export_chart(int chart, const QString& path);  // by suffix: png, svg, pdf
    void export_report(const QString& path);            // by suffix: html, pdf
    void save_workspace(const QString& path);
    void load_workspace(const QString& path);
    // The session as it was when the window last closed (QSettings "session/workspace"); false if none.
    bool restore_last_session();
    QString workspace_path() const { return workspace_path_; }  // the file last saved or opened, "" = none
    void show_about();

    Workspace workspace() const;
    const std::vector<RunRecord>& shown_runs() const { return shown_runs_; }
    QString last_error() const { return last_error_; }

    PrecisionListModel* precisions() const { return precisions_; }
    DatasetListModel* datasets() const { return datasets_; }
    DatasetsPage* datasets_page() const { return datasets_page_; }
    JobQueueModel* queue() const { return queue_; }
    ResultsTableModel* results() const { return results_; }
    RunController* controller() const { return controller_; }
    ChartsPage* charts_page() const { return charts_page_; }
    SensitivityPage* sensitivity_page() const { return sensitivity_page_; }
    RunPage* run_page() const { return run_page_; }
    ResultsPage* results_page() const { return results_page_; }
    OutputsPage* outputs_page() const { return outputs_page_; }
    RemotePage* remote_page() const { return remote_page_; }
    QTabWidget* tabs() const { return tabs_; }

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void build_menus();
    void connect_controller();
    void refresh_charts();
    ChartInputs chart_inputs() const;  // the charts' inputs from what the window shows (report too)
    void report_error(const QString& message);
    QString ask_save_path(const QString& title, const QString& filter, const QString& suggested);
    QString ask_open_path(const QString& title, const QString& filter, const char* folder_key);
    void restore_settings();
    void save_settings();
    void apply_workspace(const Workspace& w);
    void add_checked_datasets(EvalMatrix& m) const;  // the Datasets page's ticks: perplexity text and tasks
    bool start_remote_run(EvalMatrix m);
    void update_title();
    bool confirm_close();

    MainWindowOptions options_;
    std::unique_ptr<ResultsStore> store_;
    PrecisionListModel* precisions_;
    DatasetListModel* datasets_;
    JobQueueModel* queue_;
    ResultsTableModel* results_;
    RunController* controller_;
    QTabWidget* tabs_;
    ModelPage* model_page_;
    RemotePage* remote_page_;
    PrecisionsPage* precisions_page_;
    DatasetsPage* datasets_page_;
    RunPage* run_page_;
    ResultsPage* results_page_;
    OutputsPage* outputs_page_;
    ChartsPage* charts_page_;
    RoiPage* roi_page_;
    SensitivityPage* sensitivity_page_;
    QLabel* status_;
    RunRecord live_run_;                 // the run in progress, filled as jobs finish
    std::vector<RunRecord> shown_runs_;  // what the results, charts and report show
    QString last_error_;
    QString workspace_path_;
    QString baseline_;  // the workspace's baseline, used until the results page has one
};

}  // namespace qs::ui
