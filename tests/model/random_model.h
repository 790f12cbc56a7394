// Small random llama-family models for tests: written to GGUF with GgufWriter, and kept in memory
// as the exact f32 values the file holds (dequantized), so an independent reference can run them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tensor/ggml_type.h"

namespace qs::test {

struct RandomModelSpec {
    std::string arch = "llama";  // "llama" or "qwen2" (biases, NeoX RoPE, tied output)
    int64_t n_embd = 64, n_head = 4, n_head_kv = 4, n_layer = 2, n_ff = 96, n_vocab = 100;
    int64_t n_rot = 0;           // 0: head_dim (key omitted from the file)
    float rope_freq_base = 10000.0f;
    float rope_scale_factor = 0.0f;  // 0: no scaling keys in the file
    float rms_eps = 1e-5f;
    GgmlType matrix_type = GgmlType::F32;  // type of every 2-D tensor
    bool tied = false;           // no output.weight (qwen2 always tied)
    uint32_t seed = 1;
    int64_t head_dim() const { return n_embd / n_head; }
};

// A matrix as the file stores it: ne = [k, n], n rows of k values (here dequantized to f32).
struct RefMatrix {
    int64_t k = 0, n = 0;
    std::vector<float> w;  // [n][k]
};

struct RefLayer {
    std::vector<float> attn_norm, ffn_norm;  // [n_embd]
    RefMatrix wq, wk, wv, wo, gate, up, down;
    std::vector<float> bq, bk, bv;           // qwen2 only
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
