// How the CLI shows a recommendation (eval/decision.h) and a speed's origin: the JSON object that
// `cost --json` and the demo's results.json carry, the lines `cost` and `demo` print, and where
// `cost`, `demo` and `report` find the price table.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "cost/cost_model.h"
#include "eval/decision.h"

namespace qs::cli {

// {"decided", "picked", "baseline", "margin_pp", "reason", "candidates": [{"precision", "verdict",
//  "price", "items_needed", "reason", "criteria": [{"criterion", "verdict", "estimate", "ci_low",
//  "ci_high", "bound", "threshold", "items", "items_needed", "text"}]}]} (NaN -> null)
nlohmann::json decision_json(const Decision& d);

// "recommendation: ..." and one line per candidate with its verdict and evidence.
std::string decision_text(const Decision& d);

// The price table a command uses: `given`, else the shipped one found next to this executable
// (price_table_default_path). Throws qs::Error naming `command` when there is none.
std::string price_table_path(const std::string& given, const char* command);

// "300.5 ± 12.1" (the ± only when the sd is known).
std::string speed_text(double tps, double sd);

}  // namespace qs::cli
