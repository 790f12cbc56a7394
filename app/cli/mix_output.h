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

// Inserts the run of a study (a scan, a calibration study) of `model_path`: its name, size and hash
// read from the file, started now.
RunRecord study_run_insert(ResultsStore& store, const std::string& model_path, const std::string& engine_version,
                           const std::string& baseline, const std::string& settings_json, const std::string& note);

// Stores a scan as it runs: the run (with its base pass once known) and each cell as a KLD job.
class SensitivityRecorder {
public:
    // store may be null (nothing is written).
    SensitivityRecorder(ResultsStore* store, const std::string& model_path, const std::string& text_path,
                        const std::string& baseline, const std::string& settings_json, const std::string& note);
    void cell(const SensitivityScan& scan, const SensitivityCell& cell);
    void finish();
    int64_t run_id() const { return run_.id; }

private:
    ResultsStore* store_;
    RunRecord run_;
    std::string dataset_, dataset_path_, settings_;
    bool base_written_ = false;
    int next_index_ = 1;
};

}  // namespace qs::cli
