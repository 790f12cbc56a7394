// Wall time of a phase, in seconds (steady clock: not moved by clock changes).
#pragma once

#include <chrono>

namespace qs {

using SteadyClock = std::chrono::steady_clock;

inline double seconds_since(SteadyClock::time_point t0) {
    return std::chrono::duration<double>(SteadyClock::now() - t0).count();
}

}  // namespace qs
