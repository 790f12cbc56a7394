// Stored studies (mixplan/sensitivity_record.h, mixplan/calibration_record.h): their cells are KLD
// jobs whose settings carry one object under the study's key ({"sensitivity": {...}},
// {"calibration": {...}}). A cell measures one tensor group or one imatrix's text, not a candidate
// precision: the results grid and the recommendation leave cells to the study's own views.
#pragma once

#include <nlohmann/json.hpp>

#include "store/run_record.h"

namespace qs {

// settings_json[key] of a KLD job when it is an object; null otherwise (another evaluator, no such
// key, settings that do not parse).
inline nlohmann::json kld_job_study_settings(const JobRecord& job, const char* key) {
    if (job.evaluator != EvaluatorKind::Kld || job.settings_json.find(key) == std::string::npos) return nullptr;
    const nlohmann::json s = nlohmann::json::parse(job.settings_json, nullptr, false);
    if (!s.is_object() || !s.contains(key) || !s[key].is_object()) return nullptr;
    return s[key];
}

inline constexpr const char* kSensitivityStudyKey = "sensitivity";
inline constexpr const char* kCalibrationStudyKey = "calibration";

// Whether a job is a cell of either study.
inline bool job_is_study_cell(const JobRecord& job) {
    return !kld_job_study_settings(job, kSensitivityStudyKey).is_null() || !kld_job_study_settings(job, kCalibrationStudyKey).is_null();
}

}  // namespace qs
