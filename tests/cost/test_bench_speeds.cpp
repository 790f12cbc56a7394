// Reading per-precision throughput from `bench --json` output and from llama-bench's own -o json
// output for the cost model.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/test_paths.h"
#include "core/error.h"
#include "cost/bench_speeds.h"

namespace qs {
namespace {

std::string error_of(const std::string& text) {
    try {
        bench_speeds_parse(text, "bench.json");
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(BenchSpeeds, ReadsEveryPrecision) {
    const ImportedSpeeds imported = bench_speeds_parse(R"({"isa": "avx2", "threads": 4, "results": [
        {"precision": "F32", "pp": {"avg_ts": 1000.5, "stddev_ts": 3}, "tg": {"avg_ts": 20.25}, "weight_bytes": 4000, "n_params": 1000,
         "kv_bytes": 512, "n_ctx": 64},
        {"precision": "Q4_0", "pp": null, "tg": {"avg_ts": 40}}]})",
                                      "bench.json");
    EXPECT_EQ(imported.format, "quantscope-bench");
    EXPECT_FALSE(imported.on_gpu);
    EXPECT_EQ(imported.device, "CPU, avx2, 4 threads");
    const auto& s = imported.speeds;
    EXPECT_EQ(s[0].source, SpeedSource::Imported);
    EXPECT_DOUBLE_EQ(s[0].pp_tps_sd, 3);
    ASSERT_EQ(imported.footprints.size(), 2u);
    EXPECT_DOUBLE_EQ(imported.footprints[0].weight_bytes, 4000);
    EXPECT_DOUBLE_EQ(imported.footprints[0].kv_bytes_per_position, 8);  // 512 / 64
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].precision, "F32");
    EXPECT_DOUBLE_EQ(s[0].pp_tps, 1000.5);
    EXPECT_DOUBLE_EQ(s[0].tg_tps, 20.25);
    EXPECT_EQ(s[1].pp_tps, 0);  // prompt test skipped
    EXPECT_TRUE(std::isnan(s[1].retention_pct));
    // Usable by the cost model as is.
    CostInputs in;
    in.usd_per_hour = 1;
    EXPECT_EQ(cost_compare(s, in).size(), 2u);
}

TEST(BenchSpeeds, ErrorsNameFileAndField) {
    EXPECT_NE(error_of("nope").find("bench.json: not valid JSON"), std::string::npos);
    EXPECT_NE(error_of("{}").find("bench.json: expected llama-bench's -o json output"), std::string::npos);
    EXPECT_NE(error_of(R"({"results": []})").find("bench.json: results: empty"), std::string::npos);
    EXPECT_NE(error_of(R"({"results": [{"tg": {"avg_ts": 1}}]})").find("results[0].precision"), std::string::npos);
    EXPECT_NE(error_of(R"({"results": [{"precision": "A", "tg": null}]})").find("results[0] (A): no generation throughput"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"results": [{"precision": "A", "tg": {"avg_ts": "x"}}]})").find("results[0].tg.avg_ts"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"results": [{"precision": "A", "tg": {"avg_ts": -3}}]})").find("must be > 0"), std::string::npos);
    EXPECT_THROW(bench_speeds_load("/nonexistent/bench.json"), Error);
    // llama-bench records with something wrong.
    EXPECT_NE(error_of(R"([{"model_type": "llama 7B Q4_0", "n_prompt": 0, "n_gen": 32}])").find("bench.json: [0].avg_ts: missing"),
              std::string::npos);
    EXPECT_NE(error_of(R"([{"model_type": "llama 7B Q4_0", "n_prompt": 0, "n_gen": 32, "avg_ts": 0}])").find("[0].avg_ts: must be > 0"),
              std::string::npos);
    EXPECT_NE(error_of(R"([{"model_type": "llama 7B Q4_0", "n_prompt": 512, "n_gen": 0, "avg_ts": 5}])").find("no generation test"),
              std::string::npos);
    EXPECT_NE(error_of(R"([{"n_prompt": 0, "n_gen": 32, "avg_ts": 5}])").find("[0]: not a llama-bench record"), std::string::npos);
    EXPECT_NE(error_of(R"([{"model_type": "x", "n_gen": 32, "avg_ts": 5}])").find("[0]: n_prompt and n_gen"), std::string::npos);
}

