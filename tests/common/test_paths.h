// Where tests find the third-party material in ../shared, and how they skip without it.
#pragma once

#include <gtest/gtest.h>
#include <string>

namespace qs::test {

// Absolute path of shared/<relative> (QS_SHARED_DIR may be overridden by the QS_SHARED_DIR
// environment variable); empty string if that file does not exist.
std::string shared_path(const std::string& relative);

// A fresh, empty temporary directory for this test process.
std::string temp_dir();

}  // namespace qs::test

// Skips the current test with a clear message when a ../shared file is missing.
#define QS_REQUIRE_SHARED(var, relative)                                                  \
    const std::string var = ::qs::test::shared_path(relative);                            \
    if (var.empty()) GTEST_SKIP() << "needs ../shared/" << (relative) << " (not present)"
