// Per-precision throughput imported from a bench run on the machine being priced, in either of two
// formats, recognised by shape:
//   - llama-bench's own `-o json` (a JSON array) or `-o jsonl` (one object per line) output, as it
//     is: one record per test with model_filename, model_type ("llama 7B Q4_K - Medium"), n_prompt,
//     n_gen, avg_ts, stddev_ts, and the device (cpu_info, gpu_info, backends, n_gpu_layers,
//     n_threads). Every generation record (n_gen > 0, n_prompt = 0) becomes one precision; its
//     prompt speed is the prompt record (n_prompt > 0, n_gen = 0) of the same file and settings.
//     The precision is llama.cpp's file type from model_type ("Q4_K - Medium" -> Q4_K_M,
//     "all F32" -> F32, "Q2_K - Medium" -> Q2_K), else the file name.
//   - `quantscope-cli bench --json` (an object with a "results" array: precision, pp/tg avg_ts and
//     stddev_ts, weight_bytes, n_params, kv_bytes, n_ctx).
// A run at depth (n_depth > 0: llama-bench -d, bench -d) is labelled " @ d<depth>" in source_detail
// and ", <depth> tokens already in context" in device.
// Each speed is labelled SpeedSource::Imported with what ran it; sizes become footprints so the
// roofline estimate can use them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cost/cost_model.h"
#include "cost/roofline.h"

namespace qs {

struct ImportedSpeeds {
    std::string format;                     // "llama-bench" or "quantscope-bench"
    std::string device;                     // "AMD EPYC (CPU, 2 threads)", "NVIDIA L4 (CUDA)"
    bool on_gpu = false;                    // some record ran layers on a GPU backend
    std::vector<PrecisionSpeed> speeds;     // one per generation test, in file order
    std::vector<ModelFootprint> footprints; // sizes where the file gives them (same order, may be shorter)
    std::vector<std::string> notes;         // records left out and why
};

// `label` names the source in errors. Throws qs::Error("<label>: results[1].tg.avg_ts: ...") or
// ("<label>: [3].avg_ts: ...") for invalid JSON, an unknown shape, a record without a throughput,
// or a file without any generation test.
ImportedSpeeds bench_speeds_parse(std::string_view json_text, const std::string& label);
ImportedSpeeds bench_speeds_load(const std::string& path);

// llama.cpp's file-type name as llama-bench prints it in model_type ("Q4_K - Medium") -> the
// llama-quantize name ("Q4_K_M"). Exposed for tests.
std::string llama_ftype_to_precision(const std::string& ftype_name);

}  // namespace qs
