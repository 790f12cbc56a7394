// Calibration studies as store records; see calibration_record.h.
#include "mixplan/calibration_record.h"

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "jobs/job_metrics.h"
#include "store/results_store.h"
#include "store/study_cell.h"

namespace qs {

namespace {

void add_unique(std::vector<std::string>& list, const std::string& v) {
    if (std::find(list.begin(), list.end(), v) == list.end()) list.push_back(v);
}

JobRecord done_job(int index, const std::string& eval_path, const std::string& settings_json) {
    JobRecord j;
    j.index = index;
    j.dataset = std::filesystem::path(eval_path).filename().string();
    j.dataset_path = eval_path;
    j.settings_json = settings_json;
    j.status = JobStatus::Done;
    j.finished_at = utc_now_iso8601();
    return j;
}

}  // namespace

JobRecord calibration_base_job(const CalibrationStudy& study, int eval, int index, const std::string& settings_json) {
    JobRecord j = done_job(index, study.eval_paths[size_t(eval)], settings_json);
    j.precision = study.base;
    j.evaluator = EvaluatorKind::Perplexity;
    j.metrics = perplexity_metrics(study.base_perplexity[size_t(eval)]);
    j.seconds = study.base_perplexity[size_t(eval)].seconds;
    return j;
}

JobRecord calibration_cell_job(const CalibrationStudy& study, const CalibrationCell& cell, int index,
                               const std::string& settings_json) {
    nlohmann::json settings = settings_json.empty() ? nlohmann::json::object() : nlohmann::json::parse(settings_json);
    const bool none = cell.calib < 0;
    const std::string calib = none ? kNoImatrixRow : study.calib[size_t(cell.calib)];
    settings[kCalibrationStudyKey] = {{"imatrix_text", calib},
                               {"imatrix_path", none ? "" : study.calib_paths[size_t(cell.calib)]},
                               {"eval_text", study.eval[size_t(cell.eval)]},
                               {"precision", study.precisions[size_t(cell.precision)]},
                               {"base", study.base}};
    JobRecord j = done_job(index, study.eval_paths[size_t(cell.eval)], settings.dump());
    j.precision = study.precisions[size_t(cell.precision)];
    j.precision_name = j.precision + (none ? ", no imatrix" : ", imatrix from " + calib);
    j.evaluator = EvaluatorKind::Kld;
    j.metrics = cell.metrics;
    j.seconds = cell.seconds;
    return j;
}

const CalibrationEntry* CalibrationTable::find(const std::string& c, const std::string& e, const std::string& p) const {
    for (const CalibrationEntry& x : entries)
        if (x.calib == c && x.eval == e && x.precision == p) return &x;
    return nullptr;
}

CalibrationTable calibration_table_from_run(const RunRecord& run) {
    CalibrationTable t;
    for (const JobRecord& j : run.jobs) {
        if (j.status != JobStatus::Done) continue;
        const nlohmann::json s = kld_job_study_settings(j, kCalibrationStudyKey);
        if (s.is_null()) continue;
        CalibrationEntry e;
        e.calib = s.value("imatrix_text", std::string(kNoImatrixRow));
        e.eval = s.value("eval_text", j.dataset);
        e.precision = s.value("precision", j.precision);
        if (t.base.empty()) t.base = s.value("base", std::string());
        if (const Metric* m = metric_find(j.metrics, "kld_mean")) e.kld = m->value, e.kld_stderr = m->stderr_;
        if (const Metric* m = metric_find(j.metrics, "ln_ppl_ratio")) e.ln_ppl_ratio = m->value, e.ln_ppl_ratio_stderr = m->stderr_;
        if (const Metric* m = metric_find(j.metrics, "ppl")) e.ppl = m->value;
        add_unique(t.calib, e.calib);
        add_unique(t.eval, e.eval);
        add_unique(t.precisions, e.precision);
        t.entries.push_back(std::move(e));
    }
    return t;
}

}  // namespace qs
