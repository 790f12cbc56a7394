// How idle OpenMP threads wait, chosen by the program rather than left to libgomp's default.
//
// libgomp's default (OMP_WAIT_POLICY unset) spins an idle thread for 300,000 rounds before it
// sleeps. On a machine where another program holds a core (a desktop: the GUI itself, a browser, a
// build), the spinning threads take time slices from the threads doing work, and every fork/join
// waits for a descheduled thread: 200 ARC items on stories260K took 142 s with one core busy
// against 7 s with passive waiting (docs/performance.md, scripts/bench_busy.py). Passive waiting
// (threads sleep at once) was fastest there and no slower on an idle machine, so it is the default.
//
// libgomp reads its environment once, when the library is loaded, before main() runs; so the only
// way for the program to choose is to set the variable and execute itself again, which
// openmp_env_defaults() does (once; a few milliseconds) when the user has set neither
// OMP_WAIT_POLICY nor GOMP_SPINCOUNT. QS_OPENMP_DEFAULTS=0 turns this off (libgomp's own default).
#pragma once

namespace qs {

inline constexpr const char* kDefaultWaitPolicy = "passive";

// Call first thing in main(), before anything touches OpenMP. Returns only if no re-execution was
// needed (or it failed, in which case the program runs with libgomp's defaults).
void openmp_env_defaults(char** argv);

}  // namespace qs
