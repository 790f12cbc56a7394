// Small helpers for the dataset tests: writing files and checking thrown messages.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/run_command.h"
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

// lm-eval's few-shot draws as CPython makes them: random.Random(1234), then for each of `items`
// items rnd.sample(range(n), k). Empty when python3 cannot run (the caller skips).
inline std::vector<std::vector<size_t>> python_fewshot_draws(size_t n, size_t k, size_t items) {
    std::string out;
    const std::string program = "import random\nr=random.Random(1234)\nfor _ in range(" + std::to_string(items) +
                                "):\n    print(*r.sample(range(" + std::to_string(n) + "), " + std::to_string(k) + "))";
    if (run_command("python3 -c '" + program + "'", out) != 0) return {};
    std::vector<std::vector<size_t>> draws;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream in(line);
        draws.emplace_back();
        for (size_t x; in >> x;) draws.back().push_back(x);
    }
    return draws;
}

}  // namespace qs::test

#define EXPECT_CONTAINS(haystack, needle) EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "in: " << (haystack)
