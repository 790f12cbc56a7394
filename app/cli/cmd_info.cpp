// quantscope-cli info --model MODEL [--json]
#include <cstdio>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "gguf/gguf_file.h"
#include "model/model_summary.h"

namespace qs::cli {
namespace {

struct InfoOptions {
    std::string model;
    bool json = false;
};

nlohmann::json to_json(const ModelSummary& s) {
    nlohmann::json types = nlohmann::json::object(), type_bytes = nlohmann::json::object();
    for (const auto& [name, u] : s.tensor_types) {
        types[name] = u.tensors;
        type_bytes[name] = u.bytes;
    }
    return {
        {"path", s.path}, {"name", s.name}, {"architecture", s.architecture}, {"supported", s.supported},
        {"gguf_version", s.gguf_version}, {"file_bytes", s.file_bytes}, {"n_params", s.n_params},
        {"n_layer", s.n_layer}, {"n_embd", s.n_embd}, {"n_head", s.n_head}, {"n_head_kv", s.n_head_kv},
        {"n_ff", s.n_ff}, {"n_vocab", s.n_vocab}, {"context_length", s.context_length},
        {"rope_freq_base", s.rope_freq_base}, {"rms_norm_eps", s.rms_norm_eps},
        {"tokenizer", {{"model", s.tokenizer_model}, {"pre", s.tokenizer_pre}}},
        {"file_type", s.file_type}, {"tensor_types", types}, {"tensor_type_bytes", type_bytes},
        {"tensor_bytes", s.tensor_bytes}, {"bits_per_weight", s.bits_per_weight()},
    };
}

void print_text(const ModelSummary& s) {
    fmt::print("model           {}\n", s.path);
    if (!s.name.empty()) fmt::print("name            {}\n", s.name);
    fmt::print("architecture    {}{}\n", s.architecture, s.supported ? "" : "  (QuantScope cannot run this architecture)");
    fmt::print("parameters      {} ({:.2f} M)\n", s.n_params, double(s.n_params) / 1e6);
    fmt::print("layers          {}\nembedding       {}\nheads           {} (KV heads {})\nfeed-forward    {}\n",
               s.n_layer, s.n_embd, s.n_head, s.n_head_kv, s.n_ff);
    fmt::print("vocabulary      {} ({} tokenizer{}{})\n", s.n_vocab, s.tokenizer_model.empty() ? "no" : s.tokenizer_model,
               s.tokenizer_pre.empty() ? "" : ", pre-tokenizer ", s.tokenizer_pre);
    fmt::print("context length  {}\n", s.context_length);
    fmt::print("file            {} bytes ({:.2f} MiB), GGUF v{}\n", s.file_bytes, double(s.file_bytes) / (1 << 20), s.gguf_version);
    fmt::print("weights         {:.2f} MiB, {:.3f} bits per weight\n", double(s.tensor_bytes) / (1 << 20), s.bits_per_weight());
    fmt::print("tensor types\n");
    for (const auto& [name, u] : s.tensor_types)
        fmt::print("  {:<8} {:>5} tensors {:>14} elements {:>12.2f} MiB\n", name, u.tensors, u.elements, double(u.bytes) / (1 << 20));
}

}  // namespace

void add_info_command(CLI::App& app, const GlobalOptions&) {
    auto opts = std::make_shared<InfoOptions>();
    CLI::App* cmd = app.add_subcommand("info", "Describe a GGUF model from its header (weights are not loaded)");
    cmd->add_option("-m,--model", opts->model, "GGUF model file")->required();
    cmd->add_flag("--json", opts->json, "Print one JSON object on stdout");
    cmd->callback([opts] {
        const ModelSummary s = model_summary_read(GgufFile::open(opts->model));
        if (opts->json) fmt::print("{}\n", to_json(s).dump(2));
        else print_text(s);
    });
}

}  // namespace qs::cli
