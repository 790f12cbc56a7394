#include "calibration_heatmap.h"

#include <cmath>
#include <limits>

namespace qs::ui {

QString calibration_row_label(const std::string& calib) {
    return calib == kNoImatrixRow ? QString("no imatrix") : "imatrix: " + QString::fromStdString(calib);
}

std::vector<std::string> calibration_rows(const CalibrationTable& table, const std::string& precision) {
    std::vector<std::string> rows;
    for (const std::string& c : table.calib)
        for (const std::string& e : table.eval)
            if (table.find(c, e, precision) && (rows.empty() || rows.back() != c)) rows.push_back(c);
    return rows;
}

charts::HeatmapSpec calibration_heatmap(const CalibrationTable& table, const std::string& precision, const QString& title) {
    charts::HeatmapSpec h;
    h.id = "calibration_" + QString::fromStdString(precision);
    h.title = title;
    h.note = QString("Rows: imatrix from · columns: evaluated on · label: mean KLD vs %1, × the column's best (lower is better)")
                 .arg(QString::fromStdString(table.base.empty() ? std::string("the base") : table.base));
    h.value_title = "× best";
    h.empty_message = "no calibration study in the shown runs";
    for (const std::string& e : table.eval) h.columns << "on " + QString::fromStdString(e);
    const std::vector<std::string> rows = calibration_rows(table, precision);
    for (const std::string& c : rows) h.rows << calibration_row_label(c);
    for (const std::string& c : rows)
        for (const std::string& e : table.eval) {
            double best = std::numeric_limits<double>::infinity();
            for (const std::string& o : table.calib)
                if (const CalibrationEntry* x = table.find(o, e, precision)) best = std::min(best, x->kld);
            const CalibrationEntry* x = table.find(c, e, precision);
            const bool ok = x && best > 0 && std::isfinite(best);
            h.values.push_back(ok ? x->kld / best : NAN);
            h.labels << (x ? QString::number(x->kld, 'g', 4) + (ok && x->kld == best ? " (best)" : QString(" ×%1").arg(x->kld / best, 0, 'f', 2))
                           : QString());
            h.tooltips << (x ? QString("%1, %2, on %3\nmean KLD %4 ± %5\nln PPL ratio %6 ± %7\nPPL %8")
                                   .arg(QString::fromStdString(precision), calibration_row_label(c), QString::fromStdString(e))
                                   .arg(x->kld, 0, 'g', 5).arg(x->kld_stderr, 0, 'g', 2)
                                   .arg(x->ln_ppl_ratio, 0, 'f', 5).arg(x->ln_ppl_ratio_stderr, 0, 'f', 5)
                                   .arg(x->ppl, 0, 'f', 3)
                             : QString());
        }
    return h;
}

QVector<CalibrationView> calibration_views(const std::vector<RunRecord>& runs) {
    QVector<CalibrationView> out;
    for (const RunRecord& run : runs) {
        CalibrationTable table = calibration_table_from_run(run);
        if (table.empty()) continue;
        const QString base = QString::fromStdString(table.base.empty() ? std::string("the base") : table.base);
        for (const std::string& p : table.precisions) {
            CalibrationView v;
            v.run_label = QString("run %1: %2 (base %3)").arg(run.id).arg(QString::fromStdString(run.model_name), base);
            v.precision = QString::fromStdString(p);
            v.heatmap = calibration_heatmap(table, p, QString("Calibration text and %1, %2").arg(v.precision, v.run_label));
            v.heatmap.id = QString("calibration_run%1_%2").arg(run.id).arg(v.precision);
            v.rows = calibration_rows(table, p);
            v.table = table;
            out.push_back(std::move(v));
        }
    }
    return out;
}

}  // namespace qs::ui
