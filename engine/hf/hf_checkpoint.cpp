#include "hf/hf_checkpoint.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/fp16.h"
#include "hf/hf_config.h"
#include "hf/hf_tokenizer.h"
#include "hf/safetensors_file.h"

namespace qs {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail_file(path, "cannot open the file");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The safetensors files of the checkpoint: the shards model.safetensors.index.json lists (each
// tensor checked to be in the shard the index names), else model.safetensors.
std::vector<SafetensorsFile> open_weights(const fs::path& dir) {
    const fs::path index = dir / "model.safetensors.index.json";
    std::vector<SafetensorsFile> files;
    if (!fs::exists(index)) {
        const fs::path single = dir / "model.safetensors";
        if (!fs::exists(single))
            fail_file(dir.string(), "no model.safetensors or model.safetensors.index.json (not a Hugging Face checkpoint)");
        files.push_back(SafetensorsFile::open(single.string()));
        return files;
    }
    json j;
    try {
        j = json::parse(read_text(index.string()));
    } catch (const json::exception& e) {
        fail_file(index.string(), "not valid JSON: {}", e.what());
    }
    if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
        fail_file(index.string(), "no \"weight_map\" object");
    std::map<std::string, std::string> where;  // tensor -> shard
    std::vector<std::string> shards;
    for (const auto& [tensor, shard] : j["weight_map"].items()) {
        if (!shard.is_string()) fail_file(index.string(), "weight_map['{}'] is not a file name", tensor);
        const std::string name = shard.get<std::string>();
        if (name.empty() || name.find('/') != std::string::npos || name.find('\\') != std::string::npos || name == "." || name == "..")
            fail_file(index.string(), "weight_map['{}'] = '{}' is not a file in the checkpoint directory", tensor, name);
        where[tensor] = name;
        if (std::find(shards.begin(), shards.end(), name) == shards.end()) shards.push_back(name);
    }
    std::sort(shards.begin(), shards.end());
    for (const std::string& shard : shards) {
        files.push_back(SafetensorsFile::open((dir / shard).string()));
        for (const SafetensorsTensor& t : files.back().tensors()) {
            const auto it = where.find(t.name);
            if (it == where.end()) fail_file(files.back().path(), "tensor '{}' is not in the index", t.name);
            if (it->second != shard)
                fail_file(files.back().path(), "tensor '{}' is listed in the index under '{}'", t.name, it->second);
            where.erase(it);
        }
    }
    if (!where.empty())
        fail_file(index.string(), "tensor '{}' is listed in '{}' but that file does not hold it", where.begin()->first,
                  where.begin()->second);
    return files;
}

// convert_hf_to_gguf.py's tensor names (gguf-py's TensorNameMap) for the llama/qwen2/qwen3 layout.
// Empty for tensors the converter drops; nullopt for names it cannot map.
std::optional<std::string> gguf_name(const std::string& hf) {
    static const std::map<std::string, std::string> top = {
        {"model.embed_tokens.weight", "token_embd.weight"},
        {"model.norm.weight", "output_norm.weight"},
        {"lm_head.weight", "output.weight"},
    };
    static const std::map<std::string, std::string> layer = {
        {"input_layernorm.weight", "attn_norm.weight"},
        {"self_attn.q_proj.weight", "attn_q.weight"},   {"self_attn.q_proj.bias", "attn_q.bias"},
        {"self_attn.k_proj.weight", "attn_k.weight"},   {"self_attn.k_proj.bias", "attn_k.bias"},
        {"self_attn.v_proj.weight", "attn_v.weight"},   {"self_attn.v_proj.bias", "attn_v.bias"},
        {"self_attn.o_proj.weight", "attn_output.weight"},
        {"self_attn.q_norm.weight", "attn_q_norm.weight"},
        {"self_attn.k_norm.weight", "attn_k_norm.weight"},
        {"post_attention_layernorm.weight", "ffn_norm.weight"},
        {"mlp.gate_proj.weight", "ffn_gate.weight"},
        {"mlp.up_proj.weight", "ffn_up.weight"},
        {"mlp.down_proj.weight", "ffn_down.weight"},
        {"self_attn.rotary_emb.inv_freq", ""},
    };
    if (const auto it = top.find(hf); it != top.end()) return it->second;
    static const std::regex blk(R"(model\.layers\.(\d{1,6})\.(.+))");
    std::smatch m;
    if (std::regex_match(hf, m, blk))
        if (const auto it = layer.find(m[2].str()); it != layer.end())
            return it->second.empty() ? std::string() : "blk." + m[1].str() + "." + it->second;
    return std::nullopt;
}

float element_to_f32(const SafetensorsTensor& t, size_t i) {
    switch (t.type) {
        case GgmlType::BF16: {
            uint16_t h;
            std::memcpy(&h, t.data + 2 * i, 2);
            return bf16_to_fp32(h);
        }
        case GgmlType::F16: {
            uint16_t h;
            std::memcpy(&h, t.data + 2 * i, 2);
            return fp16_to_fp32(h);
        }
        default: {
            float f;
            std::memcpy(&f, t.data + 4 * i, 4);
            return f;
        }
    }
}

// LlamaModel.permute: within each of n_head row groups, rows (t * hd/2 + j) move to (2 j + t), so
// HF's rotate-half RoPE layout becomes the interleaved pairs llama.cpp's llama RoPE rotates.
std::vector<uint8_t> permute_rows(const std::string& label, const SafetensorsTensor& t, int64_t n_head) {
    const int64_t rows = t.shape.empty() ? 0 : t.shape[0];
    if (t.shape.size() != 2 || rows % n_head != 0 || (rows / n_head) % 2 != 0)
        fail_file(label, "tensor '{}' of shape [{}] cannot be split into {} heads of an even size", t.name,
                  t.shape.empty() ? 0 : t.shape[0], n_head);
    const int64_t hd = rows / n_head, half = hd / 2;
    const size_t row_bytes = t.nbytes / size_t(rows);
    std::vector<uint8_t> out(t.nbytes);
    for (int64_t h = 0; h < n_head; ++h)
        for (int64_t j = 0; j < half; ++j)
            for (int64_t s = 0; s < 2; ++s)
                std::memcpy(out.data() + size_t(h * hd + 2 * j + s) * row_bytes, t.data + size_t(h * hd + s * half + j) * row_bytes,
                            row_bytes);
    return out;
}

// LlamaModel.generate_extra_tensors: the divisor of each RoPE frequency under Llama 3.1's scaling
// (1 for wavelengths shorter than original_context / high_freq_factor, `factor` for those longer
// than original_context / low_freq_factor, a smooth blend between), in float32 as torch computes it.
std::vector<float> llama3_rope_factors(const HfConfig& c) {
    const HfLlama3Rope& r = *c.rope_llama3;
    const float low_wavelen = float(double(r.original_context) / r.low_freq_factor);
    const float high_wavelen = float(double(r.original_context) / r.high_freq_factor);
    std::vector<float> out;
    for (int64_t i = 0; i < c.head_dim; i += 2) {
        const float freq = 1.0f / std::pow(float(c.rope_theta), float(i) / float(c.head_dim));
        const float wavelen = float(2.0 * M_PI) / freq;
        if (wavelen < high_wavelen) {
            out.push_back(1.0f);
        } else if (wavelen > low_wavelen) {
            out.push_back(float(r.factor));
        } else {
            const float smooth = (float(r.original_context) / wavelen - float(r.low_freq_factor)) /
                                 float(r.high_freq_factor - r.low_freq_factor);
            out.push_back(1.0f / ((1.0f - smooth) / float(r.factor) + smooth));
        }
    }
    return out;
}

}  // namespace

bool is_hf_checkpoint(const std::string& path) {
    std::error_code ec;
    return fs::is_directory(path, ec);
}

GgufFile hf_checkpoint_open(const std::string& dir_str) {
    const fs::path dir(dir_str);
    if (!fs::is_directory(dir)) fail_file(dir_str, "not a directory");
    const std::string config_path = (dir / "config.json").string();
    const HfConfig c = hf_config_parse(config_path, read_text(config_path));
    std::vector<SafetensorsFile> files = open_weights(dir);

    std::vector<GgufTensorInfo> tensors;
    std::vector<std::shared_ptr<const void>> owners;
    std::map<GgmlType, int64_t> matrix_elements;  // for general.file_type
    uint64_t source_bytes = 0;
    const bool llama = c.gguf_arch == "llama";
    if (c.rope_llama3) {  // the converter writes it first (generate_extra_tensors before the weights)
        auto factors = std::make_shared<std::vector<float>>(llama3_rope_factors(c));
        GgufTensorInfo g;
        g.name = "rope_freqs.weight";
        g.type = GgmlType::F32;
        g.ne = {int64_t(factors->size())};
        g.data = reinterpret_cast<const uint8_t*>(factors->data());
        g.nbytes = factors->size() * sizeof(float);
        owners.push_back(factors);
        tensors.push_back(std::move(g));
    }
    std::vector<const SafetensorsTensor*> all;
    for (const SafetensorsFile& f : files) {
        owners.push_back(f.mapping());
        source_bytes += f.size();
        for (const SafetensorsTensor& t : f.tensors()) all.push_back(&t);
    }
    std::sort(all.begin(), all.end(), [](const auto* a, const auto* b) { return a->name < b->name; });
    for (const SafetensorsTensor* tp : all) {
        const SafetensorsTensor& t = *tp;
        const std::optional<std::string> name = gguf_name(t.name);
        if (!name) fail_file(dir_str, "tensor '{}' has no GGUF name (not a {} checkpoint tensor)", t.name, c.model_type);
        if (name->empty()) continue;
        if (!t.float_type)
            fail_file(dir_str, "tensor '{}' has dtype {}; QuantScope reads BF16, F16 and F32 checkpoints", t.name, t.dtype);
        if (t.shape.empty() || t.shape.size() > 2)
            fail_file(dir_str, "tensor '{}' has {} dimensions; expected 1 or 2", t.name, t.shape.size());

        GgufTensorInfo g;
        g.name = *name;
        g.ne.assign(t.shape.rbegin(), t.shape.rend());
        if (t.shape.size() == 1) {  // norms and biases: F32, as the converter writes them
            auto f32 = std::make_shared<std::vector<float>>(size_t(t.n_elements()));
            for (size_t i = 0; i < f32->size(); ++i) (*f32)[i] = element_to_f32(t, i);
            g.type = GgmlType::F32;
            g.data = reinterpret_cast<const uint8_t*>(f32->data());
            g.nbytes = f32->size() * sizeof(float);
            owners.push_back(f32);
        } else {
            g.type = t.type;
            g.nbytes = t.nbytes;
            g.data = t.data;
            const bool q = t.name.find("self_attn.q_proj.weight") != std::string::npos;
            const bool k = t.name.find("self_attn.k_proj.weight") != std::string::npos;
            if (llama && (q || k)) {
                auto permuted = std::make_shared<std::vector<uint8_t>>(
                    permute_rows(dir_str, t, q ? c.num_attention_heads : c.num_key_value_heads));
                g.data = permuted->data();
                owners.push_back(permuted);
            }
            matrix_elements[t.type] += t.n_elements();
        }
        tensors.push_back(std::move(g));
    }
    if (tensors.empty()) fail_file(dir_str, "the checkpoint holds no tensors");

    // Metadata in the order convert_hf_to_gguf.py writes it.
    std::vector<GgufMetadataEntry> md;
    const auto set = [&](const std::string& key, GgufValue v) { md.push_back({key, std::move(v)}); };
    const std::string a = c.gguf_arch + ".";
    set("general.architecture", GgufValue::str(c.gguf_arch));
    set("general.type", GgufValue::str("model"));
    set("general.name", GgufValue::str(fs::absolute(dir).lexically_normal().filename().string()));
    set(a + "block_count", GgufValue::u32(uint32_t(c.num_hidden_layers)));
    if (c.max_position_embeddings > 0) set(a + "context_length", GgufValue::u32(uint32_t(c.max_position_embeddings)));
    set(a + "embedding_length", GgufValue::u32(uint32_t(c.hidden_size)));
    set(a + "feed_forward_length", GgufValue::u32(uint32_t(c.intermediate_size)));
    set(a + "attention.head_count", GgufValue::u32(uint32_t(c.num_attention_heads)));
    set(a + "attention.head_count_kv", GgufValue::u32(uint32_t(c.num_key_value_heads)));
    set(a + "rope.freq_base", GgufValue::f32(float(c.rope_theta)));
    set(a + "attention.layer_norm_rms_epsilon", GgufValue::f32(float(c.rms_norm_eps)));
    set(a + "attention.key_length", GgufValue::u32(uint32_t(c.head_dim)));
    set(a + "attention.value_length", GgufValue::u32(uint32_t(c.head_dim)));
    if (c.rope_scaling_factor > 0) {
        set(a + "rope.scaling.type", GgufValue::str("linear"));
        set(a + "rope.scaling.factor", GgufValue::f32(float(c.rope_scaling_factor)));
    }
    const GgmlType main_type = std::max_element(matrix_elements.begin(), matrix_elements.end(),
                                                [](const auto& x, const auto& y) { return x.second < y.second; })->first;
    set("general.file_type", GgufValue::u32(main_type == GgmlType::BF16 ? 32 : main_type == GgmlType::F16 ? 1 : 0));
    std::vector<GgufMetadataEntry> tok = hf_tokenizer_metadata(dir_str, c);
    if (llama) {
        const GgufValue* tokens = nullptr;
        for (const GgufMetadataEntry& e : tok)
            if (e.key == "tokenizer.ggml.tokens") tokens = &e.value;
        set(a + "vocab_size", GgufValue::u32(uint32_t(tokens ? tokens->as_array().items.size() : 0)));
        set(a + "rope.dimension_count", GgufValue::u32(uint32_t(c.head_dim)));
    }
    set("general.quantization_version", GgufValue::u32(2));
    for (GgufMetadataEntry& e : tok) md.push_back(std::move(e));
    return GgufFile::from_parts(dir_str, std::move(md), std::move(tensors), std::move(owners), source_bytes);
}

GgufFile model_file_open(const std::string& path) {
    return is_hf_checkpoint(path) ? hf_checkpoint_open(path) : GgufFile::open(path);
}

}  // namespace qs
