// What a model file is, read from its GGUF header alone (no weights touched): the facts the CLI's
// `info` and the GUI's model card show. Works for any architecture, including ones QuantScope
// cannot run, so users can see why a file is refused. For the architectures it runs, the
// attention and expert facts come from model_hparams_read, the forward pass's own reading.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace qs {

class GgufFile;

struct TypeUsage {
    int64_t tensors = 0;
    int64_t elements = 0;
    uint64_t bytes = 0;
};

struct ModelSummary {
    std::string path;
    std::string name;            // general.name, may be empty
    std::string architecture;    // general.architecture
    bool supported = false;      // an architecture QuantScope can run
    uint32_t gguf_version = 0;
    bool hf_checkpoint = false;  // read from a Hugging Face checkpoint directory (then gguf_version means nothing)
    uint64_t file_bytes = 0;
    int64_t n_params = 0;        // sum of the elements of every tensor
    int64_t n_active_params = 0; // those one token uses: n_params with only n_expert_used of n_expert experts' tensors
    int64_t n_layer = 0, n_embd = 0, n_head = 0, n_head_kv = 0, n_ff = 0, n_vocab = 0, context_length = 0;
    int64_t head_dim = 0;        // attention.key_length, else n_embd / n_head
    int64_t n_expert = 0, n_expert_used = 0, n_ff_exp = 0;  // mixture of experts (0 for dense models)
    int64_t sliding_window = 0;  // tokens a windowed layer's query sees (0: none)
    std::vector<int64_t> swa_layers;  // the windowed layers
    double attn_softcap = 0, final_softcap = 0;  // 0: none
    std::string hparams_error;   // why a supported architecture's hyper-parameters are refused, else empty
    double rope_freq_base = 0, rms_norm_eps = 0;
    std::string tokenizer_model, tokenizer_pre;  // tokenizer.ggml.model / .pre
    int64_t file_type = -1;      // general.file_type (llama_ftype), -1 if absent
    std::map<std::string, TypeUsage> tensor_types;  // ggml type name -> usage
    uint64_t tensor_bytes = 0;
    double bits_per_weight() const { return n_params ? 8.0 * double(tensor_bytes) / double(n_params) : 0.0; }
};

ModelSummary model_summary_read(const GgufFile& file);

}  // namespace qs
