#include "model/model_hparams.h"

#include <cmath>

#include "core/error.h"
#include "gguf/gguf_file.h"

namespace qs {

const char* model_arch_name(ModelArch arch) {
    switch (arch) {
        case ModelArch::Llama: return "llama";
        case ModelArch::Qwen2: return "qwen2";
    }
    return "?";
}

namespace {

int64_t read_positive(const GgufFile& f, const std::string& key) {
    if (!f.find(key)) fail_file(f.path(), "missing metadata key '{}'", key);
    const int64_t v = f.get_int(key);
    // The upper bound keeps every later size computation (rows * width) far from overflow.
    if (v <= 0 || v > (int64_t(1) << 24)) fail_file(f.path(), "metadata '{}' = {} is out of range", key, v);
    return v;
}

}  // namespace

ModelHParams model_hparams_read(const GgufFile& f) {
    const std::string& path = f.path();
    ModelHParams hp;

    const std::string arch = f.get_string_or("general.architecture", "");
    if (arch == "llama") {
        hp.arch = ModelArch::Llama;
    } else if (arch == "qwen2") {
        hp.arch = ModelArch::Qwen2;
        hp.rope_neox = true;
        hp.qkv_bias = true;
    } else if (arch.empty()) {
        fail_file(path, "no general.architecture in the metadata");
    } else {
        fail_file(path, "architecture '{}' is not supported (QuantScope runs llama and qwen2)", arch);
    }

    const std::string a = arch + ".";
    hp.n_embd = read_positive(f, a + "embedding_length");
    hp.n_layer = read_positive(f, a + "block_count");
    hp.n_head = read_positive(f, a + "attention.head_count");
    hp.n_head_kv = f.find(a + "attention.head_count_kv") ? read_positive(f, a + "attention.head_count_kv") : hp.n_head;
    hp.n_ff = read_positive(f, a + "feed_forward_length");
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
