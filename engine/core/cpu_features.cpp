#include "core/cpu_features.h"

#include <fstream>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define QS_X86 1
#elif defined(__aarch64__)
#include <sys/auxv.h>
#endif
#include <cstdint>
#include <cstdlib>

#include "core/error.h"

namespace qs {
namespace {

#if defined(QS_X86)
uint64_t read_xcr0() {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return (uint64_t(edx) << 32) | eax;
}

CpuFeatures detect() {
    CpuFeatures f;
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
    const bool osxsave = c & bit_OSXSAVE;
    f.fma = c & bit_FMA;
    f.f16c = c & bit_F16C;
    if (!osxsave) return f;
    const uint64_t xcr0 = read_xcr0();
    const bool ymm_ok = (xcr0 & 0x6) == 0x6;      // SSE + AVX state
    const bool zmm_ok = (xcr0 & 0xe6) == 0xe6;    // + opmask, ZMM_Hi256, Hi16_ZMM
    if (!ymm_ok) { f.fma = f.f16c = false; return f; }
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        f.avx2 = b & bit_AVX2;
        if (zmm_ok) {
            f.avx512f = b & bit_AVX512F;
            f.avx512bw = b & bit_AVX512BW;
            f.avx512vl = b & bit_AVX512VL;
            f.avx512dq = b & bit_AVX512DQ;
            f.avx512vnni = c & bit_AVX512VNNI;
        }
    }
    if (__get_cpuid_count(7, 1, &a, &b, &c, &d)) {
        f.avxvnni = a & (1u << 4);  // AVX-VNNI: VEX-encoded vpdpbusd on ymm (needs only the AVX state)
        if (zmm_ok) f.avx512bf16 = a & bit_AVX512BF16;
    }
    return f;
}
#elif defined(__aarch64__)
CpuFeatures detect() {
    CpuFeatures f;
    f.neon = true;  // Advanced SIMD is part of ARMv8-A
    constexpr unsigned long kHwcapAsimdDp = 1ul << 20;  // HWCAP_ASIMDDP (asm/hwcap.h)
    f.dotprod = getauxval(AT_HWCAP) & kHwcapAsimdDp;
    return f;
}
#else
CpuFeatures detect() { return {}; }
#endif

}  // namespace

const CpuFeatures& cpu_features() {
    static const CpuFeatures f = detect();
    return f;
}

Isa cpu_best_isa() {
    static const Isa best = [] {
        const CpuFeatures& f = cpu_features();
        Isa isa = Isa::Scalar;
        if (f.avx2 && f.fma && f.f16c) isa = Isa::Avx2;
        if (isa == Isa::Avx2 && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq) isa = Isa::Avx512;
        if (f.neon) isa = Isa::Neon;
        if (const char* forced = std::getenv("QS_FORCE_ISA"); forced && *forced) {
            const Isa want = isa_from_name(forced);
            // Another architecture's level is a mistake worth saying (a benchmark would otherwise
            // silently measure the best level); a level above what the CPU has is ignored.
#if defined(__aarch64__)
            const bool other_arch = want == Isa::Avx2 || want == Isa::Avx512;
#else
            const bool other_arch = want == Isa::Neon;
#endif
            if (other_arch)
                throw Error(std::string("QS_FORCE_ISA=") + forced + ": not an instruction set of this CPU's architecture");
            if (int(want) < int(isa)) isa = want;
        }
        return isa;
    }();
    return best;
}

bool isa_supported(Isa isa) {
    const Isa best = cpu_best_isa();
    if (isa == Isa::Scalar) return true;
    if (isa == Isa::Neon || best == Isa::Neon) return isa == best;
    return int(isa) <= int(best);
}

const char* isa_name(Isa isa) {
    switch (isa) {
        case Isa::Scalar: return "scalar";
        case Isa::Avx2: return "avx2";
        case Isa::Avx512: return "avx512";
        case Isa::Neon: return "neon";
    }
    return "?";
}

Isa isa_from_name(const std::string& name) {
    if (name == "scalar") return Isa::Scalar;
    if (name == "avx2") return Isa::Avx2;
    if (name == "avx512") return Isa::Avx512;
    if (name == "neon") return Isa::Neon;
    throw Error("unknown instruction set '" + name + "' (expected scalar, avx2, avx512 or neon)");
}

std::string cpu_model_name() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos) {
            std::string name = line.substr(line.find(':') + 1);
            name.erase(0, name.find_first_not_of(' '));
            return name;
        }
    return "";
}

}  // namespace qs
