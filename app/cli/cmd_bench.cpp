// quantscope-cli bench --model M [--precisions F32,Q4_0,...] [-p 512] [-n 128] [-d 0] [-r 5] [--threads T]
//                      [--no-warmup] [--kv-type|--cache-type-k T] [--cache-type-v T] [--seed S] [--json]
//
// Speed and memory per precision, measured as llama-bench measures pp/tg (engine/bench/speed_bench.h),
// each precision quantized in memory from the model (no files written). Prints a llama-bench-like
// table, then latency and memory per precision; --json prints one object (keys in README, "bench").
#include <chrono>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <optional>

#include "bench/speed_bench.h"
#include "commands.h"
#include "model/model.h"
#include "model_precision.h"
#include "progress_bar.h"
#include "quant/precision_recipe.h"
#include "quant/quantize_model.h"

namespace qs::cli {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

struct BenchCliOptions {
    std::string model;
    std::vector<std::string> precisions;
    int n_prompt = 512, n_gen = 128, n_depth = 0, repetitions = 5, threads = 0, seed = 1;
    std::string kv_type = "f16";           // --kv-type, and --cache-type-k
    std::string cache_v;                   // --cache-type-v ("" = as K)
    bool no_warmup = false, json = false;
};

struct PrecisionRun {
    std::string precision;       // recipe string, or "file"
    double quantize_seconds = 0;
    SpeedBenchResult result;
};

nlohmann::json throughput_json(const ThroughputStats& s) {
    if (s.n_tokens == 0) return nullptr;
    return {{"n_tokens", s.n_tokens}, {"avg_ts", s.mean_tps}, {"stddev_ts", s.sd_tps}, {"avg_ns", s.mean_ns},
            {"samples_ts", s.samples_tps}, {"samples_ns", s.samples_ns}};
}

nlohmann::json run_json(const PrecisionRun& p) {
    const SpeedBenchResult& r = p.result;
    nlohmann::json metrics = nlohmann::json::object();
    for (const Metric& m : speed_bench_metrics(r)) metrics[m.key] = m.value;
    return {{"precision", p.precision},
            {"quantize_seconds", p.quantize_seconds},
            {"weight_bytes", r.weights.bytes},
            {"n_params", r.weights.n_elements},
            {"bits_per_weight", r.weights.bits_per_weight()},
            {"kv_bytes", r.kv_bytes},
            {"n_ctx", r.n_ctx},
            {"peak_rss_bytes", r.peak_rss_bytes},
            {"peak_rss_reset", r.peak_rss_reset},
            {"pp", throughput_json(r.pp)},
            {"tg", throughput_json(r.tg)},
            {"ttft_ms", r.ttft_ms},
            {"decode_p50_ms", r.decode_p50_ms},
            {"decode_p99_ms", r.decode_p99_ms},
            {"seconds", r.seconds},
            {"metrics", metrics}};
}

// llama-bench's test name: "pp512", "tg64", "tg64 @ d512".
std::string test_name(const char* kind, int n_tokens, int n_depth) {
    return n_depth > 0 ? fmt::format("{}{} @ d{}", kind, n_tokens, n_depth) : fmt::format("{}{}", kind, n_tokens);
}

// llama-bench prints parameter counts as "3.41 M" / "1.10 B".
std::string params_text(int64_t n) {
    if (n >= 1000000000) return fmt::format("{:.2f} B", double(n) / 1e9);
    if (n >= 1000000) return fmt::format("{:.2f} M", double(n) / 1e6);
    return fmt::format("{:.2f} K", double(n) / 1e3);
}

// The markdown rule under a header: first column left-aligned, the others right-aligned.
void print_separator(const std::vector<int>& widths) {
    std::string line = "|";
    for (size_t i = 0; i < widths.size(); ++i)
        line += " " + (i == 0 ? std::string(size_t(widths[i]), '-') : std::string(size_t(widths[i] - 1), '-') + ":") + " |";
    fmt::print("{}\n", line);
}

void print_tables(const Model& base, const std::vector<PrecisionRun>& runs) {
    const std::string arch = model_arch_name(base.hparams().arch);
    fmt::print("| {:<24} | {:>10} | {:>8} | {:>7} | {:>14} | {:>20} |\n", "model", "size", "params", "threads", "test", "t/s");
    print_separator({24, 10, 8, 7, 14, 20});
    for (const PrecisionRun& p : runs) {
        const SpeedBenchResult& r = p.result;
        const std::string model = arch + " " + p.precision;
        const std::string size = fmt::format("{:.2f} MiB", double(r.weights.bytes) / kMiB);
        for (const auto& [name, s] : {std::pair{"pp", &r.pp}, std::pair{"tg", &r.tg}}) {
            if (s->n_tokens == 0) continue;
            fmt::print("| {:<24} | {:>10} | {:>8} | {:>7} | {:>14} | {:>20} |\n", model, size, params_text(r.weights.n_elements),
                       r.n_threads, test_name(name, s->n_tokens, r.n_depth), fmt::format("{:.2f} ± {:.2f}", s->mean_tps, s->sd_tps));
        }
    }
    fmt::print("\n| {:<24} | {:>9} | {:>9} | {:>9} | {:>11} | {:>6} | {:>10} | {:>13} |\n", "precision", "TTFT ms", "p50 ms",
               "p99 ms", "weights MiB", "BPW", "KV MiB", "peak RSS MiB");
    print_separator({24, 9, 9, 9, 11, 6, 10, 13});
    for (const PrecisionRun& p : runs) {
        const SpeedBenchResult& r = p.result;
        fmt::print("| {:<24} | {:>9.3f} | {:>9.3f} | {:>9.3f} | {:>11.2f} | {:>6.2f} | {:>10.2f} | {:>13.1f} |\n", p.precision,
                   r.ttft_ms, r.decode_p50_ms, r.decode_p99_ms, double(r.weights.bytes) / kMiB, r.weights.bits_per_weight(),
                   double(r.kv_bytes) / kMiB, double(r.peak_rss_bytes) / kMiB);
    }
    if (!runs.empty())
        fmt::print("\n{} repetitions after a warm-up, {} threads, {}; TTFT = pp sample time + first token; p50/p99 over every "
                   "tg decode call; peak RSS is {}\n",
                   runs.front().result.repetitions, runs.front().result.n_threads, runs.front().result.isa,
                   runs.front().result.peak_rss_reset ? "per precision (VmHWM reset before each)" : "the process's peak so far");
}

void run(const BenchCliOptions& o, const GlobalOptions& global) {
    set_threads(o.threads);
    const auto base = Model::load(o.model);
    std::vector<std::string> precisions = o.precisions.empty() ? std::vector<std::string>{kAsLoaded} : o.precisions;
    // Parse every recipe before the first (long) measurement, so a typo fails at once.
    for (const std::string& p : precisions)
        if (p != kAsLoaded) PrecisionRecipe::parse(p);

    SpeedBenchOptions bopts;
    bopts.n_prompt = o.n_prompt;
    bopts.n_gen = o.n_gen;
    bopts.n_depth = o.n_depth;
    bopts.repetitions = o.repetitions;
    bopts.warmup = !o.no_warmup;
    bopts.seed = uint32_t(o.seed);
    bopts.kv_type = kv_cache_type_parse(o.kv_type);
    if (!o.cache_v.empty()) bopts.v_type = kv_cache_type_parse(o.cache_v);

    std::vector<PrecisionRun> runs;
    for (const std::string& precision : precisions) {
        PrecisionRun p;
        p.precision = precision == kAsLoaded ? precision : PrecisionRecipe::parse(precision).to_string();
        {
            // Scoped so the quantized weights are freed before the next precision is measured.
            const auto model = model_at(base, precision, o.threads, global.quiet, p.quantize_seconds);
            ProgressBar bar(!global.quiet);
            Progress progress(bar.callback());
            SpeedBenchOptions popts = bopts;
            if (precision != kAsLoaded) {  // a recipe's cache modifiers ("Q4_K_M+kv=q8_0") win over the flags
                const PrecisionRecipe r = PrecisionRecipe::parse(precision);
                if (r.kv_quantized()) {
                    popts.kv_type = r.kv_k;
                    popts.v_type = r.kv_v;
                }
            }
            p.result = speed_bench_run(model, popts, progress);
            bar.finish();
        }
        runs.push_back(std::move(p));
    }

    if (o.json) {
        nlohmann::json results = nlohmann::json::array();
        for (const PrecisionRun& p : runs) results.push_back(run_json(p));
        const nlohmann::json j = {{"model", o.model},
                                  {"arch", model_arch_name(base->hparams().arch)},
                                  {"n_prompt", o.n_prompt},
                                  {"n_gen", o.n_gen},
                                  {"n_depth", o.n_depth},
                                  {"repetitions", o.repetitions},
                                  {"warmup", !o.no_warmup},
                                  {"kv_type", o.kv_type},
                                  {"cache_type_v", o.cache_v.empty() ? o.kv_type : o.cache_v},
                                  {"threads", runs.front().result.n_threads},
                                  {"isa", runs.front().result.isa},
                                  {"results", results}};
        fmt::print("{}\n", j.dump(2));
        return;
    }
    print_tables(*base, runs);
}

}  // namespace

