#include "hf/hf_config.h"

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace qs {

const char* hf_supported_model_types() { return "llama, qwen2, qwen3"; }

namespace {

using json = nlohmann::json;

const json* find(const json& j, const char* key) {
    const auto it = j.find(key);
    return it == j.end() || it->is_null() ? nullptr : &*it;
}

int64_t positive_int(const std::string& label, const json& j, const char* key, std::optional<int64_t> fallback = {}) {
    const json* v = find(j, key);
    if (!v) {
        if (fallback) return *fallback;
        fail_file(label, "missing key '{}'", key);
    }
    if (!v->is_number_integer() || v->get<int64_t>() <= 0 || v->get<int64_t>() > (int64_t(1) << 24))
        fail_file(label, "'{}' must be a positive integer (got {})", key, v->dump());
    return v->get<int64_t>();
}

double positive_number(const std::string& label, const json& j, const char* key, std::optional<double> fallback = {}) {
    const json* v = find(j, key);
    if (!v) {
        if (fallback) return *fallback;
        fail_file(label, "missing key '{}'", key);
    }
    if (!v->is_number() || !(v->get<double>() > 0.0)) fail_file(label, "'{}' must be a positive number (got {})", key, v->dump());
    return v->get<double>();
}

std::optional<int64_t> token_id(const json& j, const char* key) {
    const json* v = find(j, key);
    if (v && v->is_number_integer() && v->get<int64_t>() >= 0) return v->get<int64_t>();
    if (v && v->is_array() && !v->empty() && (*v)[0].is_number_integer()) return (*v)[0].get<int64_t>();  // eos lists
    return std::nullopt;
}

}  // namespace

HfConfig hf_config_parse(const std::string& label, std::string_view text) {
    json j;
    try {
        j = json::parse(text);
    } catch (const json::exception& e) {
        fail_file(label, "not valid JSON: {}", e.what());
    }
    if (!j.is_object()) fail_file(label, "not a JSON object");

    HfConfig c;
    const json* type = find(j, "model_type");
    if (!type || !type->is_string()) fail_file(label, "missing key 'model_type'");
    c.model_type = type->get<std::string>();
    if (c.model_type == "llama" || c.model_type == "qwen2" || c.model_type == "qwen3") {
        c.gguf_arch = c.model_type;
    } else {
        fail_file(label, "model_type '{}' is not supported (QuantScope opens {} checkpoints)", c.model_type,
                  hf_supported_model_types());
    }
    c.hidden_size = positive_int(label, j, "hidden_size");
    c.num_hidden_layers = positive_int(label, j, "num_hidden_layers");
    c.num_attention_heads = positive_int(label, j, "num_attention_heads");
    c.num_key_value_heads = positive_int(label, j, "num_key_value_heads", c.num_attention_heads);
    c.intermediate_size = positive_int(label, j, "intermediate_size");
    c.max_position_embeddings = positive_int(label, j, "max_position_embeddings", 0);
    c.vocab_size = positive_int(label, j, "vocab_size", 0);
    if (find(j, "head_dim")) {
        c.head_dim = positive_int(label, j, "head_dim");
    } else {
        if (c.hidden_size % c.num_attention_heads != 0)
            fail_file(label, "hidden_size {} is not a multiple of num_attention_heads {} (and no head_dim)", c.hidden_size,
                      c.num_attention_heads);
        c.head_dim = c.hidden_size / c.num_attention_heads;
    }
    if (c.num_attention_heads % c.num_key_value_heads != 0)
        fail_file(label, "num_attention_heads {} is not a multiple of num_key_value_heads {}", c.num_attention_heads,
                  c.num_key_value_heads);
    c.rms_norm_eps = positive_number(label, j, "rms_norm_eps");
    c.rope_theta = positive_number(label, j, "rope_theta", 10000.0);
    if (const json* rs = find(j, "rope_scaling")) {
        if (!rs->is_object()) fail_file(label, "'rope_scaling' is not an object");
        const json* kind = find(*rs, "rope_type") ? find(*rs, "rope_type") : find(*rs, "type");
        const std::string k = kind && kind->is_string() ? kind->get<std::string>() : "";
        if (k == "linear") {
            c.rope_scaling_factor = positive_number(label, *rs, "factor");
        } else if (k == "llama3" && c.gguf_arch == "llama") {
            HfLlama3Rope r;
            r.factor = positive_number(label, *rs, "factor", r.factor);
            r.low_freq_factor = positive_number(label, *rs, "low_freq_factor", r.low_freq_factor);
            r.high_freq_factor = positive_number(label, *rs, "high_freq_factor", r.high_freq_factor);
            r.original_context = positive_int(label, j, "original_max_position_embeddings", r.original_context);
            if (r.low_freq_factor == r.high_freq_factor)  // the converter asserts this too (division by zero)
                fail_file(label, "rope_scaling low_freq_factor and high_freq_factor are equal ({})", r.low_freq_factor);
            c.rope_llama3 = r;
        } else if (k != "default") {
            fail_file(label, "rope_scaling type '{}' is not supported for {} (only linear{})", k, c.model_type,
                      c.gguf_arch == "llama" ? " and llama3" : "");
        }
    }
    c.bos_token_id = token_id(j, "bos_token_id");
    c.eos_token_id = token_id(j, "eos_token_id");
    c.pad_token_id = token_id(j, "pad_token_id");
    return c;
}

}  // namespace qs
