// report_render() of a build without the GUI (QS_BUILD_GUI=OFF): no Qt, so no charts or report.
#include "report_render.h"

#include "core/error.h"

namespace qs::cli {

bool report_render_available() { return false; }

void report_render(const ReportRenderInputs&, const std::string& path) {
    throw Error(path + ": reports need the GUI build (configure with -DQS_BUILD_GUI=ON)");
}

std::vector<std::string> charts_render(const ReportRenderInputs&, const std::string& dir) {
    throw Error(dir + ": charts need the GUI build (configure with -DQS_BUILD_GUI=ON)");
}

}  // namespace qs::cli
