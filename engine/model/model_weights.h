// Binding a model's tensors by name, with every shape and type checked before anything runs.
//
// Matrices are WeightViews into the tensor data, used in place in their stored type (mmapped file
// or in-memory buffers); 1-D tensors (norm weights, biases) are small and are copied to f32 at bind
// time so any stored type works. Shapes follow ggml: a matrix mapping width A to width B has
// ne = [A, B] (rows of A elements, B rows).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kernels/matmul.h"
#include "model/model_hparams.h"
#include "tensor/ggml_type.h"

namespace qs {

// A tensor as a weight source provides it (a GGUF file, or buffers owned by a Model).
struct TensorRef {
    GgmlType type = GgmlType::F32;
    std::vector<int64_t> ne;     // dimensions, ne[0] fastest
    const void* data = nullptr;  // row_size(type, ne[0]) * rows bytes
};
// Finds a tensor by name; nullopt when absent.
using TensorLookup = std::function<std::optional<TensorRef>(const std::string& name)>;

// A mixture-of-experts FFN (qwen3moe): the router and, per expert, the slices of the 3-D expert
// tensors (ffn_*_exps, ne [k, n, n_expert]) as ordinary matrices.
struct ExpertWeights {
    WeightView gate_inp;            // ne [n_embd, n_expert]: router logits
    std::vector<WeightView> gate;   // [n_expert] ne [n_embd, n_ff_exp]
    std::vector<WeightView> up;     // [n_expert] ne [n_embd, n_ff_exp]
    std::vector<WeightView> down;   // [n_expert] ne [n_ff_exp, n_embd]
};

struct LayerWeights {
    std::vector<float> attn_norm;  // [n_embd]
    WeightView wq;                 // ne [n_embd, n_embd_q]   (unused when wqkv is set)
    WeightView wk;                 // ne [n_embd, n_embd_kv]
    WeightView wv;                 // ne [n_embd, n_embd_kv]
    WeightView wqkv;               // ne [n_embd, n_embd_q + 2 n_embd_kv]: Q, K, V rows fused (phi3), else empty
    std::vector<float> bq;         // [n_embd_q]  (qwen2 only, else empty)
    std::vector<float> bk;         // [n_embd_kv] (qwen2 only, else empty)
    std::vector<float> bv;         // [n_embd_kv] (qwen2 only, else empty)
    std::vector<float> q_norm;     // [head_dim] per-head RMS norm of Q (qk_norm), else empty
    std::vector<float> k_norm;     // [head_dim] per-head RMS norm of K (qk_norm), else empty
    WeightView wo;                 // ne [n_embd_q, n_embd]
    std::vector<float> attn_post_norm;  // [n_embd] (post_norms), else empty
    std::vector<float> ffn_norm;   // [n_embd]
    WeightView ffn_gate;           // ne [n_embd, n_ff]; empty when ffn_up holds gate|up (phi3) or for experts
    WeightView ffn_up;             // ne [n_embd, n_ff], or [n_embd, 2 n_ff] with the gate rows first (phi3)
    WeightView ffn_down;           // ne [n_ff, n_embd]
    ExpertWeights moe;             // set when the model has experts (n_expert > 0) instead of the three above
    std::vector<float> ffn_post_norm;  // [n_embd] (post_norms), else empty
};

inline bool weight_present(const WeightView& w) { return w.data != nullptr; }

struct ModelWeights {
    WeightView token_embd;          // ne [n_embd, n_vocab]: row t is token t's embedding
    std::vector<LayerWeights> layers;  // [n_layer]
    std::vector<float> output_norm;    // [n_embd]
    WeightView output;              // ne [n_embd, n_vocab]; token_embd itself when the file has no output.weight
    bool output_tied = false;
    std::vector<float> rope_freqs;  // [n_rot / 2] frequency divisors (rope_freqs.weight), empty if absent
    // Owners of the matrices' packed copies (model_weights_pack); the views above point into them.
    std::vector<std::shared_ptr<const PackedWeight>> packed;
};

// Binds every tensor the forward pass needs. `label` names the source in errors (the file path).
// Throws qs::Error for a missing tensor, a wrong shape ("tensor 'blk.3.attn_q.weight' has shape
// [a, b], expected [c, d]") or a type QuantScope cannot compute.
ModelWeights model_weights_bind(const ModelHParams& hp, const TensorLookup& lookup, const std::string& label);

// Every matrix the forward pass multiplies activations by: output, then each layer's attention
// matrices (wq, wk, wv or wqkv; wo) and FFN matrices (ffn_gate, ffn_up, ffn_down, or the router and
// every expert's slices); absent ones are skipped (token_embd only gives rows, unless it is also the output).
std::vector<WeightView*> model_weights_matrices(ModelWeights& w);
std::vector<const WeightView*> model_weights_matrices(const ModelWeights& w);

// Packs every matrix the forward pass multiplies by (not token_embd's row lookups) once, where the
// CPU's batched kernel for its type has a compact packed layout (PackedWeight), and points the
// views at the packed copies. Returns the bytes the packed copies hold. on_packed(view) is called
// after each matrix is packed (Model drops the matrix's mapped pages there, so the stored and the
// packed copy of only one matrix are resident at a time).
size_t model_weights_pack(ModelWeights& w, const std::function<void(const WeightView&)>& on_packed = {});

}  // namespace qs
