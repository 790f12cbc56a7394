#include "model/model_hparams.h"

#include <cmath>

#include "core/error.h"
#include "gguf/gguf_file.h"

namespace qs {

namespace {

struct ArchName {
    ModelArch arch;
    const char* name;
};
constexpr ArchName kArchNames[] = {
    {ModelArch::Llama, "llama"},   {ModelArch::Qwen2, "qwen2"},   {ModelArch::Qwen3, "qwen3"},
    {ModelArch::Qwen3Moe, "qwen3moe"}, {ModelArch::Gemma2, "gemma2"}, {ModelArch::Gemma3, "gemma3"},
    {ModelArch::Phi3, "phi3"},
};

}  // namespace

const char* model_arch_name(ModelArch arch) {
    for (const ArchName& a : kArchNames)
        if (a.arch == arch) return a.name;
    return "?";
}

std::string model_arch_supported_list() {
    std::string out;
    for (const ArchName& a : kArchNames) out += (out.empty() ? "" : ", ") + std::string(a.name);
    return out;
}

bool model_arch_from_name(const std::string& name, ModelArch& arch) {
    for (const ArchName& a : kArchNames)
        if (name == a.name) {
            arch = a.arch;
            return true;
        }
    return false;
}

namespace {

int64_t read_positive(const GgufFile& f, const std::string& key) {
    if (!f.find(key)) fail_file(f.path(), "missing metadata key '{}'", key);
    const int64_t v = f.get_int(key);
    // The upper bound keeps every later size computation (rows * width) far from overflow.
    if (v <= 0 || v > (int64_t(1) << 24)) fail_file(f.path(), "metadata '{}' = {} is out of range", key, v);
    return v;
}

// The per-layer sliding-window flags from <arch>.attention.sliding_window_pattern when present (a
// period p: layer il is windowed when il % p < p - 1, p = 0 meaning every layer; or an array of
// per-layer flags), else from the architecture's default period, as llama_hparams::set_swa_pattern.
std::vector<uint8_t> read_swa_layers(const GgufFile& f, const std::string& key, int64_t n_layer, int64_t default_period) {
    std::vector<uint8_t> layers(size_t(n_layer), 0);
    const GgufValue* v = f.find(key);
    if (v && v->is_array()) {
        const GgufArray& arr = v->as_array();
        if (int64_t(arr.items.size()) != n_layer)
            fail_file(f.path(), "metadata '{}' has {} entries for {} layers", key, arr.items.size(), n_layer);
        for (size_t i = 0; i < arr.items.size(); ++i) {
            const GgufValue& e = arr.items[i];
            if (!e.is_bool() && !e.is_integer()) fail_file(f.path(), "metadata '{}' is not an array of flags", key);
            layers[i] = (e.is_bool() ? e.as_bool() : e.as_int() != 0) ? 1 : 0;
        }
        return layers;
    }
    int64_t period = default_period;
    if (v) {
        period = f.get_int(key);
        if (period < 0 || period > n_layer + 1) fail_file(f.path(), "metadata '{}' = {} is out of range", key, period);
    }
    for (int64_t il = 0; il < n_layer; ++il) layers[size_t(il)] = (period == 0 || il % period < period - 1) ? 1 : 0;
    return layers;
}

float read_positive_float(const GgufFile& f, const std::string& key, double fallback) {
    const double v = f.get_float_or(key, fallback);
    if (!(v > 0.0) || !std::isfinite(v)) fail_file(f.path(), "metadata '{}' = {} is not a positive number", key, v);
    return float(v);
}

// The choices llama.cpp makes per architecture (llama-model.cpp load_hparams and the graph
// builders in src/models/): which flags are on, which keys are read and their defaults.
void apply_architecture(const GgufFile& f, const std::string& a, ModelHParams& hp) {
    switch (hp.arch) {
        case ModelArch::Llama: break;
        case ModelArch::Qwen2:
            hp.rope_neox = true;
            hp.qkv_bias = true;
            break;
        case ModelArch::Qwen3:
            hp.rope_neox = true;
            hp.qk_norm = true;
            break;
        case ModelArch::Qwen3Moe:
            hp.rope_neox = true;
            hp.qk_norm = true;
            hp.n_expert = read_positive(f, a + "expert_count");
            hp.n_expert_used = read_positive(f, a + "expert_used_count");
            hp.n_ff_exp = read_positive(f, a + "expert_feed_forward_length");
            hp.expert_weights_norm = true;  // build_moe_ffn(..., norm_w = true, ...)
            if (hp.n_expert_used > hp.n_expert)
                fail_file(f.path(), "expert_used_count {} exceeds expert_count {}", hp.n_expert_used, hp.n_expert);
            break;
        case ModelArch::Phi3:
            // Phi-3 files may carry attention.sliding_window; llama.cpp ignores it ("Phi SWA is
            // currently disabled"), and so do we, to compute what it computes.
            hp.rope_neox = true;
            hp.attn_scale_on_q = true;
            break;
        case ModelArch::Gemma2:
        case ModelArch::Gemma3: {
            const bool gemma2 = hp.arch == ModelArch::Gemma2;
            hp.rope_neox = true;
            hp.post_norms = true;
            hp.qk_norm = !gemma2;
            hp.ffn_act = FfnActivation::GeluTanh;
            hp.embd_scale = std::sqrt(float(hp.n_embd));
            hp.attn_scale_on_q = true;
            // gemma_pytorch's query_pre_attn_scalar: n_embd / n_head for the 27B models (recognised,
            // as llama.cpp does, by their layer count), the head size otherwise.
            const bool is_27b = hp.n_layer == (gemma2 ? 46 : 62);
            hp.attn_scale = 1.0f / std::sqrt(float(is_27b ? hp.n_embd / hp.n_head : hp.head_dim));
            if (gemma2) {
                hp.n_swa = f.find(a + "attention.sliding_window") ? read_positive(f, a + "attention.sliding_window") : 4096;
                hp.attn_softcap = read_positive_float(f, a + "attn_logit_softcapping", 50.0);
                hp.final_softcap = read_positive_float(f, a + "final_logit_softcapping", 30.0);
            } else {
                hp.n_swa = f.get_int_or(a + "attention.sliding_window", 0);
                if (hp.n_swa < 0) fail_file(f.path(), "metadata '{}attention.sliding_window' is negative", a);
                hp.final_softcap = float(f.get_float_or(a + "final_logit_softcapping", 0.0));
                if (hp.final_softcap < 0.0f || !std::isfinite(hp.final_softcap))
                    fail_file(f.path(), "metadata '{}final_logit_softcapping' = {} is invalid", a, hp.final_softcap);
                hp.rope_freq_base_swa = read_positive_float(f, a + "rope.freq_base_swa", 10000.0);
                hp.rope_freq_scale_swa = 1.0f;
            }
            if (hp.n_swa > 0) hp.swa_layers = read_swa_layers(f, a + "attention.sliding_window_pattern", hp.n_layer, gemma2 ? 2 : 6);
            if (gemma2) {  // one RoPE for every layer
                hp.rope_freq_base_swa = hp.rope_freq_base;
                hp.rope_freq_scale_swa = hp.rope_freq_scale;
            }
            break;
        }
    }
    if (hp.attn_scale == 0.0f) hp.attn_scale = 1.0f / std::sqrt(float(hp.head_dim));
}

}  // namespace

ModelHParams model_hparams_read(const GgufFile& f) {
    const std::string& path = f.path();
    ModelHParams hp;

    const std::string arch = f.get_string_or("general.architecture", "");
    if (arch.empty()) fail_file(path, "no general.architecture in the metadata");
    if (!model_arch_from_name(arch, hp.arch))
        fail_file(path, "architecture '{}' is not supported (QuantScope runs {})", arch, model_arch_supported_list());

    const std::string a = arch + ".";
    hp.n_embd = read_positive(f, a + "embedding_length");
    hp.n_layer = read_positive(f, a + "block_count");
    hp.n_head = read_positive(f, a + "attention.head_count");
    hp.n_head_kv = f.find(a + "attention.head_count_kv") ? read_positive(f, a + "attention.head_count_kv") : hp.n_head;
    hp.n_ff = f.find(a + "feed_forward_length") || arch != "qwen3moe" ? read_positive(f, a + "feed_forward_length") : 0;
    hp.n_ctx_train = f.find(a + "context_length") ? read_positive(f, a + "context_length") : 0;

    if (hp.n_head % hp.n_head_kv != 0)
        fail_file(path, "head_count {} is not a multiple of head_count_kv {}", hp.n_head, hp.n_head_kv);
    if (f.find(a + "attention.key_length")) {
        hp.head_dim = read_positive(f, a + "attention.key_length");
    } else {
        if (hp.n_embd % hp.n_head != 0)
            fail_file(path, "embedding_length {} is not a multiple of head_count {}", hp.n_embd, hp.n_head);
        hp.head_dim = hp.n_embd / hp.n_head;
    }
    if (f.find(a + "attention.value_length") && f.get_int(a + "attention.value_length") != hp.head_dim)
        fail_file(path, "attention.value_length differs from key_length, which QuantScope does not support");

    hp.rms_norm_eps = float(f.get_float_or(a + "attention.layer_norm_rms_epsilon", 1e-5));
    if (!(hp.rms_norm_eps > 0.0f) || !std::isfinite(hp.rms_norm_eps))
        fail_file(path, "attention.layer_norm_rms_epsilon = {} is not a positive number", hp.rms_norm_eps);

    hp.rope_freq_base = float(f.get_float_or(a + "rope.freq_base", 10000.0));
    if (!(hp.rope_freq_base > 0.0f) || !std::isfinite(hp.rope_freq_base))
        fail_file(path, "rope.freq_base = {} is not a positive number", hp.rope_freq_base);

    // llama.cpp applies the scaling factor as a frequency scale whatever the scaling type; the
    // type only matters for YaRN, which needs extra parameters we do not implement.
    const std::string scaling = f.get_string_or(a + "rope.scaling.type", "linear");
    if (scaling != "linear" && scaling != "none")
        fail_file(path, "rope.scaling.type '{}' is not supported (only linear)", scaling);
    double factor = f.get_float_or(a + "rope.scaling.factor", 0.0);
    if (factor == 0.0) factor = f.get_float_or(a + "rope.scale_linear", 0.0);
    if (factor < 0.0 || !std::isfinite(factor)) fail_file(path, "rope.scaling.factor = {} is invalid", factor);
    hp.rope_freq_scale = factor == 0.0 ? 1.0f : float(1.0 / factor);

    hp.n_rot = f.find(a + "rope.dimension_count") ? read_positive(f, a + "rope.dimension_count") : hp.head_dim;
    if (hp.n_rot > hp.head_dim || hp.n_rot % 2 != 0)
        fail_file(path, "rope.dimension_count {} must be even and at most the head size {}", hp.n_rot, hp.head_dim);

    apply_architecture(f, a, hp);

    if (auto tokens = f.get_string_array("tokenizer.ggml.tokens"); tokens && !tokens->empty()) {
        hp.n_vocab = int64_t(tokens->size());
    } else if (const GgufTensorInfo* emb = f.find_tensor("token_embd.weight"); emb && emb->ne.size() >= 2) {
        hp.n_vocab = emb->ne[1];
    } else {
        fail_file(path, "cannot tell the vocabulary size: no tokenizer.ggml.tokens and no token_embd.weight");
    }
    return hp;
}

}  // namespace qs
