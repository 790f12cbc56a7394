// Precision recipes; see precision_recipe.h for the string syntax.
#include "quant/precision_recipe.h"

#include <regex>

#include "core/error.h"
#include "gguf/gguf_file.h"
#include "kernels/matmul.h"
#include "quant/kv_cache_quant.h"

namespace qs {

namespace {

// "+kv=q8_0" (both alike), "+k=q8_0+v=q4_0", "" for the default f16 cache.
std::string kv_suffix(KvCacheType k, KvCacheType v) {
    if (k == KvCacheType::F16 && v == KvCacheType::F16) return {};
    if (k == v) return "+kv=" + kv_cache_type_name(k);
    std::string s;
    if (k != KvCacheType::F16) s += "+k=" + kv_cache_type_name(k);
    if (v != KvCacheType::F16) s += "+v=" + kv_cache_type_name(v);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

GgmlType parse_type(std::string_view spec, std::string_view name) {
    const std::optional<GgmlType> type = type_from_name(name);
    if (!type) throw Error(fmt::format("precision recipe '{}': unknown tensor type '{}'", spec, name));
    return *type;
}

// Bytes a GGUF key/value adds: key length + key + value type + u32 value.
uint64_t u32_key_bytes(const std::string& key) { return 8 + key.size() + 4 + 4; }

uint64_t align_up(uint64_t n, uint64_t alignment) { return (n + alignment - 1) / alignment * alignment; }

}  // namespace

namespace {

PrecisionRecipe parse_recipe_string(std::string_view spec);

}  // namespace

PrecisionRecipe PrecisionRecipe::parse(std::string_view spec) {
    // The cache modifiers come off first, so they may follow a preset's name too.
    std::string weights;
    std::optional<KvCacheType> k, v;
    for (size_t start = 0;;) {
        const size_t plus = spec.find('+', start);
        const std::string_view part = spec.substr(start, plus == std::string_view::npos ? std::string_view::npos : plus - start);
        const size_t eq = part.find('=');
        const std::string key = eq == std::string_view::npos ? std::string() : lower(part.substr(0, eq));
        if (start > 0 && (key == "kv" || key == "k" || key == "v")) {
            KvCacheType t;
            try {
                t = kv_cache_type_parse(part.substr(eq + 1));
            } catch (const Error& e) {
                throw Error(fmt::format("precision recipe '{}': {}", spec, e.what()));
            }
            if (key != "v") k = t;
            if (key != "k") v = t;
        } else {
            weights += (start > 0 ? "+" : "") + std::string(part);
        }
        if (plus == std::string_view::npos) break;
        start = plus + 1;
    }
    PrecisionRecipe r;
    bool preset = false;
    if (!quant_mix_from_name(std::string_view(weights).substr(0, weights.find('+'))))
        for (const PrecisionRecipe& p : precision_presets())
            if (lower(p.name) == lower(weights)) {
                r = p;
                preset = true;
            }
    if (!preset) r = parse_recipe_string(weights);
    r.kv_k = k.value_or(KvCacheType::F16);
    r.kv_v = v.value_or(KvCacheType::F16);
    if (preset && r.kv_quantized()) r.name += kv_suffix(r.kv_k, r.kv_v);
    if (!preset) r.name = r.to_string();
    return r;
}

std::string PrecisionRecipe::weights_string() const {
    std::string s = quant_mix_name(options.mix);
    if (options.pure) s += "+pure";
    if (options.output_tensor_type) s += fmt::format("+output={}", type_name(*options.output_tensor_type));
    if (options.token_embedding_type) s += fmt::format("+token_embd={}", type_name(*options.token_embedding_type));
    for (const TensorTypeOverride& o : options.overrides) s += fmt::format("+{}={}", o.pattern, type_name(o.type));
    return s;
}

ContextOptions PrecisionRecipe::context_options(ContextOptions base) const { return kv_context_options(kv_k, kv_v, base); }

namespace {

PrecisionRecipe parse_recipe_string(std::string_view spec) {
    std::vector<std::string_view> parts;
    for (size_t start = 0;;) {
        const size_t plus = spec.find('+', start);
        parts.push_back(spec.substr(start, plus == std::string_view::npos ? std::string_view::npos : plus - start));
        if (plus == std::string_view::npos) break;
        start = plus + 1;
    }
    PrecisionRecipe recipe;
    const std::optional<QuantMix> mix = quant_mix_from_name(parts[0]);
    if (!mix) throw Error(fmt::format("precision recipe '{}': unknown quantization mix '{}'", spec, parts[0]));
    recipe.options.mix = *mix;
    for (size_t i = 1; i < parts.size(); ++i) {
        const std::string_view part = parts[i];
        if (lower(part) == "pure") {
            recipe.options.pure = true;
            continue;
        }
        const size_t eq = part.rfind('=');
        if (eq == std::string_view::npos || eq == 0) {
            throw Error(fmt::format("precision recipe '{}': modifier '{}' is neither 'pure' nor PATTERN=TYPE", spec,
                                    part));
        }
        const std::string pattern(part.substr(0, eq));
        const GgmlType type = parse_type(spec, part.substr(eq + 1));
        if (pattern == "output") {
            recipe.options.output_tensor_type = type;
        } else if (pattern == "token_embd") {
            recipe.options.token_embedding_type = type;
        } else {
            try {
                std::regex check(pattern);
            } catch (const std::regex_error& e) {
                throw Error(fmt::format("precision recipe '{}': invalid regular expression '{}' ({})", spec, pattern,
                                        e.what()));
            }
            recipe.options.overrides.push_back({pattern, type});
        }
    }
    recipe.name = recipe.to_string();
    return recipe;
}

}  // namespace

std::string PrecisionRecipe::to_string() const { return weights_string() + kv_suffix(kv_k, kv_v); }

std::string PrecisionRecipe::describe() const {
    const GgmlType base = quant_mix_default_type(options.mix);
    std::string s = fmt::format("{}: ", name.empty() ? to_string() : name);
    if (!summary.empty()) return s + summary;
    if (!type_traits(base).quantized) {
        s += fmt::format("every weight matrix in {}", type_name(base));
    } else if (options.pure) {
        s += fmt::format("every weight matrix in {} (pure)", type_name(base));
    } else {
        s += fmt::format("llama.cpp {} mix, mostly {}", quant_mix_name(options.mix), type_name(base));
    }
    if (options.output_tensor_type) s += fmt::format("; output.weight in {}", type_name(*options.output_tensor_type));
    if (options.token_embedding_type)
        s += fmt::format("; token_embd.weight in {}", type_name(*options.token_embedding_type));
    if (!options.overrides.empty()) {
        s += "; overrides:";
        for (size_t i = 0; i < options.overrides.size(); ++i)
            s += fmt::format("{} /{}/ -> {}", i ? "," : "", options.overrides[i].pattern, type_name(options.overrides[i].type));
    }
    s += "; norms and biases stay as they are";
    if (kv_quantized())
        s += kv_k == kv_v ? fmt::format("; KV cache {}", kv_cache_type_name(kv_k))
                          : fmt::format("; K cache {}, V cache {}", kv_cache_type_name(kv_k), kv_cache_type_name(kv_v));
    return s;
}

void PrecisionRecipe::check_modifiers(const GgufFile& model) const {
    try {
        check_tensor_type_overrides(options, mix_model_info_from_gguf(model), mix_tensors_from_gguf(model));
    } catch (const Error& e) {
        fail_file(model.path(), "precision {}: {}", name.empty() ? to_string() : name, e.what());
    }
}

RecipeEstimate PrecisionRecipe::estimate(const GgufFile& model) const {
    const std::vector<MixTensor> tensors = mix_tensors_from_gguf(model);
    std::vector<TensorTypeChoice> plan;
    try {
        plan = plan_tensor_types(options, mix_model_info_from_gguf(model), tensors);
    } catch (const Error& e) {
        fail_file(model.path(), "{}", e.what());
    }
    RecipeEstimate est;
    uint64_t padded = 0;
    for (size_t i = 0; i < tensors.size(); ++i) {
        const GgufTensorInfo& t = model.tensors()[i];
        const uint64_t bytes = row_size(plan[i].type, t.ne[0]) * uint64_t(t.rows());
        est.n_elements += t.n_elements();
        est.source_bytes += t.nbytes;
        est.tensor_bytes += bytes;
        padded += align_up(bytes, model.alignment());
        ++est.type_counts[type_name(plan[i].type)];
        const bool tied_output = t.name == "token_embd.weight" && !model.find_tensor("output.weight");
        if (t.ne.size() >= 2 && (t.name != "token_embd.weight" || tied_output))
            est.packed_bytes += packed_weight_bytes(plan[i].type, t.ne[0], int64_t(t.rows()));
    }
    uint64_t header = model.data_offset();
    for (const char* key : {"general.quantization_version", "general.file_type"})
        if (!model.find(key)) header += u32_key_bytes(key);
    est.file_bytes = align_up(header, model.alignment()) + padded;
    return est;
}

const std::vector<PrecisionRecipe>& precision_presets() {
    static const std::vector<PrecisionRecipe> presets = [] {
        // (name, recipe string, one line for people). Bits per weight are those of the blocks.
        static const struct {
            const char *name, *spec, *summary;
        } kPresets[] = {
            {"F32", "F32", "32-bit floats: the unquantized reference"},
            {"F16", "F16", "16-bit floats: half of F32, practically lossless; the usual baseline"},
            {"BF16", "BF16", "bfloat16: F32's exponent range with an 8-bit mantissa"},
            {"Q8_0", "Q8_0", "8-bit integers in blocks of 32 with an fp16 scale (8.5 bits): near-lossless"},
            {"Q6_K", "Q6_K", "6-bit K-quant (6.56 bits): very close to F16"},
            {"Q5_K_M", "Q5_K_M", "5-bit K-quant mix; attn_v and ffn_down of some layers in 6 bits"},
            {"Q5_K_S", "Q5_K_S", "5-bit K-quant, nearly every matrix in 5 bits"},
            {"Q4_K_M", "Q4_K_M", "4-bit K-quant mix, llama.cpp's usual pick; attn_v/ffn_down of some layers in 6 bits"},
            {"Q4_K_S", "Q4_K_S", "4-bit K-quant, nearly every matrix in 4 bits"},
            {"Q3_K_L", "Q3_K_L", "3-bit K-quant mix; attention value/output and ffn_down in 5 bits"},
            {"Q3_K_M", "Q3_K_M", "3-bit K-quant mix; attn_v and some ffn_down in 4-5 bits"},
            {"Q3_K_S", "Q3_K_S", "3-bit K-quant, nearly every matrix in 3 bits: expect a visible loss"},
            {"Q2_K", "Q2_K", "2-bit K-quant mix, llama.cpp's smallest here: expect a large loss"},
            {"Q5_1", "Q5_1", "legacy 5-bit blocks of 32 with scale and minimum (6 bits)"},
            {"Q5_0", "Q5_0", "legacy 5-bit blocks of 32 with a scale (5.5 bits)"},
            {"Q4_1", "Q4_1", "legacy 4-bit blocks of 32 with scale and minimum (5 bits)"},
            {"Q4_0", "Q4_0", "legacy 4-bit blocks of 32 with a scale (4.5 bits)"},
            // llama.cpp's IQ mixes (lattice codebooks, ggml-iq-tables); the IQ2 ones need an importance matrix
            {"IQ4_XS", "IQ4_XS", "4-bit non-linear codebook in super-blocks of 256 (4.25 bits); close to Q4_K_S at a smaller size"},
            {"IQ4_NL", "IQ4_NL", "4-bit non-linear codebook in blocks of 32 (4.5 bits)"},
            {"IQ3_M", "IQ3_M", "3-bit lattice mix (~3.7 bits); some attention and ffn_down in 4 bits"},
            {"IQ3_S", "IQ3_S", "3-bit lattice quants (3.44 bits)"},
            {"IQ3_XS", "IQ3_XS", "3-bit lattice mix (~3.3 bits)"},
            {"IQ3_XXS", "IQ3_XXS", "3-bit lattice quants, smallest 3-bit (3.06 bits): an importance matrix helps"},
            {"IQ2_M", "IQ2_M", "2-bit lattice mix (~2.7 bits); needs an importance matrix"},
            {"IQ2_S", "IQ2_S", "2-bit lattice quants (2.5 bits); needs an importance matrix"},
            {"IQ2_XS", "IQ2_XS", "2-bit lattice quants (2.31 bits); needs an importance matrix"},
            {"IQ2_XXS", "IQ2_XXS", "2-bit lattice quants, smallest here (2.06 bits); needs an importance matrix"},
            {"NF4", "Q8_0+.*=nf4", "bitsandbytes' 4-bit NormalFloat, blocks of 64 with an absmax scale (4.5 bits); in memory only"},
            {"FP8 E4M3", "Q8_0+.*=fp8_e4m3", "8-bit float, 4 exponent and 3 mantissa bits, scale per 32 (9 bits); in memory only"},
            {"FP8 E5M2", "Q8_0+.*=fp8_e5m2", "8-bit float, 5 exponent and 2 mantissa bits, scale per 32 (9 bits); in memory only"},
            {"INT8 per channel", "Q8_0+.*=int8_row", "symmetric 8-bit integers with one scale per output row (~8 bits); in memory only"},
            {"INT4 g128", "Q8_0+.*=int4_g128", "GPTQ/AWQ-style 4-bit integers, scale and zero point per 128 (4.25 bits); in memory only"},
        };
        std::vector<PrecisionRecipe> list;
        for (const auto& p : kPresets) {
            PrecisionRecipe r = parse_recipe_string(p.spec);
            r.name = p.name;
            r.summary = p.summary;
            list.push_back(std::move(r));
        }
        return list;
    }();
    return presets;
}

}  // namespace qs
