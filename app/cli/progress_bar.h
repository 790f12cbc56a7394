// A progress bar with rate and ETA on stderr for long CLI work. On a terminal it redraws one
// line; when stderr is a file or pipe (scripts, CI) it prints a plain line every 10 % instead,
// so logs stay readable. Silent with --quiet.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "core/progress.h"

namespace qs::cli {

class ProgressBar {
public:
    explicit ProgressBar(bool enabled);
    ~ProgressBar();
    // A qs::Progress whose callback draws this bar. The bar must outlive it.
    Progress::Callback callback();
    void finish();

private:
    void update(int64_t done, int64_t total, const std::string& stage);
    bool enabled_, tty_;
    bool drawn_ = false;
    int last_decile_ = -1;
    std::chrono::steady_clock::time_point start_, last_draw_;
    std::string stage_;
};

}  // namespace qs::cli
