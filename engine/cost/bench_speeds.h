// Per-precision throughput for the cost model, read from what `quantscope-cli bench --json` prints
// (results[].precision, results[].pp.avg_ts, results[].tg.avg_ts), so cost can follow bench in a
// script or the GUI can price a stored bench.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cost/cost_model.h"

namespace qs {

// `label` names the source in errors. Throws qs::Error("<label>: results[1].tg.avg_ts: ...") for
// invalid JSON, a missing 'results' array, a result without a precision, or without a generation
// throughput (bench run with -n 0). pp_tps is 0 when the bench skipped the prompt test.
std::vector<PrecisionSpeed> bench_speeds_parse(std::string_view json_text, const std::string& label);
std::vector<PrecisionSpeed> bench_speeds_load(const std::string& path);

}  // namespace qs
