// A calibration study as results-store records, and back: the base pass on each evaluation text is
// a perplexity job; each cell is a KLD job whose precision is the recipe, whose display name says
// which text the imatrix came from, and whose settings carry {"calibration": {"imatrix_text",
// "imatrix_path", "eval_text", "precision", "base"}} ("none" / "" for the row without an imatrix).
// History, CSV and comparisons show the cells like any KLD job; the GUI and the report find a run's
// study by those settings (calibration_table_from_run) and draw it as a heatmap.
#pragma once

#include <string>
#include <vector>

#include "mixplan/calibration_study.h"
#include "store/run_record.h"

namespace qs {

inline constexpr const char* kNoImatrixRow = "none";  // the row quantized without an importance matrix

// The base pass on evaluation text `eval`, and one cell, as Done jobs (index = position in the run).
// dataset/dataset_path come from the study's text names and paths.
JobRecord calibration_base_job(const CalibrationStudy& study, int eval, int index, const std::string& settings_json);
JobRecord calibration_cell_job(const CalibrationStudy& study, const CalibrationCell& cell, int index,
                               const std::string& settings_json);

// The study a stored run carries, as plain values for heatmaps.
struct CalibrationEntry {
    std::string calib;        // imatrix text name, or kNoImatrixRow
    std::string eval;         // evaluation text name
    std::string precision;    // recipe string
    double kld = 0, kld_stderr = 0, ln_ppl_ratio = 0, ln_ppl_ratio_stderr = 0, ppl = 0;
};
struct CalibrationTable {
    std::string base;
    std::vector<std::string> calib;       // rows in the order measured ("none" first when present)
    std::vector<std::string> eval;        // columns in the order measured
    std::vector<std::string> precisions;  // in the order measured
    std::vector<CalibrationEntry> entries;
    bool empty() const { return entries.empty(); }
    const CalibrationEntry* find(const std::string& calib, const std::string& eval, const std::string& precision) const;
};

// Reads the Done KLD jobs of `run` that carry calibration settings; empty when none do.
CalibrationTable calibration_table_from_run(const RunRecord& run);

}  // namespace qs
