// demo_render() of a build without the GUI (QS_BUILD_GUI=OFF): no Qt, so no charts or report.
#include "demo_render.h"

namespace qs::cli {

bool demo_render_available() { return false; }

std::vector<std::string> demo_render(const DemoRenderInputs&) { return {}; }

}  // namespace qs::cli
