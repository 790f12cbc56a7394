// What a model file is, read from its GGUF header alone (no weights touched): the facts the CLI's
// `info` and the GUI's model card show. Works for any architecture, including ones QuantScope
// cannot run, so users can see why a file is refused.
#pragma once

#include <cstdint>
#include <map>
#include <string>

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
    uint64_t file_bytes = 0;
    int64_t n_params = 0;        // sum of the elements of every tensor
    int64_t n_layer = 0, n_embd = 0, n_head = 0, n_head_kv = 0, n_ff = 0, n_vocab = 0, context_length = 0;
    double rope_freq_base = 0, rms_norm_eps = 0;
    std::string tokenizer_model, tokenizer_pre;  // tokenizer.ggml.model / .pre
    int64_t file_type = -1;      // general.file_type (llama_ftype), -1 if absent
    std::map<std::string, TypeUsage> tensor_types;  // ggml type name -> usage
    uint64_t tensor_bytes = 0;
    double bits_per_weight() const { return n_params ? 8.0 * double(tensor_bytes) / double(n_params) : 0.0; }
};

ModelSummary model_summary_read(const GgufFile& file);

}  // namespace qs
