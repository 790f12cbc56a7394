// The demo's pictures and report: every chart of the workbench as PNG and SVG, and the report as
// HTML and PDF, drawn with the GUI's own code (ui/models results_charts, charts/ chart_export,
// ui/report) so the CLI and the window always show the same thing. Built only with QS_BUILD_GUI;
// without it demo_render_available() is false and demo_render() writes nothing.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "store/run_record.h"

namespace qs::cli {

struct DemoRenderInputs {
    const RunRecord* run = nullptr;
    std::string out_dir;                                  // charts go to <out_dir>/charts/
    double usd_per_hour = 0;                              // hardware price, for the cost chart
    std::vector<std::pair<std::string, double>> api_prices; // (API name, USD per Mtok generated)
    std::string recommendation;                           // the cost pick ("" = none)
    bool offscreen = true;                                // draw with Qt's "offscreen" platform (no display needed)
};

bool demo_render_available();

// Writes the files and returns their paths. Throws qs::Error naming the file that cannot be written.
std::vector<std::string> demo_render(const DemoRenderInputs& in);

}  // namespace qs::cli
