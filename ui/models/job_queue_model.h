// The Run page's queue: one row per job of the run, with its status, the progress of its current
// stage (ProgressRole: 0..1, drawn as a bar by the page's delegate) and its ETA. Fed only on the
// GUI thread, by RunController's queued signals.
#pragma once

#include <QAbstractTableModel>

#include "store/run_record.h"

namespace qs::ui {

struct JobRow {
    JobRecord job;
    QString stage;
    double fraction = 0;      // of the current stage, 0..1 (1 once ended)
    double eta_seconds = -1;  // -1 unknown
};

class JobQueueModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Index, Precision, Evaluator, Dataset, Status, Progress, Time, ColumnCount };
    enum Role { ProgressRole = Qt::UserRole + 1 };

    explicit JobQueueModel(QObject* parent = nullptr);

    void set_jobs(const std::vector<JobRecord>& jobs);
    void clear();
    // Updates the row of job.index (ignored if unknown).
    void update_job(const JobRecord& job);
    void set_progress(int job_index, double fraction, const QString& stage, double eta_seconds);

    const QVector<JobRow>& rows() const { return rows_; }
    double overall_fraction() const;  // ended jobs count 1, the running ones their fraction
    double overall_eta_seconds() const;  // -1 unknown; from the running jobs' pace
    int ended_count() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    int row_of(int job_index) const;
    QVector<JobRow> rows_;
};

QString duration_text(double seconds);  // "1 min 05 s", "12 s"

}  // namespace qs::ui
