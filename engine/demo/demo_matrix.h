// The demo's evaluation matrix, one definition for both front ends: `quantscope-cli demo` runs it
// headless, `quantscope --demo` opens the workbench on it and starts it.
#pragma once

#include <string>
#include <vector>

#include "demo/demo_assets.h"
#include "jobs/job_matrix.h"

namespace qs {

// F32 (the baseline), F16, Q8_0, Q4_K_M, Q4_0, Q2_K and QuantScope's in-memory NF4. NF4 has no
// preset: it is a Q8_0 mix whose every tensor is overridden to nf4 (precision_recipe.h).
const std::vector<std::string>& demo_precisions();
inline constexpr const char* kDemoNf4Recipe = "Q8_0+.*=nf4";

// Perplexity and KLD on the held-out corpus, accuracy and calibration on the built-in task, speed
// and memory. Sizes are chosen so the full matrix ends in about two minutes on a busy 2-core
// machine (README "Demo"); quick is the test suite's seconds-long version of the same matrix.
EvalMatrix demo_matrix(const DemoAssets& assets, bool quick);

}  // namespace qs
