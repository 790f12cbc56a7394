// THE forward pass of every architecture QuantScope runs (llama, qwen2, qwen3, qwen3moe, gemma2,
// gemma3, phi3), as llama.cpp's graph builders (src/models/*.cpp) compute them. See
// model_forward.cpp, which reads top to bottom.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "model/model_hparams.h"

namespace qs {

class Model;
class KvCache;

// Activations of one forward pass over up to n_ubatch tokens, allocated once per context.
// Row i belongs to the i-th token of the batch.
struct ForwardScratch {
    ForwardScratch(const ModelHParams& hp, int64_t n_ubatch, int64_t n_ctx);

    int64_t n_ubatch;
    std::vector<float> x;       // [n_ubatch][n_embd]    the residual stream (after the last attention: wanted rows only)
    std::vector<float> xn;      // [n_ubatch][n_embd]    RMS-normalized input of the current block
    std::vector<float> q;       // [n_ubatch][n_embd_q]  queries (all heads)
    std::vector<float> k;       // [n_ubatch][n_embd_kv] new keys
    std::vector<float> v;       // [n_ubatch][n_embd_kv] new values
    std::vector<float> attn;    // [n_ubatch][n_embd_q]  attention output, heads concatenated
    std::vector<float> proj;    // [n_ubatch][n_embd]    output of attn_output / ffn_down, before the residual add
    std::vector<float> gate;    // [n_ubatch][n_ff]      ffn_gate output, then act(gate) * up
    std::vector<float> up;      // [n_ubatch][n_ff]      ffn_up output ([n_ubatch][2 n_ff] gate|up for a fused ffn_up)
    std::vector<float> qkv;     // [n_ubatch][n_embd_q + 2 n_embd_kv] fused attn_qkv output (phi3 only)
    std::vector<float> k_all;   // [n_ctx][n_embd_kv]    this layer's cached keys, as f32
    std::vector<float> k_t;     // [n_head_kv][head_dim][n_ctx rounded up to 64] the same keys transposed per head (for Q·Kᵀ)
    std::vector<float> v_all;   // [n_ctx][n_embd_kv]    this layer's cached values, as f32
    std::vector<float> scores;  // [n_head][n_ctx]       attention scores of one query row, per head
    std::vector<float> head_tmp;// [n_head][2*head_dim]  per-head query copy and accumulator
    std::vector<float> rope_cs; // [n_ubatch][n_rot]     (cos, sin) pairs per token position
    std::vector<float> rope_cs_swa;  // [n_ubatch][n_rot] the same with the sliding-window layers' base (when it differs)

    // Mixture of experts (empty for dense models).
    std::vector<float> router;      // [n_ubatch][n_expert]    router logits, then probabilities
    std::vector<int32_t> selected;  // [n_ubatch][n_expert_used] chosen experts, best first
    std::vector<float> expert_w;    // [n_ubatch][n_expert_used] their (renormalised) weights
    std::vector<int32_t> routed;    // [n_ubatch]              rows routed to the current expert
    std::vector<float> expert_in;   // [n_ubatch][n_embd]      those rows' inputs, gathered
    std::vector<float> expert_gate; // [n_ubatch][n_ff_exp]
    std::vector<float> expert_up;   // [n_ubatch][n_ff_exp]
    std::vector<float> expert_out;  // [n_ubatch][n_embd]
    std::vector<float> moe_out;     // [n_ubatch][n_expert_used][n_embd] each chosen expert's weighted output

    // Bytes held by the buffers above (the runtime memory of one context besides its KV cache).
    uint64_t bytes() const;
};

// Processes tokens at positions [n_past, n_past + n) (n <= scratch.n_ubatch), appending their K
// and V to the cache, and writes n_vocab logits for each wanted row into `logits`, in order.
// The caller has validated token ids and positions.
void model_forward(const Model& model, KvCache& kv, ForwardScratch& s, std::span<const int32_t> tokens,
                   int64_t n_past, std::span<const uint8_t> want_logits, float* logits);

// One sequence's rows in a batch of several: rows [row0, row0 + n_rows) are its tokens at
// positions [n_past, n_past + n_rows) of cache slot `seq`, and attend only to that slot.
struct ForwardSeq {
    int64_t seq = 0;
    int64_t n_past = 0;
    int64_t row0 = 0, n_rows = 0;
};

// The same for several sequences at once (each sequence at most once, rows in the order of
// `seqs`, covering all tokens): the matrices see every row together, attention runs per sequence.
void model_forward(const Model& model, KvCache& kv, ForwardScratch& s, std::span<const int32_t> tokens,
                   std::span<const ForwardSeq> seqs, std::span<const uint8_t> want_logits, float* logits);

}  // namespace qs
