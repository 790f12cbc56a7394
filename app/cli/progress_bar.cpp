#include "progress_bar.h"

#include <cstdio>
#include <fmt/format.h>
#include <unistd.h>

namespace qs::cli {

namespace {
std::string format_duration(double s) {
    if (s < 0 || s > 359999) return "--:--";
    const int total = int(s + 0.5);
    return total >= 3600 ? fmt::format("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60)
                         : fmt::format("{:02}:{:02}", total / 60, total % 60);
}
}  // namespace

ProgressBar::ProgressBar(bool enabled) : enabled_(enabled), tty_(::isatty(STDERR_FILENO) == 1) {}

ProgressBar::~ProgressBar() { finish(); }

Progress::Callback ProgressBar::callback() {
    return [this](int64_t done, int64_t total, const std::string& stage) { update(done, total, stage); };
}

void ProgressBar::update(int64_t done, int64_t total, const std::string& stage) {
    if (!enabled_ || total <= 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (stage != stage_ || done == 0) {
        finish();
        stage_ = stage;
        start_ = now;
        last_decile_ = -1;
    }
    const double frac = double(done) / double(total);
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double eta = done > 0 ? elapsed * (1.0 - frac) / frac : -1.0;
    if (tty_) {
        if (done < total && drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
        constexpr int kWidth = 30;
        const int filled = int(frac * kWidth);
        std::fprintf(stderr, "\r%-12s [%s%s] %5.1f%%  %lld/%lld  elapsed %s  ETA %s ", stage.c_str(),
                     std::string(size_t(filled), '#').c_str(), std::string(size_t(kWidth - filled), '.').c_str(),
                     100.0 * frac, (long long)done, (long long)total, format_duration(elapsed).c_str(),
                     format_duration(eta).c_str());
        drawn_ = true;
        last_draw_ = now;
    } else {
        const int decile = int(frac * 10);
        if (decile == last_decile_) return;
        last_decile_ = decile;
        std::fprintf(stderr, "%s: %3d%% (%lld/%lld), elapsed %s, ETA %s\n", stage.c_str(), decile * 10,
                     (long long)done, (long long)total, format_duration(elapsed).c_str(), format_duration(eta).c_str());
    }
    std::fflush(stderr);
}

void ProgressBar::finish() {
    if (drawn_) std::fputc('\n', stderr);
    drawn_ = false;
}

}  // namespace qs::cli
