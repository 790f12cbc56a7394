// The public face of the model module: load a llama-family GGUF (llama, qwen2) and run it.
//
//   auto model = qs::Model::load("m.gguf");          // immutable, shareable across threads
//   qs::ModelContext ctx(model, 512);                 // one per concurrent evaluation (KV cache, scratch)
//   ctx.decode(tokens, want_logits, logits.data());   // positions [n_past, n_past + n)
//   ContextOptions o; o.n_seq = 4;                    // or several sequences in one KV cache:
//   ctx.decode_batch({{0, a}, {3, b}}, logits.data());  // each at its own positions
//
// The forward pass itself is in model_forward.cpp; hyper-parameters in model_hparams.h; tensor
// binding in model_weights.h; the KV cache in kv_cache.h.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "model/kv_cache.h"
#include "model/model_forward.h"
#include "model/model_hparams.h"
#include "model/model_weights.h"

namespace qs {

// A tensor held in memory rather than in the file (e.g. a weight quantized in memory).
struct OwnedTensor {
    GgmlType type = GgmlType::F32;
    std::vector<int64_t> ne;    // same shape as the tensor it replaces
    std::vector<uint8_t> data;  // row_size(type, ne[0]) * rows bytes
};

class Model {
public:
    // Opens, validates and binds a GGUF model, or a Hugging Face checkpoint directory
    // (hf/hf_checkpoint.h). Throws qs::Error naming the file on any problem.
    static std::shared_ptr<const Model> load(const std::string& path);

    // The same model with some tensors replaced by in-memory ones (same names and shapes, any
    // computable type). Tensors not in `replaced` keep pointing into base's file, which the new
    // model keeps open. Shapes and types are checked as for a file.
    static std::shared_ptr<const Model> with_weights(const Model& base, std::map<std::string, OwnedTensor> replaced);

    const ModelHParams& hparams() const { return hparams_; }
    const ModelWeights& weights() const { return weights_; }
    // Bytes of the matrices' copies packed at load for the batched kernels (0 when none are).
    size_t packed_bytes() const { return packed_bytes_; }
    const GgufFile& file() const { return *file_; }
    const std::string& path() const { return file_->path(); }

private:
    Model() = default;
    void bind();

    std::shared_ptr<const GgufFile> file_;
    std::map<std::string, OwnedTensor> owned_;  // tensors that override the file's
    ModelHParams hparams_;
    ModelWeights weights_;
    size_t packed_bytes_ = 0;
};

struct ContextOptions {
    KvCacheType kv_type = KvCacheType::F16;  // llama.cpp's default; the K cache, and V unless v_type is set
    int n_ubatch = 512;                      // tokens per forward pass (llama.cpp's default n_ubatch)
    int n_seq = 1;                           // sequences the KV cache holds, n_ctx positions each (decode_batch)
    std::optional<KvCacheType> v_type = {};  // the V cache's own type (-ctv), if it differs
    KvRowQuantizeFn kv_quantize = nullptr;   // required for a quantized type (quant/kv_cache_quant.h)
    KvCacheType k_cache() const { return kv_type; }
    KvCacheType v_cache() const { return v_type.value_or(kv_type); }
};

// Tokens that continue one sequence of a multi-sequence context.
struct SeqTokens {
    int seq = 0;                         // 0 .. n_seq-1
    std::span<const int32_t> tokens;     // at the sequence's next positions
};

// One evaluation stream over a model: its KV cache and scratch buffers (allocated once here).
// Not thread-safe; use one context per thread. Work inside decode() uses OpenMP.
class ModelContext {
public:
    ModelContext(std::shared_ptr<const Model> model, int n_ctx, const ContextOptions& opts = {});

    // Empties the KV cache (every sequence): the next decode starts at position 0.
    void clear() { std::fill(n_past_.begin(), n_past_.end(), 0); }
    // Empties one sequence of a multi-sequence context.
    void clear(int seq);
    // Forgets positions [n_past, n_past()) so the next decode continues after the first n_past
    // tokens already in the cache (a prompt prefix shared by several continuations). Throws
    // qs::Error if n_past is negative or beyond n_past().
    void rewind(int n_past);

    // Runs tokens at positions [n_past, n_past + n) and writes n_vocab logits for each i with
    // want_logits[i] != 0 into `logits`, row after row in order. Batches larger than n_ubatch are
    // processed in several passes, as llama.cpp does. Throws qs::Error (leaving the context
    // unchanged) for an invalid token id, mismatched spans, or exceeding n_ctx.
    void decode(std::span<const int32_t> tokens, std::span<const uint8_t> want_logits, float* logits);

    // Decodes several sequences together, each continuing at its own positions and attending only
    // to its own (one sequence per entry at most): one forward pass per n_ubatch rows, the rows of
    // all sequences sharing the matrix products. Writes n_vocab logits for the LAST token of each
    // entry into `logits`, entry after entry. Throws qs::Error (context unchanged) for a bad
    // sequence, an empty or repeated entry, an invalid token or a full sequence.
    void decode_batch(std::span<const SeqTokens> batch, float* logits);

    int n_past() const { return int(n_past_[0]); }
    int n_past(int seq) const { return int(n_past_.at(size_t(seq))); }
    int n_seq() const { return int(n_past_.size()); }
    int n_ctx() const { return int(kv_.n_ctx()); }
    const Model& model() const { return *model_; }
    const ContextOptions& options() const { return opts_; }
    // Runtime buffers of this context besides the KV cache (activations, attention scratch).
    uint64_t scratch_bytes() const;

private:
    std::shared_ptr<const Model> model_;
    ContextOptions opts_;
    KvCache kv_;
    ForwardScratch scratch_;
    std::vector<int64_t> n_past_;  // [n_seq] positions filled per sequence
};

}  // namespace qs
