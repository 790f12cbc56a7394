// When an operator is worth a parallel region. Entering one costs a fork/join: waking the team
// (tens of microseconds when idle threads sleep, as core/openmp_env.h makes them) and a barrier at
// the end. An operator smaller than that runs on the calling thread alone: a model as small as
// stories260K has nothing but such operators (its 64 x 64 matrices are 4,096 multiply-adds a token),
// and paid more for waking threads than it saved (docs/performance.md, "Idle OpenMP threads").
// Which thread computes a row never changes its value, so results do not depend on this.
#pragma once

#include <cstdint>

namespace qs {

// About 50 microseconds of one core's multiply-adds: below it, one thread is faster than two.
inline constexpr int64_t kMinParallelWork = int64_t(1) << 19;

// `work`: multiply-adds (or comparable element operations) the region would share.
inline bool worth_parallel(int64_t work) { return work >= kMinParallelWork; }

}  // namespace qs
