// The Run page's queue: one row per job of the run, with its status, the progress of its current
// stage (ProgressRole: 0..1, drawn as a bar by the page's delegate) and its ETA. Fed only on the
// GUI thread, by RunController's queued signals. The ETAs (each job's and the run's) come from
// engine/jobs' RunEta: rates measured on this run's jobs, on the model's own clock.
#pragma once

#include <QAbstractTableModel>
#include <QElapsedTimer>
#include <functional>

#include "jobs/run_eta.h"
#include "store/run_record.h"

namespace qs::ui {

struct JobRow {
    JobRecord job;
    QString stage;
    double fraction = 0;      // of the current stage, 0..1 (1 once ended)
    double eta_seconds = -1;  // of the current stage as the runner reports it; -1 unknown
};

class JobQueueModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Index, Precision, Evaluator, Dataset, Status, Progress, Time, ColumnCount };
    enum Role { ProgressRole = Qt::UserRole + 1 };

    explicit JobQueueModel(QObject* parent = nullptr);

    // A new run's jobs; `workers` run at once (the ETA divides the work among them).
    void set_jobs(const std::vector<JobRecord>& jobs, int workers = 1);
    void clear();
    // Updates the row of job.index (ignored if unknown).
    void update_job(const JobRecord& job);
    void set_progress(int job_index, double fraction, const QString& stage, double eta_seconds);
    // The clock the ETAs are measured on (seconds); default: time since set_jobs. For tests.
    void set_clock(std::function<double()> seconds) { clock_fn_ = std::move(seconds); }

    const QVector<JobRow>& rows() const { return rows_; }
    double overall_fraction() const;  // done and failed jobs count 1, running and cancelled ones the fraction reached
    double overall_eta_seconds() const;  // -1 unknown; RunEta::remaining_seconds now
    double job_eta_seconds(int job_index) const;  // -1 unknown; RunEta::job_remaining_seconds now
    bool overall_eta_rough() const { return eta_.rough(); }  // some kind of job left has not been measured
    int ended_count() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    int row_of(int job_index) const;
    double now() const { return clock_fn_ ? clock_fn_() : clock_.isValid() ? double(clock_.nsecsElapsed()) * 1e-9 : 0.0; }
    QVector<JobRow> rows_;
    RunEta eta_;
    QElapsedTimer clock_;
    std::function<double()> clock_fn_;
};

QString duration_text(double seconds);  // "1 min 05 s", "12 s"

}  // namespace qs::ui
