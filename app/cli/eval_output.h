// What `quantscope-cli eval` prints: the JSON object (--json), the CSV file (--csv) and the
// human-readable table. Keys and columns are documented in README.md ("eval") and never renamed.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/run_record.h"

namespace qs::cli {

// {"run": {...}, "jobs": [{..., "metrics": {key: {"value", "stderr"?, "ci_low"?, "ci_high"?}}}],
//  "warnings": [...]}; NaN uncertainties are left out (JSON has no NaN).
nlohmann::json eval_json(const RunRecord& run, const std::string& db_path, const std::vector<std::string>& warnings);

// Long format, one row per job x metric (a job without metrics, e.g. failed, gets one row with an
// empty metric and its error): run_id,job,precision,evaluator,dataset,status,metric,value,stderr,
// ci_low,ci_high,unit,seconds,error. Throws qs::Error naming the file when it cannot be written.
void eval_write_csv(const RunRecord& run, const std::string& path);

// Writes a whole CSV text to PATH (atomically: a reader never sees half a file), or to stdout when
// PATH is "-" (the Unix convention scripts expect; before, `--csv -` made a file named "-").
// Throws qs::Error naming the file when it cannot be written.
void write_csv_output(const std::string& path, const std::string& text);

// A CSV field, quoted when it needs to be (RFC 4180); a number at full precision ("" for NaN).
std::string csv_field(const std::string& s);
std::string csv_number(double v);

// A table on stdout: one line per job with its status and headline metrics.
void eval_print_table(const RunRecord& run);

}  // namespace qs::cli
