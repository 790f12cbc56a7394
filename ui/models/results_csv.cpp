#include "results_csv.h"

#include <QSaveFile>
#include <QStringList>

#include "core/error.h"
#include "results_grid.h"

namespace qs::ui {

const QStringList& results_csv_columns() {
    static const QStringList columns = {"run_id", "model", "precision", "evaluator", "dataset", "status", "metric",
                                        "value", "stderr", "ci_low", "ci_high", "delta", "retention_pct",
                                        "significant_loss", "precision_name"};
    return columns;
}

QString csv_field(const QString& s) {
    if (!s.contains(',') && !s.contains('"') && !s.contains('\n')) return s;
    return '"' + QString(s).replace("\"", "\"\"") + '"';
}

QString results_csv(const std::vector<RunRecord>& runs, const QString& baseline) {
    const ResultsGrid grid = ResultsGrid::from_runs(runs, baseline);
    auto num = [](double v) { return std::isnan(v) ? QString() : QString::number(v, 'g', 10); };
    QString out = results_csv_columns().join(',') + "\n";
    for (const auto& run : runs)
        for (const auto& job : run.jobs)
            for (const auto& m : job.metrics) {
                // Find the grid cell of this metric to reuse its comparison.
                ResultComparison cmp;
                const QString precision = QString::fromStdString(job.precision);
                for (int r = 0; r < grid.rows().size(); ++r) {
                    if (grid.rows()[r].run_id != run.id || grid.rows()[r].precision != precision) continue;
                    for (int c = 0; c < grid.columns().size(); ++c) {
                        const auto& col = grid.columns()[c];
                        if (col.key == m.key && col.dataset == QString::fromStdString(job.dataset) &&
                            col.evaluator == evaluator_name(job.evaluator))
                            cmp = grid.compare(r, c);
                    }
                }
                const QStringList fields = {QString::number(run.id), QString::fromStdString(run.model_name), precision,
                                            evaluator_name(job.evaluator), QString::fromStdString(job.dataset),
                                            job_status_name(job.status), QString::fromStdString(m.key), num(m.value),
                                            num(m.stderr_), num(m.ci_low), num(m.ci_high), num(cmp.delta),
                                            num(cmp.retention), cmp.significant && cmp.loss ? "1" : "0",
                                            QString::fromStdString(job.precision_name)};
                QStringList quoted;
                for (const auto& f : fields) quoted << csv_field(f);
                out += quoted.join(',') + "\n";
            }
    return out;
}

void results_csv_write(const QString& path, const std::vector<RunRecord>& runs, const QString& baseline) {
    QSaveFile f(path);  // whole or not at all: a temporary renamed into place by commit()
    if (!f.open(QIODevice::WriteOnly)) throw qs::Error(path.toStdString() + ": cannot write: " + f.errorString().toStdString());
    const QByteArray bytes = results_csv(runs, baseline).toUtf8();
    if (f.write(bytes) != bytes.size() || !f.commit()) throw qs::Error(path.toStdString() + ": write failed: " + f.errorString().toStdString());
}

}  // namespace qs::ui
