#include "job_queue_model.h"

#include <QColor>
#include <cmath>

namespace qs::ui {

QString duration_text(double s) {
    if (s < 0 || std::isnan(s)) return "—";
    if (s < 60) return QString("%1 s").arg(s, 0, 'f', s < 10 ? 1 : 0);
    const int total = int(std::lround(s));
    if (total < 3600) return QString("%1 min %2 s").arg(total / 60).arg(total % 60, 2, 10, QChar('0'));
    return QString("%1 h %2 min").arg(total / 3600).arg((total % 3600) / 60, 2, 10, QChar('0'));
}

namespace {
bool ended(JobStatus s) { return s == JobStatus::Done || s == JobStatus::Failed || s == JobStatus::Cancelled; }
}  // namespace

JobQueueModel::JobQueueModel(QObject* parent) : QAbstractTableModel(parent) {}

void JobQueueModel::set_jobs(const std::vector<JobRecord>& jobs, int workers) {
    beginResetModel();
    rows_.clear();
    for (const auto& j : jobs) rows_.push_back({j, {}, j.status == JobStatus::Done ? 1.0 : 0.0, -1});
    eta_ = RunEta(jobs, workers);
    clock_.start();
    endResetModel();
}

void JobQueueModel::clear() { set_jobs({}); }

int JobQueueModel::row_of(int job_index) const {
    for (int i = 0; i < rows_.size(); ++i)
        if (rows_[i].job.index == job_index) return i;
    return -1;
}

void JobQueueModel::update_job(const JobRecord& job) {
    const int r = row_of(job.index);
    if (r < 0) return;
    rows_[r].job = job;
    if (job.status == JobStatus::Running) eta_.job_started(job.index, now());
    if (ended(job.status)) {
        eta_.job_ended(job.index, job.status, now());
        if (job.status == JobStatus::Done) rows_[r].fraction = 1.0;  // a cancelled job keeps how far it got
        rows_[r].eta_seconds = 0;
    }
    emit dataChanged(index(r, 0), index(r, ColumnCount - 1));
}

void JobQueueModel::set_progress(int job_index, double fraction, const QString& stage, double eta_seconds) {
    const int r = row_of(job_index);
    if (r < 0) return;
    rows_[r].fraction = std::clamp(fraction, 0.0, 1.0);
    rows_[r].stage = stage;
    rows_[r].eta_seconds = eta_seconds;
    eta_.job_progress(job_index, stage.toStdString(), rows_[r].fraction, now());
    emit dataChanged(index(r, Status), index(r, ColumnCount - 1));
}

double JobQueueModel::overall_fraction() const {
    if (rows_.isEmpty()) return 0;
    double sum = 0;
    for (const auto& r : rows_) sum += r.job.status == JobStatus::Done || r.job.status == JobStatus::Failed ? 1.0 : r.fraction;
    return sum / double(rows_.size());
}

double JobQueueModel::overall_eta_seconds() const { return eta_.remaining_seconds(now()); }

double JobQueueModel::job_eta_seconds(int job_index) const { return eta_.job_remaining_seconds(job_index, now()); }

int JobQueueModel::ended_count() const {
    int n = 0;
    for (const auto& r : rows_) n += ended(r.job.status);
    return n;
}

int JobQueueModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(rows_.size()); }
int JobQueueModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant JobQueueModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount) return {};
    const auto& r = rows_[index.row()];
    if (role == ProgressRole) return r.fraction;
    if (role == Qt::ToolTipRole && !r.job.error.empty()) return QString::fromStdString(r.job.error);
    if (role == Qt::ForegroundRole && index.column() == Status) {
        if (r.job.status == JobStatus::Failed) return QColor(Qt::red);
        if (r.job.status == JobStatus::Cancelled) return QColor(Qt::darkYellow);
        return {};
    }
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
    case Index: return r.job.index + 1;
    case Precision: return QString::fromStdString(precision_label(r.job));
    case Evaluator: return QString(evaluator_name(r.job.evaluator));
    case Dataset: return QString::fromStdString(r.job.dataset);
    case Status: {
        QString s = job_status_name(r.job.status);
        if (r.job.status == JobStatus::Running && !r.stage.isEmpty()) s += " (" + r.stage + ")";
        if (r.job.status == JobStatus::Failed) s += ": " + QString::fromStdString(r.job.error);
        return s;
    }
    case Progress:
        // An ended job that did not finish says so: a bar at 100 % would read as done.
        if (r.job.status == JobStatus::Cancelled) return tr("cancelled");
        if (r.job.status == JobStatus::Failed) return tr("failed");
        return QString("%1 %").arg(int(std::lround(r.fraction * 100)));
    case Time:
        if (ended(r.job.status)) return duration_text(r.job.seconds);
        if (r.job.status == JobStatus::Running) return "ETA " + duration_text(job_eta_seconds(r.job.index));
        return QString();
    }
    return {};
}

QVariant JobQueueModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return QAbstractTableModel::headerData(section, orientation, role);
    static const char* titles[] = {"#", "Precision", "Evaluator", "Dataset", "Status", "Progress", "Time"};
    return section >= 0 && section < ColumnCount ? QVariant(titles[section]) : QVariant();
}

}  // namespace qs::ui