TEST(BenchSpeeds, LlamaFileTypeNames) {
    EXPECT_EQ(llama_ftype_to_precision("all F32"), "F32");
    EXPECT_EQ(llama_ftype_to_precision("F16"), "F16");
    EXPECT_EQ(llama_ftype_to_precision("Q4_K - Medium"), "Q4_K_M");
    EXPECT_EQ(llama_ftype_to_precision("Q3_K - Large"), "Q3_K_L");
    EXPECT_EQ(llama_ftype_to_precision("Q3_K - Extra small"), "Q3_K_XS");
    EXPECT_EQ(llama_ftype_to_precision("Q2_K - Medium"), "Q2_K");
    EXPECT_EQ(llama_ftype_to_precision("Q2_K - Small"), "Q2_K_S");
    EXPECT_EQ(llama_ftype_to_precision("IQ2_XXS - 2.0625 bpw"), "IQ2_XXS");
    EXPECT_EQ(llama_ftype_to_precision("Q4_1, some F16"), "Q4_1");
    EXPECT_EQ(llama_ftype_to_precision("Q8_0 (guessed)"), "Q8_0");
}

// llama-bench -o json as llama.cpp b9928 wrote it for the M1 files (../shared/reference): every
// generation record becomes one precision with its avg_ts/stddev_ts, paired with the prompt record
// of the same file. Checked record by record against the file read here independently.
TEST(BenchSpeeds, LlamaBenchJsonAsItIs) {
    QS_REQUIRE_SHARED(path, "reference/llama-bench-m1.json");
    const ImportedSpeeds imported = bench_speeds_load(path);
    EXPECT_EQ(imported.format, "llama-bench");
    EXPECT_FALSE(imported.on_gpu);
    EXPECT_NE(imported.device.find("CPU, 2 threads"), std::string::npos) << imported.device;
    std::ifstream in(path);
    const nlohmann::json records = nlohmann::json::parse(in);
    size_t k = 0;
    for (const auto& r : records) {
        if (r["n_gen"].get<int>() == 0) continue;
        ASSERT_LT(k, imported.speeds.size());
        const PrecisionSpeed& s = imported.speeds[k];
        EXPECT_DOUBLE_EQ(s.tg_tps, r["avg_ts"].get<double>());
        EXPECT_DOUBLE_EQ(s.tg_tps_sd, r["stddev_ts"].get<double>());
        EXPECT_EQ(s.model_file, r["model_filename"].get<std::string>());
        EXPECT_EQ(s.source, SpeedSource::Imported);
        EXPECT_NE(s.source_detail.find("llama-bench b9928"), std::string::npos) << s.source_detail;
        // The prompt record of the same file.
        for (const auto& p : records)
            if (p["model_filename"] == r["model_filename"] && p["n_gen"].get<int>() == 0) EXPECT_DOUBLE_EQ(s.pp_tps, p["avg_ts"].get<double>());
        EXPECT_DOUBLE_EQ(imported.footprints[k].weight_bytes, r["model_size"].get<double>());
        ++k;
    }
    EXPECT_EQ(k, imported.speeds.size());
    ASSERT_EQ(k, 4u);
    EXPECT_EQ(imported.speeds[0].precision, "F32");
    EXPECT_EQ(imported.speeds[1].precision, "Q8_0");
    EXPECT_EQ(imported.speeds[2].precision, "Q4_K_M");
    EXPECT_EQ(imported.speeds[3].precision, "Q4_0");

    // The same records as -o jsonl (one per line) read the same.
    std::string jsonl;
    for (const auto& r : records) jsonl += r.dump() + "\n";
    const ImportedSpeeds lines = bench_speeds_parse(jsonl, "bench.jsonl");
    ASSERT_EQ(lines.speeds.size(), 4u);
    EXPECT_DOUBLE_EQ(lines.speeds[3].tg_tps, imported.speeds[3].tg_tps);
}

