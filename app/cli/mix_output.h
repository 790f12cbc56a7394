// What `sensitivity`, `recommend` and `calibration` share: reading --low/--types lists, the scan as
// JSON and as a ranked table, and storing a study as a run in the results database
// (mixplan/sensitivity_record.h, mixplan/calibration_record.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mixplan/sensitivity_scan.h"
#include "store/run_record.h"

namespace qs {
class ResultsStore;
}

namespace qs::cli {

// "q2_K,q4_K" -> types; throws qs::Error naming the flag and the unknown name.
std::vector<GgmlType> parse_type_list(const std::vector<std::string>& names, const char* flag);

// {"base", "types", "groups": [...], "cells": [...], "base_ppl", "seconds": {...}}: see README.md "sensitivity".
nlohmann::json sensitivity_json(const SensitivityScan& scan);
// Per low type, the groups ranked by mean KLD, with ln PPL ratio and bytes.
void sensitivity_print_table(const SensitivityScan& scan);

// Stores a study (a sensitivity scan, a calibration study) as a run while it goes. The run (the
// model's name, size and hash read from the file) is inserted with the first job, so a study that
// fails before measuring anything leaves no empty run behind. store may be null: nothing is written.
class StudyRecorder {
public:
    StudyRecorder(ResultsStore* store, std::string model_path, std::string engine_version, std::string baseline,
                  std::string settings_json, std::string note);
    bool active() const { return store_ != nullptr; }
    bool started() const { return run_.id != 0; }
    // Inserts the run first if needed; fills the job's run id and its dataset's hash.
    void store_job(JobRecord job);
    void finish();
    int64_t run_id() const { return run_.id; }
    const std::string& settings() const { return settings_; }

private:
    ResultsStore* store_;
    RunRecord run_;
    std::string model_path_, engine_version_, baseline_, settings_, note_;
};

// Stores a scan as it runs: its base pass (with the first cell) and each cell as a KLD job.
class SensitivityRecorder {
public:
    SensitivityRecorder(ResultsStore* store, const std::string& model_path, const std::string& text_path,
                        const std::string& baseline, const std::string& settings_json, const std::string& note);
    void cell(const SensitivityScan& scan, const SensitivityCell& cell);
    void finish() { study_.finish(); }
    int64_t run_id() const { return study_.run_id(); }

private:
    StudyRecorder study_;
    std::string dataset_, dataset_path_;
    int next_index_ = 1;
};

}  // namespace qs::cli
