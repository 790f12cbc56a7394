// Small random llama-family models for tests: written to GGUF with GgufWriter, and kept in memory
// as the exact f32 values the file holds (dequantized), so an independent reference can run them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tensor/ggml_type.h"

namespace qs::test {

struct RandomModelSpec {
    // "llama", "qwen2" (biases, NeoX RoPE, tied output), "qwen3" (Q/K norms), "qwen3moe" (experts),
    // "gemma2" (post-norms, GeLU, soft-caps, windowed layers), "gemma3" (Q/K norms, local RoPE base),
    // "phi3" (fused attn_qkv and gate|up ffn_up)
    std::string arch = "llama";
    int64_t n_embd = 64, n_head = 4, n_head_kv = 4, n_layer = 2, n_ff = 96, n_vocab = 100;
    int64_t n_rot = 0;           // 0: head_dim (key omitted from the file)
    float rope_freq_base = 10000.0f;
    float rope_scale_factor = 0.0f;  // 0: no scaling keys in the file
    float rms_eps = 1e-5f;
    GgmlType matrix_type = GgmlType::F32;  // type of every 2-D tensor
    bool tied = false;           // no output.weight (qwen2 always tied)
    uint32_t seed = 1;
    int64_t key_length = 0;      // head size written to the file (qwen3/gemma may differ from n_embd/n_head); 0: n_embd/n_head
    int64_t n_swa = 0;           // gemma: sliding window (0: key omitted; gemma2 then uses 4096)
    int64_t swa_pattern = 0;     // gemma: sliding_window_pattern written when > 0
    float rope_freq_base_swa = 0.0f;  // gemma3: rope.freq_base_swa written when > 0 (default 10000)
    float attn_softcap = 0.0f, final_softcap = 0.0f;  // gemma2: written when > 0
    int64_t n_expert = 0, n_expert_used = 0, n_ff_exp = 0;  // qwen3moe
    std::vector<float> rope_freqs;  // Llama 3.1 scaling: rope_freqs.weight, n_rot/2 frequency divisors (empty: none)
    int64_t head_dim() const { return key_length ? key_length : n_embd / n_head; }
};

// A matrix as the file stores it: ne = [k, n], n rows of k values (here dequantized to f32).
struct RefMatrix {
    int64_t k = 0, n = 0;
    std::vector<float> w;  // [n][k]
};

struct RefLayer {
    std::vector<float> attn_norm, ffn_norm;  // [n_embd]
    RefMatrix wq, wk, wv, wo, gate, up, down;  // phi3: the file holds wq|wk|wv and gate|up fused
    std::vector<float> bq, bk, bv;           // qwen2 only
    std::vector<float> q_norm, k_norm;       // [head_dim] qwen3, qwen3moe, gemma3
    std::vector<float> post_attn_norm, post_ffw_norm;  // [n_embd] gemma
    RefMatrix router;                        // qwen3moe: [n_expert][n_embd]
    std::vector<RefMatrix> exp_gate, exp_up, exp_down;  // qwen3moe: per expert
};

struct RefModel {
    RandomModelSpec spec;
    RefMatrix token_embd;                    // [n_vocab][n_embd]
    std::vector<RefLayer> layers;
    std::vector<float> output_norm;          // [n_embd]
    RefMatrix output;                        // token_embd when tied
};

// Generates the weights from spec.seed, writes them to `path` and returns what the file holds.
RefModel random_model_write(const RandomModelSpec& spec, const std::string& path);

}  // namespace qs::test
