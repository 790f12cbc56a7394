// llama-quantize's per-tensor type choice; see quant_mix.h. Structure follows llama.cpp's
// src/llama-quant.cpp (b9928): tensor_allows_quantization, tensor_get_category,
// llama_tensor_get_type (wrapper), llama_tensor_get_type_impl (mix rules), tensor_type_fallback.
#include "quant/quant_mix.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <regex>

#include "core/error.h"
#include "gguf/gguf_file.h"

namespace qs {

namespace {

struct MixName {
    QuantMix mix;
    const char* name;
    GgmlType default_type;
};

constexpr MixName kMixes[] = {
    {QuantMix::F32, "F32", GgmlType::F32},       {QuantMix::F16, "F16", GgmlType::F16},
    {QuantMix::BF16, "BF16", GgmlType::BF16},    {QuantMix::Q4_0, "Q4_0", GgmlType::Q4_0},
    {QuantMix::Q4_1, "Q4_1", GgmlType::Q4_1},    {QuantMix::Q5_0, "Q5_0", GgmlType::Q5_0},
    {QuantMix::Q5_1, "Q5_1", GgmlType::Q5_1},    {QuantMix::Q8_0, "Q8_0", GgmlType::Q8_0},
    {QuantMix::Q2_K, "Q2_K", GgmlType::Q2_K},    {QuantMix::Q2_K_S, "Q2_K_S", GgmlType::Q2_K},
    {QuantMix::Q3_K_S, "Q3_K_S", GgmlType::Q3_K}, {QuantMix::Q3_K_M, "Q3_K_M", GgmlType::Q3_K},
    {QuantMix::Q3_K_L, "Q3_K_L", GgmlType::Q3_K}, {QuantMix::Q4_K_S, "Q4_K_S", GgmlType::Q4_K},
    {QuantMix::Q4_K_M, "Q4_K_M", GgmlType::Q4_K}, {QuantMix::Q5_K_S, "Q5_K_S", GgmlType::Q5_K},
    {QuantMix::Q5_K_M, "Q5_K_M", GgmlType::Q5_K}, {QuantMix::Q6_K, "Q6_K", GgmlType::Q6_K},
    {QuantMix::IQ2_XXS, "IQ2_XXS", GgmlType::IQ2_XXS}, {QuantMix::IQ2_XS, "IQ2_XS", GgmlType::IQ2_XS},
    {QuantMix::IQ2_S, "IQ2_S", GgmlType::IQ2_XS},      {QuantMix::IQ2_M, "IQ2_M", GgmlType::IQ2_S},
    {QuantMix::IQ3_XXS, "IQ3_XXS", GgmlType::IQ3_XXS}, {QuantMix::IQ3_XS, "IQ3_XS", GgmlType::IQ3_S},
    {QuantMix::IQ3_S, "IQ3_S", GgmlType::IQ3_S},       {QuantMix::IQ3_M, "IQ3_M", GgmlType::IQ3_S},
    {QuantMix::IQ4_NL, "IQ4_NL", GgmlType::IQ4_NL},    {QuantMix::IQ4_XS, "IQ4_XS", GgmlType::IQ4_XS},
};

// Mixes whose every other tensor goes to 2 bits (the IQ1/IQ2 branch of llama_tensor_get_type_impl).
bool is_iq2_mix(QuantMix m) {
    return m == QuantMix::IQ2_XXS || m == QuantMix::IQ2_XS || m == QuantMix::IQ2_S || m == QuantMix::IQ2_M;
}
bool is_iq2_s_or_m(QuantMix m) { return m == QuantMix::IQ2_S || m == QuantMix::IQ2_M; }

const MixName& mix_entry(QuantMix mix) {
    for (const MixName& m : kMixes)
        if (m.mix == mix) return m;
    throw Error("unknown quantization mix");
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

// Tensor roles the rules distinguish (llama.cpp tensor_category), from the name alone.
enum class Role { TokenEmbd, AttnQ, AttnV, AttnK, AttnQkv, AttnKvB, AttnOutput, FfnUp, FfnGate, FfnDown, Output, Other };

Role role_of(const std::string& name) {
    auto has = [&](const char* s) { return name.find(s) != std::string::npos; };
    if (name == "output.weight") return Role::Output;
    if (name == "token_embd.weight" || name == "per_layer_token_embd.weight") return Role::TokenEmbd;
    if (has("attn_qkv.weight")) return Role::AttnQkv;
    if (has("attn_kv_b.weight")) return Role::AttnKvB;
    if (has("attn_v.weight")) return Role::AttnV;
    if (has("attn_k.weight")) return Role::AttnK;
    if (has("attn_q.weight")) return Role::AttnQ;
    if (has("attn_output.weight")) return Role::AttnOutput;
    if (has("ffn_up")) return Role::FfnUp;
    if (has("ffn_gate")) return Role::FfnGate;
    if (has("ffn_down")) return Role::FfnDown;
    return Role::Other;
}

// attn_v-like tensors are the most sensitive to quantization and get their own bumps.
bool is_attn_v_like(Role r) { return r == Role::AttnV || r == Role::AttnQkv || r == Role::AttnKvB; }

// ggml_n_dims: dimensions up to the last one larger than 1.
int n_dims(const std::vector<int64_t>& ne) {
    for (int i = int(ne.size()) - 1; i >= 1; --i)
        if (ne[size_t(i)] > 1) return i + 1;
    return 1;
}

// llama.cpp's tensor_allows_quantization: matrices named "*weight", minus norms and the small or
// index-like tensors that llama.cpp always keeps (expert routers, positional embeddings, ...).
bool allows_quantization(const MixOptions& options, const MixTensor& t) {
    if (n_dims(t.ne) < 2) return false;
    const std::string& name = t.name;
    if (name.size() < 6 || name.compare(name.size() - 6, 6, "weight") != 0) return false;
    if (!options.quantize_output_tensor && name == "output.weight") return false;
    static const char* const kKept[] = {
        "_norm.weight", "ffn_gate_inp.weight", "ffn_gate_tid2eid.weight", "altup", "laurel", "per_layer_model_proj",
        "ssm_conv1d", "shortconv.conv.weight", "indexer.k_proj.weight", "indexer.q_proj.weight",
        "time_mix_first.weight", "time_mix_w0.weight", "time_mix_w1.weight", "time_mix_w2.weight",
        "time_mix_v0.weight", "time_mix_v1.weight", "time_mix_v2.weight", "time_mix_a0.weight",
        "time_mix_a1.weight", "time_mix_a2.weight", "time_mix_g1.weight", "time_mix_g2.weight",
        "time_mix_decay_w1.weight", "time_mix_decay_w2.weight", "time_mix_lerp_fused.weight", "attn_rel_b.weight",
        ".position_embd", "sam.pos_embd", "sam.neck.", "sam.net_", ".rel_pos", ".patch_embd", ".patch_merger",
        "a.rvq.codebook", "mm.a.code_embd",
    };
    for (const char* k : kKept)
        if (name.find(k) != std::string::npos) return false;
    return name != "position_embd.weight" && name != "token_types.weight";
}

// Layers that get more bits in the _M mixes: the first and last eighth, and every third layer
// in between.
bool use_more_bits(int i_layer, int n_layers) {
    return i_layer < n_layers / 8 || i_layer >= 7 * n_layers / 8 || (i_layer - n_layers / 8) % 3 == 2;
}

// Layer number of the blk.<n>. prefix, -1 outside blocks (as sscanf("blk.%d.") in llama.cpp).
int block_number(const std::string& name) {
    int layer = -1;
    if (std::sscanf(name.c_str(), "blk.%d.", &layer) != 1) return -1;
    return layer;
}

}  // namespace

std::optional<QuantMix> quant_mix_from_name(std::string_view name) {
    if (iequals(name, "Q3_K")) return QuantMix::Q3_K_M;
    if (iequals(name, "Q4_K")) return QuantMix::Q4_K_M;
    if (iequals(name, "Q5_K")) return QuantMix::Q5_K_M;
    for (const MixName& m : kMixes)
        if (iequals(name, m.name)) return m.mix;
    return std::nullopt;
}

const char* quant_mix_name(QuantMix mix) { return mix_entry(mix).name; }

bool quant_mix_requires_imatrix(QuantMix mix) {
    return mix == QuantMix::IQ2_XXS || mix == QuantMix::IQ2_XS || mix == QuantMix::IQ2_S || mix == QuantMix::Q2_K_S;
}

bool tensor_requires_imatrix(const std::string& tensor_name, GgmlType type, QuantMix mix) {
    const Role role = role_of(tensor_name);
    if (role == Role::TokenEmbd || role == Role::Output) return false;
    switch (type) {
        case GgmlType::IQ3_XXS: case GgmlType::IQ2_XXS: case GgmlType::IQ2_XS: case GgmlType::IQ2_S:
        case GgmlType::IQ1_M: case GgmlType::IQ1_S: return true;
        case GgmlType::Q2_K: return mix == QuantMix::Q2_K_S;
        default: return false;
    }
}
GgmlType quant_mix_default_type(QuantMix mix) { return mix_entry(mix).default_type; }

std::vector<MixTensor> mix_tensors_from_gguf(const GgufFile& file) {
    std::vector<MixTensor> tensors;
    tensors.reserve(file.tensors().size());
    for (const GgufTensorInfo& t : file.tensors()) tensors.push_back({t.name, t.ne, t.type});
    return tensors;
}

MixModelInfo mix_model_info_from_gguf(const GgufFile& file) {
    MixModelInfo info;
    info.arch = file.get_string("general.architecture");
    // Head counts may be per-layer arrays; llama.cpp's n_gqa() looks at layer 0.
    auto first_int = [&](const std::string& key, std::optional<int64_t> fallback) -> int64_t {
        const GgufValue* v = file.find(key);
        if (v && v->is_array()) {
            const GgufArray& arr = v->as_array();
            if (arr.items.empty() || !arr.items[0].is_integer()) {
                fail_file(file.path(), "metadata '{}' must be an integer or a non-empty integer array", key);
            }
            return arr.items[0].as_int();
        }
        if (fallback) return file.get_int_or(key, *fallback);
        return file.get_int(key);
    };
    info.n_layer = int(first_int(info.arch + ".block_count", std::nullopt));
    info.n_head = int(first_int(info.arch + ".attention.head_count", std::nullopt));
    info.n_head_kv = int(first_int(info.arch + ".attention.head_count_kv", info.n_head));
    info.n_expert = int(first_int(info.arch + ".expert_count", 0));
    return info;
}

MixContext::MixContext(MixOptions options, MixModelInfo model, const std::vector<std::string>& tensor_names)
    : options_(std::move(options)), model_(std::move(model)) {
    for (const std::string& name : tensor_names) {
        const Role r = role_of(name);
        if (is_attn_v_like(r)) ++n_attention_wv_;
        if (r == Role::Output) has_tied_embeddings_ = false;
    }
    for (const TensorTypeOverride& o : options_.overrides) {
        try {
            override_patterns_.emplace_back(o.pattern);
        } catch (const std::regex_error& e) {
            throw Error(fmt::format("tensor type override '{}': invalid regular expression ({})", o.pattern, e.what()));
        }
    }
    override_matched_.assign(override_patterns_.size(), 0);
    override_used_.assign(override_patterns_.size(), 0);
}

void MixContext::check_overrides_used() const {
    for (size_t k = 0; k < options_.overrides.size(); ++k) {
        if (override_used_[k]) continue;
        const TensorTypeOverride& o = options_.overrides[k];
        const std::string what = fmt::format("tensor type override '{}={}'", o.pattern, type_name(o.type));
        if (options_.pure) throw Error(what + " has no effect: with +pure every tensor gets the mix's type (as llama-quantize --pure)");
        if (!type_traits(quant_mix_default_type(options_.mix)).quantized)
            throw Error(fmt::format("{} has no effect: the {} mix quantizes no tensor", what, quant_mix_name(options_.mix)));
        if (override_matched_[k])
            throw Error(what + " has no effect: every tensor it matches is already set by an earlier rule");
        std::string examples;
        for (const std::string& name : quantizable_examples_) examples += (examples.empty() ? "" : ", ") + name;
        throw Error(fmt::format("{}: the pattern '{}' matches no quantizable tensor of this model (they are named like {})",
                                what, o.pattern, examples.empty() ? std::string("nothing: none is quantizable") : examples));
    }
}

TensorTypeChoice MixContext::choose(const MixTensor& tensor) {
    TensorTypeChoice choice{tensor.type, false, {}};
    if (!allows_quantization(options_, tensor)) return choice;
    // Names outside the blocks and of the first block show users how tensors are named.
    if (quantizable_examples_.size() < 12 &&
        (tensor.name.rfind("blk.", 0) != 0 || tensor.name.rfind("blk.0.", 0) == 0))
        quantizable_examples_.push_back(tensor.name);
    for (size_t k = 0; k < override_patterns_.size(); ++k)
        if (std::regex_search(tensor.name, override_patterns_[k])) ++override_matched_[k];
    const Role role = role_of(tensor.name);
    GgmlType type = quant_mix_default_type(options_.mix);
    if (options_.token_embedding_type && role == Role::TokenEmbd) {
        type = *options_.token_embedding_type;
    } else if (options_.output_tensor_type && role == Role::Output) {
        type = *options_.output_tensor_type;
    } else if (!options_.pure && type_traits(type).quantized) {
        bool manual = false;
        for (size_t k = 0; k < override_patterns_.size(); ++k) {
            if (std::regex_search(tensor.name, override_patterns_[k])) {
                type = options_.overrides[k].type;
                ++override_used_[k];
                manual = true;
                break;
            }
        }
        if (!manual) type = mix_rules(type, tensor);
        type = fallback(tensor, type, &choice.fallback_warning);
    }
    choice.type = type;
    choice.quantize = type != tensor.type;
    return choice;
}

// llama_tensor_get_type_impl restricted to the mixes of QuantMix (the IQ1, TQ and MXFP4 branches
// are left out). `type` is the mix's default type.
GgmlType MixContext::mix_rules(GgmlType type, const MixTensor& tensor) {
    const QuantMix mix = options_.mix;
    const Role role = role_of(tensor.name);
    const bool falcon = model_.arch == "falcon";
    const int n_gqa = model_.n_gqa();
    // For MoE models layers are read from the name (experts are not consecutive in the file).
    auto layer_of = [&](int counter) {
        if (model_.n_expert <= 1) return counter;
        const int layer = block_number(tensor.name);
        if (layer < 0 || layer >= model_.n_layer) {
            throw Error(fmt::format("tensor '{}': cannot determine its layer (expected blk.<0..{}>.)", tensor.name,
                                    model_.n_layer - 1));
        }
        return layer;
    };
    const int n_layer = model_.n_layer;

    if (role == Role::Output || (has_tied_embeddings_ && role == Role::TokenEmbd)) {
        // The output matrix (or the embedding it shares) is the most sensitive: q6_K unless the
        // mix is q8_0, q8_0 when the row does not fit the default type's block.
        if (options_.output_tensor_type) return *options_.output_tensor_type;
        if (falcon || tensor.ne[0] % type_traits(type).block_size != 0) return GgmlType::Q8_0;
        if (is_iq2_mix(mix) || mix == QuantMix::IQ3_XXS) return GgmlType::Q5_K;
        return type != GgmlType::Q8_0 ? GgmlType::Q6_K : type;
    }
    if (role == Role::TokenEmbd) {
        if (options_.token_embedding_type) return *options_.token_embedding_type;
        if (mix == QuantMix::IQ2_XXS || mix == QuantMix::IQ2_XS) return GgmlType::Q2_K;
        if (is_iq2_s_or_m(mix) || mix == QuantMix::IQ3_XXS) return GgmlType::IQ3_S;
        return type;
    }
    if (is_iq2_mix(mix)) {
        // Everything at 2 bits except what would break: attn_v, the first ffn_down eighth, attn_output.
        const GgmlType more = is_iq2_s_or_m(mix) ? GgmlType::IQ3_S : GgmlType::Q2_K;
        if (is_attn_v_like(role)) {
            ++i_attention_wv_;
            return n_gqa >= 4 || model_.n_expert >= 4 ? GgmlType::Q4_K : more;
        }
        if (model_.n_expert == 8 && role == Role::AttnK) return GgmlType::Q4_K;
        if (role == Role::FfnDown) {
            const int i = i_ffn_down_++;
            return i < n_layer / 8 ? more : type;
        }
        if (role == Role::AttnOutput) {
            if (model_.n_expert == 8) return GgmlType::Q5_K;
            return is_iq2_s_or_m(mix) ? GgmlType::IQ3_S : type;
        }
        return type;
    }
    if (is_attn_v_like(role)) {
        const int i = i_attention_wv_;
        const bool gqa4 = n_gqa >= 4;
        if (mix == QuantMix::Q2_K) type = gqa4 ? GgmlType::Q4_K : GgmlType::Q3_K;
        else if (mix == QuantMix::Q2_K_S && gqa4) type = GgmlType::Q4_K;
        else if (mix == QuantMix::IQ3_XXS) type = gqa4 ? GgmlType::Q4_K : !options_.has_imatrix ? GgmlType::IQ3_S : GgmlType::IQ3_XXS;
        else if ((mix == QuantMix::IQ3_XS || mix == QuantMix::IQ3_S) && gqa4) type = GgmlType::Q4_K;
        else if (mix == QuantMix::IQ3_M) type = GgmlType::Q4_K;
        else if (mix == QuantMix::Q3_K_M) type = i < 2 ? GgmlType::Q5_K : GgmlType::Q4_K;
        else if (mix == QuantMix::Q3_K_L) type = GgmlType::Q5_K;
        else if ((mix == QuantMix::IQ4_NL || mix == QuantMix::IQ4_XS) && gqa4) type = GgmlType::Q5_K;
        else if ((mix == QuantMix::Q4_K_M || mix == QuantMix::Q5_K_M) && use_more_bits(i, n_attention_wv_)) type = GgmlType::Q6_K;
        else if (mix == QuantMix::Q4_K_S && i < 4) type = GgmlType::Q5_K;
        // 70B shares attn_v across 8 heads, so it is 8x smaller than attn_q: more bits are cheap.
        if (model_.is_llama_70b() && (type == GgmlType::Q3_K || type == GgmlType::Q4_K)) type = GgmlType::Q5_K;
        if (model_.n_expert == 8) type = GgmlType::Q8_0;
        ++i_attention_wv_;
        return type;
    }
    if (role == Role::AttnK) {
        if (model_.n_expert == 8) return GgmlType::Q8_0;
        if (mix == QuantMix::IQ3_XS) return GgmlType::IQ3_XXS;
        if (mix == QuantMix::IQ3_XXS) return GgmlType::IQ2_S;
        return type;
    }
    if (role == Role::AttnQ) {
        if (mix == QuantMix::IQ3_XS) return GgmlType::IQ3_XXS;
        if (mix == QuantMix::IQ3_XXS) return GgmlType::IQ2_S;
        return type;
    }
    if (role == Role::FfnDown) {
        const int i = layer_of(i_ffn_down_);
        if (mix == QuantMix::Q2_K) type = GgmlType::Q3_K;
        else if (mix == QuantMix::Q2_K_S) { if (i < n_layer / 8) type = GgmlType::Q4_K; }
        else if (mix == QuantMix::IQ3_XXS && !options_.has_imatrix) type = i < n_layer / 8 ? GgmlType::Q4_K : GgmlType::Q3_K;
        else if (mix == QuantMix::Q3_K_M) {
            type = i < n_layer / 16 ? GgmlType::Q5_K
                 : (!falcon || use_more_bits(i, n_layer)) ? GgmlType::Q4_K
                 : GgmlType::Q3_K;
        } else if (mix == QuantMix::IQ3_M && (i < n_layer / 8 || (model_.n_expert == 8 && use_more_bits(i, n_layer)))) {
            type = GgmlType::Q4_K;
        } else if (mix == QuantMix::Q3_K_L) type = falcon ? GgmlType::Q4_K : GgmlType::Q5_K;
        else if (mix == QuantMix::Q4_K_M) {
            if (falcon) type = i < n_layer / 16 ? GgmlType::Q6_K : use_more_bits(i, n_layer) ? GgmlType::Q5_K : GgmlType::Q4_K;
            else if (use_more_bits(i, n_layer)) type = GgmlType::Q6_K;
        } else if (i < n_layer / 8 && (mix == QuantMix::IQ4_NL || mix == QuantMix::IQ4_XS) && !options_.has_imatrix) {
            type = GgmlType::Q5_K;
        } else if (mix == QuantMix::Q5_K_M && use_more_bits(i, n_layer)) type = GgmlType::Q6_K;
        else if (mix == QuantMix::Q4_K_S && !falcon && i < n_layer / 8) type = GgmlType::Q5_K;
        else if ((mix == QuantMix::Q4_0 || mix == QuantMix::Q5_0) && options_.has_imatrix && i < n_layer / 8) {
            // Guards the first ffn_down layers, which go wrong even with an imatrix at 4/5 bits.
            type = mix == QuantMix::Q4_0 ? GgmlType::Q4_1 : GgmlType::Q5_1;
        }
        ++i_ffn_down_;
        return type;
    }
    if (role == Role::AttnOutput) {
        if (!falcon) {
            if (model_.n_expert == 8) {
                if (mix == QuantMix::Q2_K || mix == QuantMix::IQ3_XS || mix == QuantMix::IQ3_XXS || mix == QuantMix::Q3_K_S ||
                    mix == QuantMix::Q3_K_M || mix == QuantMix::IQ4_NL || mix == QuantMix::Q4_K_S || mix == QuantMix::Q4_K_M ||
                    mix == QuantMix::IQ3_S || mix == QuantMix::IQ3_M || mix == QuantMix::IQ4_XS) {
                    type = GgmlType::Q5_K;
                }
            } else if (mix == QuantMix::Q2_K) type = GgmlType::Q3_K;
            else if (mix == QuantMix::IQ3_XXS) type = GgmlType::IQ3_S;
            else if (mix == QuantMix::Q3_K_M) type = GgmlType::Q4_K;
            else if (mix == QuantMix::Q3_K_L) type = GgmlType::Q5_K;
            else if (mix == QuantMix::IQ3_M) type = GgmlType::Q4_K;
        } else if (mix == QuantMix::Q3_K_L) {
            type = GgmlType::Q4_K;
        }
        return type;
    }
    if (role == Role::AttnQkv) {
        if (mix == QuantMix::Q3_K_M || mix == QuantMix::Q3_K_L || mix == QuantMix::IQ3_M) type = GgmlType::Q4_K;
        else if (mix == QuantMix::Q4_K_M) type = GgmlType::Q5_K;
        else if (mix == QuantMix::Q5_K_M) type = GgmlType::Q6_K;
        return type;
    }
    // ffn_gate / ffn_up only change for IQ3_XS (the middle layers drop to iq3_xxs).
    if (role == Role::FfnGate || role == Role::FfnUp) {
        int& counter = role == Role::FfnGate ? i_ffn_gate_ : i_ffn_up_;
        const int i = layer_of(counter);
        ++counter;
        if (mix == QuantMix::IQ3_XS && i >= n_layer / 8 && i < 7 * n_layer / 8) type = GgmlType::IQ3_XXS;
    }
    return type;
}

// llama.cpp's tensor_type_fallback: a block type whose block does not divide the row length is
// replaced by a 32-element type of similar size, and that by f16 if the row is not even a
// multiple of 32.
GgmlType MixContext::fallback(const MixTensor& tensor, GgmlType type, std::string* warning) {
    const int64_t ncols = tensor.ne[0];
    const int64_t block = type_traits(type).block_size;
    if (ncols % block == 0) return type;
    const std::string reason = fmt::format("ncols {:>6} not divisible by {:>3} (required for type {:>7})", ncols, block,
                                           type_name(type));
    std::string message = fmt::format("warning: {:<36} - {} ", tensor.name, reason);
    ++n_fallback_;
    GgmlType replacement;
    switch (type) {
        case GgmlType::IQ1_S:
        case GgmlType::IQ1_M:
        case GgmlType::IQ2_XXS:
        case GgmlType::IQ2_XS:
        case GgmlType::IQ2_S:
        case GgmlType::IQ3_XXS:
        case GgmlType::IQ3_S:
        case GgmlType::IQ4_XS: replacement = GgmlType::IQ4_NL; break;
        case GgmlType::Q2_K:
        case GgmlType::Q3_K:
        case GgmlType::TQ1_0:
        case GgmlType::TQ2_0: replacement = GgmlType::Q4_0; break;
        case GgmlType::Q4_K: replacement = GgmlType::Q5_0; break;
        case GgmlType::Q5_K: replacement = GgmlType::Q5_1; break;
        case GgmlType::Q6_K: replacement = GgmlType::Q8_0; break;
        default:
            throw Error(fmt::format("tensor '{}': {}; no tensor type fallback is defined for type {}", tensor.name,
                                    reason, type_name(type)));
    }
    if (ncols % type_traits(replacement).block_size != 0) {
        message += "(WARNING: must use F16 due to unusual shape) ";
        replacement = GgmlType::F16;
    }
    *warning = message + fmt::format("-> falling back to {:>7}", type_name(replacement));
    return replacement;
}

std::vector<size_t> llama_tensor_order(const std::vector<std::string>& names) {
    std::vector<size_t> order(names.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        const int la = block_number(names[a]), lb = block_number(names[b]);
        if (la != lb) return la < lb;
        return names[a] < names[b];
    });
    return order;
}

std::vector<TensorTypeChoice> plan_tensor_types(const MixOptions& options, const MixModelInfo& model,
                                                const std::vector<MixTensor>& tensors) {
    std::vector<std::string> names;
    names.reserve(tensors.size());
    for (const MixTensor& t : tensors) names.push_back(t.name);
    MixContext context(options, model, names);
    std::vector<TensorTypeChoice> choices(tensors.size());
    for (size_t i : llama_tensor_order(names)) choices[i] = context.choose(tensors[i]);
    context.check_overrides_used();
    return choices;
}

void check_tensor_type_overrides(const MixOptions& options, const MixModelInfo& model,
                                 const std::vector<MixTensor>& tensors) {
    if (options.overrides.empty()) return;
    std::vector<std::string> names;
    names.reserve(tensors.size());
    for (const MixTensor& t : tensors) names.push_back(t.name);
    MixContext context(options, model, names);
    for (size_t i : llama_tensor_order(names)) {
        try {
            context.choose(tensors[i]);
        } catch (const Error&) {
            // A row no type fits: reported where the plan is used; the override counts are already made.
        }
    }
    context.check_overrides_used();
}

}  // namespace qs
