// quantscope-cli perplexity --model MODEL --text FILE [--ctx 512] [--chunks N] [--threads T]
//                           [--cache-type-k T] [--cache-type-v T] [--json]
#include <chrono>
#include <cstdio>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <omp.h>

#include "commands.h"
#include "core/cpu_features.h"
#include "eval/perplexity.h"
#include "model/model.h"
#include "quant/kv_cache_quant.h"
#include "progress_bar.h"
#include "tokenizer/tokenizer.h"

namespace qs::cli {
namespace {

struct PerplexityCliOptions {
    std::string model, text;
    int n_ctx = 512, chunks = -1, threads = 0;
    std::string cache_k = "f16", cache_v = "f16";  // llama-perplexity -ctk / -ctv (flash attention on)
    bool json = false;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void run(const PerplexityCliOptions& o, const GlobalOptions& global) {
    set_threads(o.threads);
    auto t0 = std::chrono::steady_clock::now();
    const auto model = Model::load(o.model);
    const double load_s = seconds_since(t0);

    t0 = std::chrono::steady_clock::now();
    const auto tokenizer = Tokenizer::from_gguf(model->file());
    const std::string text = perplexity_read_text(o.text);
    const std::vector<int32_t> tokens = tokenizer->encode(text, true);
    const double tokenize_s = seconds_since(t0);

    ModelContext ctx(model, o.n_ctx, kv_context_options(kv_cache_type_parse(o.cache_k), kv_cache_type_parse(o.cache_v)));
    ProgressBar bar(!global.quiet);
    Progress progress(bar.callback());
    PerplexityOptions popts;
    popts.n_ctx = o.n_ctx;
    popts.max_chunks = o.chunks;
    const PerplexityResult r = perplexity_run(ctx, *tokenizer, tokens, popts, progress);
    bar.finish();

    if (o.json) {
        const nlohmann::json j = {
            {"model", o.model}, {"text", o.text}, {"n_ctx", r.n_ctx}, {"chunks", r.chunks},
            {"ppl", r.ppl}, {"ppl_stderr", r.ppl_stderr}, {"nll_mean", r.nll_mean}, {"nll_stderr", r.nll_stderr},
            {"tokens_total", r.tokens_total}, {"tokens_scored", r.tokens_scored}, {"tokens_evaluated", r.tokens_evaluated},
            {"bits_per_byte", r.bits_per_byte}, {"bytes_scored", r.bytes_scored},
            {"seconds", r.seconds}, {"tokens_per_second", r.tokens_per_second},
            {"load_seconds", load_s}, {"tokenize_seconds", tokenize_s},
            {"cache_type_k", o.cache_k}, {"cache_type_v", o.cache_v},
            {"threads", omp_get_max_threads()}, {"isa", isa_name(cpu_best_isa())}, {"running_ppl", r.running_ppl},
        };
        fmt::print("{}\n", j.dump(2));
        return;
    }
    std::string running;
    for (size_t i = 0; i < r.running_ppl.size(); ++i) running += fmt::format("[{}]{:.4f},", i + 1, r.running_ppl[i]);
    fmt::print("{}\n", running);
    fmt::print("Final estimate: PPL = {:.4f} +/- {:.5f}\n", r.ppl, r.ppl_stderr);
    fmt::print("chunks {} x {} tokens, {} tokens scored, mean NLL {:.6f} +/- {:.6f}, {:.4f} bits per byte\n", r.chunks,
               r.n_ctx, r.tokens_scored, r.nll_mean, r.nll_stderr, r.bits_per_byte);
    fmt::print("{:.2f} s ({:.1f} tokens/s, {} threads, {}); load {:.2f} s, tokenize {:.2f} s\n", r.seconds,
               r.tokens_per_second, omp_get_max_threads(), isa_name(cpu_best_isa()), load_s, tokenize_s);
}

}  // namespace

void add_perplexity_command(CLI::App& app, const GlobalOptions& global) {
    auto opts = std::make_shared<PerplexityCliOptions>();
    CLI::App* cmd = app.add_subcommand("perplexity", "Perplexity of a text, computed as llama-perplexity computes it");
    cmd->add_option("-m,--model", opts->model, "GGUF model file")->required();
    cmd->add_option("-f,--text", opts->text, "UTF-8 text file (its final newline is dropped, as llama.cpp -f does)")->required();
    cmd->add_option("-c,--ctx", opts->n_ctx, "Tokens per chunk")->capture_default_str()->check(CLI::Range(4, 1 << 20));
    cmd->add_option("--chunks", opts->chunks, "Evaluate at most N chunks (-1: all)")->capture_default_str();
    cmd->add_option("-t,--threads", opts->threads, "Threads (0: every core)")->capture_default_str()->check(CLI::Range(0, 1024));
    const auto kv_types = CLI::IsMember({"f16", "f32", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "iq4_nl"}, CLI::ignore_case);
    cmd->add_option("--cache-type-k,--ctk", opts->cache_k, "K cache type (llama.cpp -ctk, with flash attention)")
        ->capture_default_str()->check(kv_types);
    cmd->add_option("--cache-type-v,--ctv", opts->cache_v, "V cache type (llama.cpp -ctv)")->capture_default_str()->check(kv_types);
    cmd->add_flag("--json", opts->json, "Print one JSON object on stdout");
    cmd->callback([opts, &global] { run(*opts, global); });
}

}  // namespace qs::cli