// Speeds measured at depth say so where they are shown (source_detail, and the device line every
// cost table prints), in both formats.
TEST(BenchSpeeds, DepthIsNamed) {
    const ImportedSpeeds ours = bench_speeds_parse(R"({"isa": "avx512", "threads": 2, "n_depth": 512, "results": [
        {"precision": "Q4_K_M", "tg": {"avg_ts": 11.7}}]})", "deep.json");
    EXPECT_NE(ours.speeds[0].source_detail.find(" @ d512"), std::string::npos) << ours.speeds[0].source_detail;
    EXPECT_EQ(ours.device, "CPU, avx512, 2 threads, 512 tokens already in context");
    const ImportedSpeeds shallow = bench_speeds_parse(R"({"n_depth": 0, "results": [{"precision": "Q4_K_M", "tg": {"avg_ts": 20}}]})", "b.json");
    EXPECT_EQ(shallow.speeds[0].source_detail.find(" @ d"), std::string::npos) << shallow.speeds[0].source_detail;
    EXPECT_EQ(shallow.device.find("context"), std::string::npos) << shallow.device;

    const ImportedSpeeds llama = bench_speeds_parse(R"([
      {"model_filename": "a.gguf", "model_type": "llama 1B Q4_0", "n_threads": 2, "n_depth": 0, "n_prompt": 0, "n_gen": 64, "avg_ts": 50},
      {"model_filename": "a.gguf", "model_type": "llama 1B Q4_0", "n_threads": 2, "n_depth": 4096, "n_prompt": 0, "n_gen": 64, "avg_ts": 20}])",
                                                    "llama.json");
    ASSERT_EQ(llama.speeds.size(), 2u);
    EXPECT_NE(llama.speeds[0].source_detail.find("tg64 from"), std::string::npos) << llama.speeds[0].source_detail;
    EXPECT_NE(llama.speeds[1].source_detail.find("tg64 @ d4096 from"), std::string::npos) << llama.speeds[1].source_detail;
    EXPECT_EQ(llama.device, "CPU (CPU, 2 threads); CPU (CPU, 2 threads, 4096 tokens already in context)");
}

// A GPU run of two thread counts for one file: both rows kept, told apart, device named.
TEST(BenchSpeeds, LlamaBenchGpuAndRepeatedPrecision) {
    const ImportedSpeeds s = bench_speeds_parse(R"([
      {"model_filename": "a.gguf", "model_type": "llama 7B Q4_0", "backends": "CUDA", "gpu_info": "NVIDIA L4", "n_gpu_layers": 99,
       "n_threads": 4, "n_prompt": 512, "n_gen": 0, "avg_ts": 2000, "stddev_ts": 5},
      {"model_filename": "a.gguf", "model_type": "llama 7B Q4_0", "backends": "CUDA", "gpu_info": "NVIDIA L4", "n_gpu_layers": 99,
       "n_threads": 4, "n_prompt": 0, "n_gen": 128, "avg_ts": 50, "stddev_ts": 1},
      {"model_filename": "a.gguf", "model_type": "llama 7B Q4_0", "backends": "CUDA", "gpu_info": "NVIDIA L4", "n_gpu_layers": 99,
       "n_threads": 8, "n_prompt": 0, "n_gen": 128, "avg_ts": 51, "stddev_ts": 1},
      {"model_filename": "a.gguf", "model_type": "llama 7B Q4_0", "backends": "CUDA", "gpu_info": "NVIDIA L4", "n_gpu_layers": 99,
       "n_threads": 8, "n_prompt": 512, "n_gen": 128, "avg_ts": 400, "stddev_ts": 1}])",
                                                "gpu.json");
    EXPECT_TRUE(s.on_gpu);
    EXPECT_EQ(s.device, "NVIDIA L4 (CUDA)");
    ASSERT_EQ(s.speeds.size(), 2u);
    EXPECT_EQ(s.speeds[0].precision, "Q4_0 #1");
    EXPECT_EQ(s.speeds[1].precision, "Q4_0 #2");
    EXPECT_DOUBLE_EQ(s.speeds[0].pp_tps, 2000);  // the prompt test of the same settings (4 threads)
    EXPECT_EQ(s.speeds[1].pp_tps, 0);            // none at 8 threads: the pp+tg test is not one
    ASSERT_EQ(s.notes.size(), 1u);
    EXPECT_NE(s.notes[0].find("pp512+tg128"), std::string::npos);
}

}  // namespace
}  // namespace qs
