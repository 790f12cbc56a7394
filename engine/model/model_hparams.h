// Hyper-parameters of a decoder-only transformer, read from GGUF metadata the way llama.cpp's
// llama_model::load_hparams reads them (same keys, same defaults, same per-architecture rules).
//
// Every architecture QuantScope runs is the same pre-norm transformer; what differs is a set of
// small, named choices recorded here (Q/K norms, post-norms, GeLU, sliding windows, soft-caps,
// experts...). model_forward.cpp reads these flags; it never asks which architecture it runs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qs {

class GgufFile;

// The architectures QuantScope runs (general.architecture).
enum class ModelArch {
    Llama,     // RoPE on adjacent pairs ("normal" mode), no biases
    Qwen2,     // NeoX RoPE, Q/K/V biases
    Qwen3,     // NeoX RoPE, per-head Q/K RMS norms, head_dim from the file
    Qwen3Moe,  // qwen3 attention, mixture-of-experts FFN (softmax router, renormalised top-k)
    Gemma2,    // scaled input, GeLU, pre+post norms, sliding window every other layer, soft-capping
    Gemma3,    // gemma2 without soft-capping, with Q/K norms and a local RoPE base for windowed layers
    Phi3,      // fused QKV and gate|up matrices, NeoX RoPE
};

const char* model_arch_name(ModelArch arch);
// "llama, qwen2, qwen3, qwen3moe, gemma2, gemma3, phi3": for messages about unsupported files.
std::string model_arch_supported_list();
// True (and `arch` set) when `name` is a general.architecture QuantScope runs.
bool model_arch_from_name(const std::string& name, ModelArch& arch);

enum class FfnActivation {
    Silu,      // silu(gate) * up (SwiGLU)
    GeluTanh,  // gelu_tanh(gate) * up (GeGLU), through ggml's f16 table
};

struct ModelHParams {
    ModelArch arch = ModelArch::Llama;
    int64_t n_vocab = 0;      // tokenizer.ggml.tokens length, else token_embd ne[1]
    int64_t n_embd = 0;       // <arch>.embedding_length
    int64_t n_layer = 0;      // <arch>.block_count
    int64_t n_head = 0;       // <arch>.attention.head_count
    int64_t n_head_kv = 0;    // <arch>.attention.head_count_kv (default n_head)
    int64_t head_dim = 0;     // <arch>.attention.key_length (default n_embd / n_head)
    int64_t n_ff = 0;         // <arch>.feed_forward_length (dense FFN width)
    int64_t n_ctx_train = 0;  // <arch>.context_length
    float rms_norm_eps = 1e-5f;       // <arch>.attention.layer_norm_rms_epsilon
    float rope_freq_base = 10000.0f;  // <arch>.rope.freq_base
    float rope_freq_scale = 1.0f;     // 1 / <arch>.rope.scaling.factor for linear scaling, else 1
    int64_t n_rot = 0;        // <arch>.rope.dimension_count (default head_dim): leading dims rotated
    bool rope_neox = false;   // NeoX pairing (i, i + n_rot/2) instead of adjacent pairs (llama)
    bool qkv_bias = false;    // attn_q/k/v carry biases (qwen2)

    // --- the architecture's named choices ---
    bool qk_norm = false;         // RMS norm of each head of Q and K before RoPE (attn_q_norm / attn_k_norm)
    bool post_norms = false;      // RMS norm of the attention and FFN outputs before each residual add
    float embd_scale = 0.0f;      // token embeddings multiplied by this (gemma: sqrt(n_embd)); 0 = none
    float attn_scale = 0.0f;      // scale of Q·K (1/sqrt(head_dim) unless the architecture says otherwise)
    bool attn_scale_on_q = false; // applied to Q before attention (gemma, phi3) instead of to the scores
    float attn_softcap = 0.0f;    // scores -> c·tanh(scores / c) (gemma2); 0 = none
    float final_softcap = 0.0f;   // logits -> c·tanh(logits / c) (gemma2); 0 = none
    FfnActivation ffn_act = FfnActivation::Silu;

    // Sliding-window attention: on the layers flagged in swa_layers a query at position p sees
    // keys p - n_swa < j <= p (llama.cpp's LLAMA_SWA_TYPE_STANDARD), with its own RoPE base/scale.
    int64_t n_swa = 0;                  // <arch>.attention.sliding_window; 0 = no window anywhere
    std::vector<uint8_t> swa_layers;    // [n_layer] 1 = windowed (from the pattern), empty when n_swa == 0
    float rope_freq_base_swa = 10000.0f;  // <arch>.rope.freq_base_swa (gemma3 default 10000)
    float rope_freq_scale_swa = 1.0f;

    // Mixture of experts (n_expert == 0: a dense FFN).
    int64_t n_expert = 0;       // <arch>.expert_count
    int64_t n_expert_used = 0;  // <arch>.expert_used_count (top-k)
    int64_t n_ff_exp = 0;       // <arch>.expert_feed_forward_length
    bool expert_weights_norm = false;  // the top-k router weights are divided by their sum

    int64_t n_embd_q() const { return n_head * head_dim; }      // width of Q and of the attention output
    int64_t n_embd_kv() const { return n_head_kv * head_dim; }  // width of K and V
    bool is_swa(int64_t il) const { return n_swa > 0 && !swa_layers.empty() && swa_layers[size_t(il)] != 0; }
};

// Reads and validates the hyper-parameters. Throws qs::Error naming the file and the key (or the
// unsupported architecture, with the supported list) on any problem. `n_vocab` is taken from the
// tokenizer metadata when present, else from token_embd.weight.
ModelHParams model_hparams_read(const GgufFile& file);

}  // namespace qs