void add_bench_command(CLI::App& app, const GlobalOptions& global) {
    auto opts = std::make_shared<BenchCliOptions>();
    CLI::App* cmd = app.add_subcommand("bench", "Speed and memory per precision, measured as llama-bench measures pp/tg");
    cmd->add_option("-m,--model", opts->model, "GGUF model file")->required();
    cmd->add_option("--precisions", opts->precisions,
                    "Comma-separated recipes to quantize to in memory (F32,Q8_0,Q4_K_M,Q4_K_M+ffn_down=q8_0,...); "
                    "'file' = the model as stored (default)")
        ->delimiter(',');
    cmd->add_option("-p,--n-prompt", opts->n_prompt, "Prompt tokens of the pp test (0: skip)")->capture_default_str()->check(CLI::Range(0, 1 << 20));
    cmd->add_option("-n,--n-gen", opts->n_gen, "Generated tokens of the tg test (0: skip)")->capture_default_str()->check(CLI::Range(0, 1 << 20));
    cmd->add_option("-d,--n-depth", opts->n_depth, "Tokens already in the cache before each timed test (llama-bench -d: "
                    "decoding at depth, where attention's share grows)")->capture_default_str()->check(CLI::Range(0, 1 << 20));
    cmd->add_option("-r,--repetitions", opts->repetitions, "Repetitions of each test")->capture_default_str()->check(CLI::Range(1, 1000));
    cmd->add_option("-t,--threads", opts->threads, "Threads (0: every core)")->capture_default_str()->check(CLI::Range(0, 1024));
    const auto kv_types = CLI::IsMember({"f16", "f32", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "iq4_nl"}, CLI::ignore_case);
    cmd->add_option("--kv-type,--cache-type-k,--ctk", opts->kv_type, "K cache type, and V's unless --cache-type-v is given "
                    "(a recipe's +kv= modifier overrides both)")->capture_default_str()->check(kv_types);
    cmd->add_option("--cache-type-v,--ctv", opts->cache_v, "V cache type (llama.cpp -ctv)")->check(kv_types);
    cmd->add_option("--seed", opts->seed, "Seed of the random prompt tokens")->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_flag("--no-warmup", opts->no_warmup, "Skip the warm-up runs (llama-bench --no-warmup)");
    cmd->add_flag("--json", opts->json, "Print one JSON object on stdout");
    cmd->callback([opts, &global] { run(*opts, global); });
}

}  // namespace qs::cli
