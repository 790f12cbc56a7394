// The price table: what an hour of hardware and a million API tokens cost, each price with where it
// was listed and when, so a cost figure can always say what it assumed. The shipped table is
// resources/prices.json; users edit it or pass their own.
//
// File format (JSON object; unknown keys are ignored so the file can carry comments in "note"):
//   {
//     "schema": "quantscope-prices/1",
//     "currency": "USD",
//     "note": "...",
//     "hardware": [ { "name": "aws-c7a.large", "description": "...", "usd_per_hour": 0.10264,
//                     "source": "https://...", "listed": "2024-10-01" }, ... ],
//     "api":      [ { "provider": "OpenAI", "model": "gpt-4o", "usd_per_mtok_input": 2.5,
//                     "usd_per_mtok_output": 10.0, "source": "https://...", "listed": "2024-10-01" }, ... ]
//   }
// Rules: hardware names unique; prices finite, usd_per_hour > 0, API prices >= 0; "listed" is a
// date YYYY-MM-DD; "source" non-empty. Anything else throws qs::Error("<file>: hardware[2].usd_per_hour:
// ...") naming the file and the field.
//
// Optional keys (added for speeds that are true to the hardware; files without them still load, and
// a profile without them simply has no estimate and never takes this machine's measured speed):
//   hardware[].kind                 "cpu" or "gpu"
//   hardware[].this_machine         which measuring machine IS this profile, so that speeds measured
//                                   there may be priced here (cpu profiles only):
//                                   {"cpu_model_contains": "AMD EPYC", "isa": "avx512", "threads": 2}
//                                   (case-insensitive substring of the CPU model name; the ISA
//                                   QuantScope's kernels used; the threads the bench ran = the
//                                   instance's vCPUs). Every key given must match (cost/hardware_match.h).
//   hardware[].memory_bandwidth_gbs, hardware[].memory_bandwidth_source
//                                   peak memory bandwidth, GB/s (1e9 bytes/s), and where it comes from
//   hardware[].compute_tflops {"f32", "f16", "int8"}, hardware[].compute_source
//                                   dense peak throughput (TFLOPS; TOPS for int8) and its source
//   roofline {"formula", "bandwidth_efficiency", "compute_efficiency", "efficiency_source",
//             "decode_context_tokens", "prefill_tokens"}
//                                   the estimate's parameters (cost/roofline.h states the formula)
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace qs {

enum class HardwareKind { Unknown, Cpu, Gpu };
const char* hardware_kind_name(HardwareKind k);  // "", "cpu", "gpu"

// The machine a profile is, for deciding whether measured speeds may be priced at it. Empty = no rule.
struct MachineRule {
    std::string cpu_model_contains;  // case-insensitive substring of the CPU model name
    std::string isa;                 // "avx512", "avx2", ... ("" = any)
    int threads = 0;                 // threads the bench used (0 = any)
    bool empty() const { return cpu_model_contains.empty() && isa.empty() && threads == 0; }
};

// Dense peak compute; 0 = unknown.
struct ComputePeak {
    double f32_tflops = 0, f16_tflops = 0, int8_tops = 0;
};

struct HardwarePrice {
    std::string name;         // key the CLI and GUI select by ("aws-c7a.large")
    std::string description;  // "2 vCPU AMD EPYC (Genoa), 4 GiB, on-demand, us-east-1"
    double usd_per_hour = 0;
    std::string source;       // URL of the price list
    std::string listed;       // YYYY-MM-DD the price was read from the source
    HardwareKind kind = HardwareKind::Unknown;
    MachineRule this_machine;           // which measuring machine is this profile (cpu only)
    double memory_bandwidth_gbs = 0;    // GB/s; 0 = unknown (no roofline estimate)
    std::string memory_bandwidth_source;
    ComputePeak compute;
    std::string compute_source;
    // Memory the model is served from: the GPU's own memory on a GPU profile, the instance's RAM
    // on a CPU one; GB (1e9 bytes); 0 = unknown (no capacity figure). Weights + KV cache must fit.
    double memory_gb = 0;
    std::string memory_source;
};

// Parameters of the roofline estimate (cost/roofline.h).
struct RooflineParams {
    std::string formula;                 // as the file states it, for people
    double bandwidth_efficiency = 1.0;   // share of peak bandwidth decoding attains (0..1]
    double compute_efficiency = 1.0;     // share of peak compute a prompt pass attains (0..1]
    std::string efficiency_source;
    int decode_context_tokens = 512;     // KV positions read per generated token (average context)
    int prefill_tokens = 512;            // prompt length of a prefill pass
    // Serving capacity (cost/serving_capacity.h): the share of a profile's memory weights and KV
    // cache may take (the rest: compute buffers, the runtime), and the context each sequence is
    // served with, which sets how many sequences fit at once.
    double memory_usable_fraction = 0.9;
    std::string memory_usable_source;
    int serving_context_tokens = 4096;
};

struct ApiPrice {
    std::string provider;     // "OpenAI"
    std::string model;        // "gpt-4o-mini"
    double usd_per_mtok_input = 0;
    double usd_per_mtok_output = 0;
    std::string source;
    std::string listed;
    std::string label() const { return provider + " " + model; }
};

struct PriceTable {
    std::string path;         // the file it came from ("" when parsed from text)
    std::string currency = "USD";
    std::string note;
    std::vector<HardwarePrice> hardware;
    std::vector<ApiPrice> apis;
    RooflineParams roofline;

    // The hardware entry named `name` (exact match), or nullptr.
    const HardwarePrice* find_hardware(std::string_view name) const;
};

// Parses and validates; `label` names the source in errors (the file path).
PriceTable price_table_parse(std::string_view json_text, const std::string& label);
// Reads and validates a file. Throws qs::Error naming the file when it is unreadable or invalid.
PriceTable price_table_load(const std::string& path);

// Where the shipped resources/prices.json is: $QUANTSCOPE_PRICES if set, else the first existing of
// <dir of the executable>/../share/quantscope/prices.json, <exe dir>/resources/prices.json and the
// source tree's resources/prices.json (compile-time QS_SOURCE_RESOURCES_DIR). `exe_path` may be ""
// (then only the environment and the source tree are tried). "" when none exists.
std::string price_table_default_path(const std::string& exe_path);

}  // namespace qs
