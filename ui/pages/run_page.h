// Run page: what the run evaluates (the model file at the ticked precisions, or an endpoint, for
// which precisions, KLD and bench do not apply and say so), run settings, the job queue (a progress bar per job and one overall, with ETA),
// cancel one or all, and the log. Fed by the main window from RunController's signals.
#pragma once

#include <QWidget>

class QCheckBox;
class QDoubleSpinBox;
class QComboBox;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableView;

namespace qs::ui {

class JobQueueModel;

struct RunSettings {
    int n_ctx = 512;
    bool kld = true;
    bool bench = false;
    int workers = 1;
    int threads = 0;
    QString chat_template = "none";  // generation tasks: "none", "auto" (the model's own) or a family name
    bool until_decided = false;      // each precision stops when its comparison with the baseline is decided
    double margin = 1.0;             // ... against this margin: accuracy points, or % of perplexity
};

class RunPage : public QWidget {
    Q_OBJECT
public:
    RunPage(JobQueueModel* queue, QWidget* parent = nullptr);

    RunSettings settings() const;
    void set_settings(const RunSettings& s);
    void set_running(bool running);
    // The line above the settings saying what runs. endpoint: KLD and bench are shown off and
    // disabled (they need a local model) until a file is the source again.
    void set_source(const QString& text, bool endpoint);
    QLabel* source_label() const { return source_; }
    void append_log(const QString& line);
    void refresh_overall();  // overall bar and ETA from the queue
    QPushButton* run_button() const { return run_; }
    QPushButton* cancel_all_button() const { return cancel_all_; }
    QPlainTextEdit* log() const { return log_; }
    QProgressBar* overall() const { return overall_; }

signals:
    void run_requested();
    void cancel_job_requested(int job_index);
    void cancel_all_requested();
    void chat_template_changed(const QString& choice);

private:
    JobQueueModel* queue_;
    QLabel* source_;
    bool endpoint_ = false;
    bool kld_choice_ = true, bench_choice_ = false;  // the user's, kept while an endpoint disables the boxes
    QComboBox* chat_template_;
    QSpinBox *n_ctx_, *workers_, *threads_;
    QCheckBox *kld_, *bench_, *until_decided_;
    QDoubleSpinBox* margin_;
    QPushButton *run_, *cancel_one_, *cancel_all_;
    QTableView* table_;
    QProgressBar* overall_;
    QLabel* eta_;
    QPlainTextEdit* log_;
};

}  // namespace qs::ui
