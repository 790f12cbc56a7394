// Small helpers for the dataset tests: writing files and checking thrown messages.
#pragma once

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "common/test_paths.h"
#include "core/error.h"
#include "datasets/task_dataset.h"

namespace qs::test {

inline std::string write_file(const std::string& name, const std::string& content) {
    const std::string path = temp_dir() + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
}

// The qs::Error message dataset_load throws, or "" when it does not throw.
inline std::string load_error(const std::string& format, const std::string& path, const DatasetOptions& options = {}) {
    try {
        dataset_load(format, path, options);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace qs::test

#define EXPECT_CONTAINS(haystack, needle) EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "in: " << (haystack)
