// Hyper-parameters of a llama-family model, read from GGUF metadata the way llama.cpp's
// llama_model::load_hparams reads them (same keys, same defaults).
#pragma once

#include <cstdint>
#include <string>

namespace qs {

class GgufFile;

// The architectures QuantScope runs. They share one forward pass and differ in details.
enum class ModelArch {
    Llama,  // RoPE on adjacent pairs ("normal" mode), no biases
    Qwen2,  // RoPE on pairs (i, i + n_rot/2) ("NeoX" mode), Q/K/V biases
};

const char* model_arch_name(ModelArch arch);

struct ModelHParams {
    ModelArch arch = ModelArch::Llama;
    int64_t n_vocab = 0;      // tokenizer.ggml.tokens length, else token_embd ne[1]
    int64_t n_embd = 0;       // <arch>.embedding_length
    int64_t n_layer = 0;      // <arch>.block_count
    int64_t n_head = 0;       // <arch>.attention.head_count
    int64_t n_head_kv = 0;    // <arch>.attention.head_count_kv (default n_head)
    int64_t head_dim = 0;     // <arch>.attention.key_length (default n_embd / n_head)
    int64_t n_ff = 0;         // <arch>.feed_forward_length
    int64_t n_ctx_train = 0;  // <arch>.context_length
    float rms_norm_eps = 1e-5f;     // <arch>.attention.layer_norm_rms_epsilon
    float rope_freq_base = 10000.0f;  // <arch>.rope.freq_base
    float rope_freq_scale = 1.0f;     // 1 / <arch>.rope.scaling.factor for linear scaling, else 1
    int64_t n_rot = 0;        // <arch>.rope.dimension_count (default head_dim): leading dims rotated
    bool rope_neox = false;   // NeoX pairing (qwen2) instead of adjacent pairs (llama)
    bool qkv_bias = false;    // attn_q/k/v carry biases (qwen2)

    int64_t n_embd_q() const { return n_head * head_dim; }      // width of Q and of the attention output
    int64_t n_embd_kv() const { return n_head_kv * head_dim; }  // width of K and V
};

// Reads and validates the hyper-parameters. Throws qs::Error naming the file and the key (or the
// unsupported architecture) on any problem. `n_vocab` is taken from the tokenizer metadata when
// present, else from token_embd.weight.
ModelHParams model_hparams_read(const GgufFile& file);

}  // namespace qs
