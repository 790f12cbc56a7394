// quantscope-cli info --model MODEL [--json]
#include <cstdio>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "gguf/gguf_file.h"
#include "hf/hf_checkpoint.h"
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
        {"gguf_version", s.gguf_version}, {"hf_checkpoint", s.hf_checkpoint}, {"file_bytes", s.file_bytes}, {"n_params", s.n_params},
        {"n_layer", s.n_layer}, {"n_embd", s.n_embd}, {"n_head", s.n_head}, {"n_head_kv", s.n_head_kv},
        {"n_ff", s.n_ff}, {"n_vocab", s.n_vocab}, {"context_length", s.context_length},
        {"rope_freq_base", s.rope_freq_base}, {"rms_norm_eps", s.rms_norm_eps},
        {"tokenizer", {{"model", s.tokenizer_model}, {"pre", s.tokenizer_pre}}},
        {"file_type", s.file_type}, {"tensor_types", types}, {"tensor_type_bytes", type_bytes},
        {"tensor_bytes", s.tensor_bytes}, {"bits_per_weight", s.bits_per_weight()},
        {"head_dim", s.head_dim}, {"n_active_params", s.n_active_params},
        {"experts", {{"count", s.n_expert}, {"used", s.n_expert_used}, {"feed_forward_length", s.n_ff_exp}}},
        {"sliding_window", s.sliding_window}, {"sliding_window_layers", s.swa_layers},
        {"attn_logit_softcapping", s.attn_softcap}, {"final_logit_softcapping", s.final_softcap},
        {"hparams_error", s.hparams_error},
    };
}

void print_text(const ModelSummary& s) {
    fmt::print("model           {}\n", s.path);
    if (!s.name.empty()) fmt::print("name            {}\n", s.name);
    fmt::print("architecture    {}{}\n", s.architecture, s.supported ? "" : "  (QuantScope cannot run this architecture)");
    if (!s.hparams_error.empty()) fmt::print("cannot run      {}\n", s.hparams_error);
    fmt::print("parameters      {} ({:.2f} M)\n", s.n_params, double(s.n_params) / 1e6);
    if (s.n_expert > 0)
        fmt::print("active          {} ({:.2f} M) per token: {} of {} experts (feed-forward {} each)\n", s.n_active_params,
                   double(s.n_active_params) / 1e6, s.n_expert_used, s.n_expert, s.n_ff_exp);
    fmt::print("layers          {}\nembedding       {}\nheads           {} (KV heads {}, head size {})\n", s.n_layer,
               s.n_embd, s.n_head, s.n_head_kv, s.head_dim);
    if (s.n_expert > 0) fmt::print("feed-forward    experts in every layer (feed_forward_length {} unused)\n", s.n_ff);
    else fmt::print("feed-forward    {}\n", s.n_ff);
    if (s.sliding_window > 0)
        fmt::print("sliding window  {} tokens on {} of {} layers ({})\n", s.sliding_window, s.swa_layers.size(), s.n_layer,
                   fmt::join(s.swa_layers, ", "));
    if (s.attn_softcap > 0 || s.final_softcap > 0)
        fmt::print("soft-capping    attention {}, final logits {}\n", s.attn_softcap, s.final_softcap);
    fmt::print("vocabulary      {} ({} tokenizer{}{})\n", s.n_vocab, s.tokenizer_model.empty() ? "no" : s.tokenizer_model,
               s.tokenizer_pre.empty() ? "" : ", pre-tokenizer ", s.tokenizer_pre);
    fmt::print("context length  {}\n", s.context_length);
    if (s.hf_checkpoint)
        fmt::print("files           {} bytes of safetensors ({:.2f} MiB), Hugging Face checkpoint\n", s.file_bytes,
                   double(s.file_bytes) / (1 << 20));
    else
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
        const ModelSummary s = model_summary_read(model_file_open(opts->model));
        if (opts->json) fmt::print("{}\n", to_json(s).dump(2));
        else print_text(s);
    });
}

}  // namespace qs::cli
