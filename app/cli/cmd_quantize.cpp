// quantscope-cli quantize --model IN --type Q4_K_M --out OUT.gguf [--override PATTERN=TYPE]... [--pure]
//                         [--imatrix FILE] [--token-embedding-type T] [--output-tensor-type T]
//                         [--threads T] [--json]
// Writes the file llama-quantize writes for the same arguments (byte-identical). With --imatrix the
// path is recorded as given (quantize.imatrix.file), as llama-quantize records its argument.
#include <cstdio>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "gguf/gguf_file.h"
#include "hf/hf_checkpoint.h"
#include "progress_bar.h"
#include "quant/imatrix.h"
#include "quant/precision_recipe.h"
#include "quant/quantize_model.h"

namespace qs::cli {
namespace {

struct QuantizeCliOptions {
    std::string model, type, out, imatrix;
    std::string token_embedding_type, output_tensor_type;
    std::vector<std::string> overrides;  // PATTERN=TYPE
    bool pure = false, json = false;
    int threads = 0;
};

constexpr double kMiB = 1024.0 * 1024.0;

std::string shape_text(const std::vector<int64_t>& ne) {
    // llama-quantize prints four dimensions, padded with 1.
    int64_t d[4] = {1, 1, 1, 1};
    for (size_t i = 0; i < ne.size() && i < 4; ++i) d[i] = ne[i];
    return fmt::format("[{:6}, {:6}, {:6}, {:6}]", d[0], d[1], d[2], d[3]);
}

// One line per tensor, as llama-quantize prints them.
void print_tensor_line(const QuantizedTensorInfo& t, size_t index, size_t total) {
    std::string line = fmt::format("[{:4}/{:4}] {:<36} - {}, type = {:>6}, ", index + 1, total, t.name,
                                   shape_text(t.ne), type_name(t.source_type));
    if (t.converted) {
        line += fmt::format("converting to {} .. size = {:8.2f} MiB -> {:8.2f} MiB", type_name(t.type),
                            double(t.source_bytes) / kMiB, double(t.bytes) / kMiB);
    } else {
        line += fmt::format("size = {:8.3f} MiB", double(t.bytes) / kMiB);
    }
    if (!t.fallback_warning.empty()) fmt::print("{}\n", t.fallback_warning);
    fmt::print("{}\n", line);
}

void run(const QuantizeCliOptions& o, const GlobalOptions& global) {
    set_threads(o.threads);
    std::string spec = o.type;
    if (o.pure) spec += "+pure";
    if (!o.token_embedding_type.empty()) spec += "+token_embd=" + o.token_embedding_type;
    if (!o.output_tensor_type.empty()) spec += "+output=" + o.output_tensor_type;
    for (const std::string& ov : o.overrides) spec += "+" + ov;
    const PrecisionRecipe recipe = PrecisionRecipe::parse(spec);

    const GgufFile source = model_file_open(o.model);
    ImportanceMatrix imatrix;
    QuantizeModelOptions qopts;
    qopts.mix = recipe.options;
    qopts.n_threads = o.threads;
    if (!o.imatrix.empty()) {
        imatrix = imatrix_read(o.imatrix);
        qopts.imatrix = &imatrix;
        qopts.imatrix_path = o.imatrix;
        if (!o.json && !global.quiet)
            fmt::print("loaded {} importance matrix entries from {} computed on {} chunks\n", imatrix.entries.size(),
                       o.imatrix, imatrix.chunk_count);
    }
    const bool per_tensor_lines = !o.json && !global.quiet;
    if (per_tensor_lines) qopts.on_tensor = print_tensor_line;

    // Per-tensor lines already show progress; the bar is for --json runs that print nothing else.
    ProgressBar bar(!global.quiet && !per_tensor_lines);
    Progress progress(bar.callback());
    const QuantizeModelReport r = quantize_model_to_file(source, o.out, qopts, progress);
    bar.finish();

    if (o.json) {
        const nlohmann::json j = {
            {"out", o.out},
            {"type", recipe.to_string()},
            {"seconds", r.seconds},
            {"input_bytes", r.input_bytes},
            {"output_bytes", r.output_bytes},
            {"bits_per_weight", r.output_bits_per_weight()},
            {"tensor_types", r.type_counts()},
            {"imatrix", o.imatrix.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.imatrix)},
        };
        fmt::print("{}\n", j.dump(2));
        return;
    }
    fmt::print("model size  = {:8.2f} MiB ({:.2f} BPW)\n", double(r.input_bytes) / kMiB, r.input_bits_per_weight());
    fmt::print("quant size  = {:8.2f} MiB ({:.2f} BPW)\n", double(r.output_bytes) / kMiB, r.output_bits_per_weight());
    fmt::print("quantize time = {:8.2f} ms ({}) -> {}\n", r.seconds * 1000.0, recipe.to_string(), o.out);
}

}  // namespace

void add_quantize_command(CLI::App& app, const GlobalOptions& global) {
    auto opts = std::make_shared<QuantizeCliOptions>();
    CLI::App* cmd = app.add_subcommand("quantize", "Quantize a GGUF model as llama-quantize does (same bytes)");
    cmd->add_option("-m,--model", opts->model, "GGUF model file to quantize")->required();
    cmd->add_option("--type", opts->type,
                    "Mix (Q4_K_M, Q8_0, F16, ...) or a recipe such as Q4_K_M+ffn_down=q8_0")
        ->required();
    cmd->add_option("-o,--out", opts->out, "Output GGUF file")->required();
    cmd->add_option("--override", opts->overrides,
                    "PATTERN=TYPE: tensors whose name matches the regex get TYPE (llama-quantize --tensor-type); "
                    "repeatable, first match wins");
    cmd->add_flag("--pure", opts->pure, "Every quantizable tensor gets the mix's type (llama-quantize --pure)");
    cmd->add_option("--imatrix", opts->imatrix,
                    "Importance matrix (GGUF, from `imatrix` or llama-imatrix): llama-quantize --imatrix; required by "
                    "the IQ2 mixes");
    cmd->add_option("--token-embedding-type", opts->token_embedding_type, "Type of token_embd.weight (llama-quantize's flag)");
    cmd->add_option("--output-tensor-type", opts->output_tensor_type, "Type of output.weight (llama-quantize's flag)");
    cmd->add_option("-t,--threads", opts->threads, "Threads (0: every core)")->capture_default_str()->check(CLI::Range(0, 1024));
    cmd->add_flag("--json", opts->json, "Print one JSON object on stdout");
    cmd->callback([opts, &global] { run(*opts, global); });
}

}  // namespace qs::cli
