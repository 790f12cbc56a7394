// The calibration studies the shown runs carry (`quantscope-cli calibration --db`, see
// engine/mixplan/calibration_record.h) as heatmaps, one per run and precision: rows = the text the
// importance matrix came from ("no imatrix" first), columns = the text evaluated on. A cell's colour
// is its mean KLD relative to the best imatrix for that evaluation text (1 = the best; the column
// effect, some domains being harder than others, is taken out), its label the mean KLD itself.
#pragma once

#include <QString>
#include <QVector>
#include <vector>

#include "heatmap_spec.h"
#include "mixplan/calibration_record.h"
#include "store/run_record.h"

namespace qs::ui {

struct CalibrationView {
    QString run_label;         // "run 12: kjv-demo (base F32)"
    QString precision;         // "Q3_K_S"
    charts::HeatmapSpec heatmap;
    std::vector<std::string> rows;  // the heatmap's rows: imatrix text names (kNoImatrixRow) this precision has
    CalibrationTable table;    // the run's whole study (every precision)
};

// One view per run that carries a study and per precision of it, in run order; empty when none does.
QVector<CalibrationView> calibration_views(const std::vector<RunRecord>& runs);

// The imatrix texts `precision` has cells for, in table order (no "none" row for a type that cannot
// be made without an imatrix).
std::vector<std::string> calibration_rows(const CalibrationTable& table, const std::string& precision);

charts::HeatmapSpec calibration_heatmap(const CalibrationTable& table, const std::string& precision, const QString& title);

// "no imatrix" for the row without one, else "imatrix: NAME".
QString calibration_row_label(const std::string& calib);

}  // namespace qs::ui
