// A Hugging Face model's config.json, read for the architectures QuantScope converts (llama,
// qwen2, qwen3), with the keys and defaults convert_hf_to_gguf.py uses. Missing or mistyped keys,
// unknown model types and unsupported RoPE scaling give a qs::Error naming config.json and the key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace qs {

// rope_scaling {"rope_type": "llama3", ...} (Llama 3.1 and later): each RoPE frequency is divided
// by a factor that convert_hf_to_gguf.py computes and writes as the tensor rope_freqs.weight.
struct HfLlama3Rope {
    double factor = 8.0, low_freq_factor = 1.0, high_freq_factor = 4.0;
    int64_t original_context = 8192;  // config's top-level "original_max_position_embeddings", as the converter reads it
};

struct HfConfig {
    std::string model_type;        // config "model_type": llama, qwen2, qwen3
    std::string gguf_arch;         // the GGUF general.architecture it becomes
    int64_t hidden_size = 0;
    int64_t num_hidden_layers = 0;
    int64_t num_attention_heads = 0;
    int64_t num_key_value_heads = 0;   // default num_attention_heads
    int64_t intermediate_size = 0;
    int64_t head_dim = 0;              // "head_dim" when given, else hidden_size / num_attention_heads
    int64_t max_position_embeddings = 0;  // 0 when absent
    int64_t vocab_size = 0;            // 0 when absent (then the tokenizer's size)
    double rms_norm_eps = 0;
    double rope_theta = 10000.0;
    double rope_scaling_factor = 0;    // linear rope_scaling factor, 0 = none
    std::optional<HfLlama3Rope> rope_llama3;  // llama only
    std::optional<int64_t> bos_token_id, eos_token_id, pad_token_id;
};

HfConfig hf_config_parse(const std::string& label, std::string_view json_text);

// "llama, qwen2, qwen3": the model types hf_config_parse accepts.
const char* hf_supported_model_types();

}  // namespace qs
