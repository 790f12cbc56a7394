// Shared by the demo tests: skip cleanly when Debian's bible-kjv (the demo's text) is not installed.
#pragma once

#include <filesystem>
#include <gtest/gtest.h>

#include "demo/kjv_text.h"

#define QS_REQUIRE_KJV()                                                                          \
    if (!std::filesystem::exists(::qs::kjv_program_path()) || !std::filesystem::exists(::qs::kKjvDataPath)) \
    GTEST_SKIP() << "needs Debian's King James Bible (" << ::qs::kjv_program_path() << ", " << ::qs::kKjvDataPath \
                 << "): sudo apt-get install bible-kjv bible-kjv-text"
