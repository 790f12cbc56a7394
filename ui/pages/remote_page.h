// Remote page: a model behind an OpenAI-compatible endpoint (vLLM, llama-server, quantscope-cli
// serve) beside the local file of the Model page. "Check endpoint" asks its /v1/models on a
// background thread and shows who answers (base URL, model, server fingerprint, context); the API
// key is read from the environment variable named here, never typed in or stored. With "Run
// through this endpoint" ticked (and the GGUF whose vocabulary the served model uses, for the
// token-level requests), the Run page runs the ticked datasets through it instead of the Model
// page's file. Below, the drift
// history of a monitor database (`quantscope-cli monitor --db`): one series per endpoint x model x
// golden file, each check a row and a point.
#pragma once

#include <QWidget>
#include <memory>
#include <vector>

#include "remote/drift_store.h"
#include "workspace.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;

namespace qs::charts {
class ChartView;
}

namespace qs::ui {

class DriftHistoryModel;

class RemotePage : public QWidget {
    Q_OBJECT
public:
    explicit RemotePage(QWidget* parent = nullptr);
    ~RemotePage() override;

    RemoteSetting endpoint() const;  // the fields as they are (trimmed)
    void set_endpoint(const RemoteSetting& e);
    // "endpoint: <model> at <url>" when runs go through the endpoint, else "".
    QString run_source_text() const;
    // Asks the endpoint who it is; the answer (or the error) arrives in identity_label() later.
    void check_endpoint();

    // Opens a drift database and shows its newest series; false (message on the page) when it
    // cannot be read or holds no series.
    bool open_drift_db(const QString& path);
    void show_series(int index);  // index into series()
    const std::vector<DriftSeriesInfo>& series() const { return series_; }
    DriftHistoryModel* history() const { return history_; }
    charts::ChartView* chart() const { return chart_; }
    QLabel* identity_label() const { return identity_; }

signals:
    void open_drift_requested();  // the "Open…" button: the window shows the file dialog
    void endpoint_checked(bool ok);
    void tokenizer_browse_requested();  // the window shows the file dialog
    void source_changed();              // any field or the "run through" box changed

private:
    QLineEdit *url_, *model_, *key_env_, *tokenizer_;
    QCheckBox* use_for_runs_;
    QPushButton* check_;
    QLabel* identity_;
    QLabel* drift_path_;
    QComboBox* series_box_;
    QLabel* verdict_;
    QTableView* table_;
    DriftHistoryModel* history_;
    charts::ChartView* chart_;
    std::unique_ptr<DriftStore> store_;
    std::vector<DriftSeriesInfo> series_;
};

}  // namespace qs::ui
