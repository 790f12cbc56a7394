// quantscope-cli convert --model DIR --out F.gguf [--type PRESET] [--threads T] [--json]
// Writes the GGUF convert_hf_to_gguf.py makes of a Hugging Face checkpoint (llama, qwen2, qwen3:
// same tensor names, types and layout, same metadata keys), or with --type the file llama-quantize
// would then make of it in the same step.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "gguf/gguf_writer.h"
#include "hf/hf_checkpoint.h"
#include "progress_bar.h"
#include "quant/precision_recipe.h"
#include "quant/quantize_model.h"

namespace qs::cli {
namespace {

struct ConvertOptions {
    std::string model, out, type;
    int threads = 0;
    bool json = false;
};

void run(const ConvertOptions& o, const GlobalOptions& global) {
    set_threads(o.threads);
    const GgufFile source = hf_checkpoint_open(o.model);
    uint64_t bytes = 0;
    if (o.type.empty()) {
        GgufWriter w;
        for (const GgufMetadataEntry& e : source.metadata()) w.set(e.key, e.value);
        for (const GgufTensorInfo& t : source.tensors()) {
            w.add_tensor(t.name, t.type, t.ne, t.data, t.nbytes);
            bytes += t.nbytes;
        }
        w.write(o.out);
    } else {
        QuantizeModelOptions qopts;
        qopts.mix = PrecisionRecipe::parse(o.type).options;
        qopts.n_threads = o.threads;
        ProgressBar bar(!global.quiet && !o.json);
        Progress progress(bar.callback());
        bytes = quantize_model_to_file(source, o.out, qopts, progress).output_bytes;
        bar.finish();
    }
    if (o.json) {
        fmt::print("{}\n", nlohmann::json{{"model", o.model}, {"out", o.out}, {"type", o.type.empty() ? "as stored" : o.type},
                                          {"architecture", source.get_string("general.architecture")},
                                          {"tensors", source.tensors().size()}, {"tensor_bytes", bytes}}
                               .dump(2));
        return;
    }
    fmt::print("{} ({}, {} tensors) -> {} ({:.2f} MiB of tensors{})\n", o.model, source.get_string("general.architecture"),
               source.tensors().size(), o.out, double(bytes) / (1024.0 * 1024.0), o.type.empty() ? "" : ", " + o.type);
}

}  // namespace

void add_convert_command(CLI::App& app, const GlobalOptions& global) {
    auto opts = std::make_shared<ConvertOptions>();
    CLI::App* cmd = app.add_subcommand("convert", "Write a Hugging Face checkpoint directory as GGUF (as convert_hf_to_gguf.py)");
    cmd->add_option("-m,--model", opts->model, "Checkpoint directory (config.json, *.safetensors, tokenizer.json)")->required();
    cmd->add_option("-o,--out", opts->out, "Output GGUF file")->required();
    cmd->add_option("--type", opts->type, "Also quantize: a mix (Q4_K_M, Q8_0, F16, ...) or recipe; default keeps the stored types");
    cmd->add_option("-t,--threads", opts->threads, "Threads (0: every core)")->capture_default_str()->check(CLI::Range(0, 1024));
    cmd->add_flag("--json", opts->json, "Print one JSON object on stdout");
    cmd->callback([opts, &global] { run(*opts, global); });
}

}  // namespace qs::cli
