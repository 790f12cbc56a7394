// The charts and the report of stored runs, drawn with the GUI's own code (ui/models results_charts,
// charts/ chart_export, ui/report) so the CLI and the window always show the same thing: `report`
// writes one report, `demo` its charts and report. Built only with QS_BUILD_GUI; without it
// report_render_available() is false and the functions throw a qs::Error saying so.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cost/cost_model.h"
#include "eval/decision.h"
#include "store/run_record.h"

namespace qs::cli {

struct ReportRenderInputs {
    std::vector<RunRecord> runs;
    std::string baseline;                                  // precision each model is compared with ("" = the run's)
    std::string reference;                                 // row label for a cross-model comparison ("" = none)
    std::vector<std::pair<std::string, double>> cost_per_mtok;  // (precision of the first run, USD per Mtok generated)
    std::string cost_note;                                 // where cost's speed and price come from
    std::vector<std::pair<std::string, double>> api_prices; // (API name, USD per Mtok generated)
    std::optional<Decision> decision;                      // the rule's answer (none: the report says none was computed)
    std::vector<PrecisionCost> costs;                      // at the profile the decision ranked by (empty: by size)
    std::string cost_where;                                // "on H100 at $2.5/h, speeds estimated (roofline)" or why no cost
    bool offscreen = true;                                 // draw with Qt's "offscreen" platform (no display needed)
};

bool report_render_available();

// The report as PDF or HTML, chosen by the suffix of `path` (.pdf, .html/.htm).
void report_render(const ReportRenderInputs& in, const std::string& path);

// Every chart with data as PNG and SVG into `dir` (created); returns the paths written.
std::vector<std::string> charts_render(const ReportRenderInputs& in, const std::string& dir);

}  // namespace qs::cli
