// What the CPU we run on can do, read once from CPUID (and XGETBV for OS support of the wide registers).
// Kernels are chosen from this at run time; QS_FORCE_ISA=scalar|avx2|avx512 overrides it for tests
// and benchmarks.
#pragma once

#include <string>

namespace qs {

enum class Isa { Scalar = 0, Avx2 = 1, Avx512 = 2 };

struct CpuFeatures {
    bool avx2 = false, fma = false, f16c = false;
    bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false, avx512vnni = false;
    bool avx512bf16 = false;
};

const CpuFeatures& cpu_features();

// The best ISA level both the CPU and the build support, unless QS_FORCE_ISA says lower.
Isa cpu_best_isa();
const char* isa_name(Isa isa);
// The CPU's name as /proc/cpuinfo's "model name" gives it ("" when unknown): RunRecord::machine and
// the cost model's hardware matching (cost/hardware_match.h) use it.
std::string cpu_model_name();
// Parses "scalar", "avx2", "avx512"; throws qs::Error on anything else.
Isa isa_from_name(const std::string& name);

}  // namespace qs
