// What the CPU we run on can do, read once from CPUID (and XGETBV for OS support of the wide registers)
// on x86-64, from getauxval(AT_HWCAP) on ARM64.
// Kernels are chosen from this at run time; QS_FORCE_ISA=scalar|avx2|avx512 (x86-64) or
// scalar|neon (ARM64) overrides it for tests and benchmarks (another architecture's name is a qs::Error).
// Each architecture has its own ladder of levels above Scalar (x86-64: Avx2 < Avx512; ARM64: Neon,
// with DotProd used where present).
#pragma once

#include <string>

namespace qs {

enum class Isa { Scalar = 0, Avx2 = 1, Avx512 = 2, Neon = 3 };

struct CpuFeatures {
    bool avx2 = false, fma = false, f16c = false;
    bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false, avx512vnni = false;
    bool avx512bf16 = false;
    bool avxvnni = false;  // AVX-VNNI (VEX vpdpbusd on ymm; Alder Lake and later, Zen 5): used within the AVX2 level
    bool neon = false, dotprod = false;  // ARM64: Advanced SIMD (always there), SDOT/UDOT (ARMv8.2 DotProd)
};

const CpuFeatures& cpu_features();

// The best ISA level both the CPU and the build support, unless QS_FORCE_ISA says lower.
Isa cpu_best_isa();
// Whether code of level isa may run here: Scalar always, a level of this architecture's ladder up
// to cpu_best_isa(), never another architecture's.
bool isa_supported(Isa isa);
const char* isa_name(Isa isa);
// The CPU's name as /proc/cpuinfo's "model name" gives it ("" when unknown): RunRecord::machine and
// the cost model's hardware matching (cost/hardware_match.h) use it.
std::string cpu_model_name();
// Parses "scalar", "avx2", "avx512", "neon"; throws qs::Error on anything else.
Isa isa_from_name(const std::string& name);

}  // namespace qs
