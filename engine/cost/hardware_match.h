// Whose speed may be priced at which hardware profile. A speed measured by QuantScope belongs to
// the machine that ran the bench; it may be multiplied by a profile's hourly price only when that
// profile IS that machine: a "kind": "cpu" profile whose "this_machine" rule (price_table.h)
// matches the measuring machine's CPU model, ISA and bench threads. Anything else (a GPU profile,
// a different CPU, a profile without a rule) needs an imported or an estimated speed.
#pragma once

#include <string>

#include "cost/price_table.h"

namespace qs {

// The machine a bench ran on, as far as QuantScope records it.
struct MeasuringMachine {
    std::string cpu_model;  // "AMD EPYC 9R14" (/proc/cpuinfo model name; "" unknown)
    std::string isa;        // "avx512", "avx2", "scalar" (the kernels used)
    int threads = 0;        // threads the bench used (0 unknown)
    std::string text() const;  // "AMD EPYC, avx512, 2 threads"
};

// This process's machine with `threads` bench threads (0: every logical CPU).
MeasuringMachine measuring_machine_this(int threads = 0);
// Parses RunRecord::machine ("AMD EPYC; avx512; 1 workers x 2 threads": a bench job used
// workers x threads). Unknown parts stay empty / 0.
MeasuringMachine measuring_machine_parse(const std::string& run_machine);

// True when speeds measured on `m` may be priced at `h`. `why` (optional) gets the reason either way:
// "matches aws-c7a.large's rule (cpu 'AMD EPYC', avx512, 2 threads)" or "aws-g6.xlarge is a gpu profile".
bool hardware_matches(const HardwarePrice& h, const MeasuringMachine& m, std::string* why = nullptr);

}  // namespace qs
