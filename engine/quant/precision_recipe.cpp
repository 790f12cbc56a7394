// Precision recipes; see precision_recipe.h for the string syntax.
#include "quant/precision_recipe.h"

#include <regex>

#include "core/error.h"
#include "gguf/gguf_file.h"
#include "kernels/matmul.h"

namespace qs {

namespace {

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

PrecisionRecipe PrecisionRecipe::parse(std::string_view spec) {
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

std::string PrecisionRecipe::to_string() const {
    std::string s = quant_mix_name(options.mix);
    if (options.pure) s += "+pure";
    if (options.output_tensor_type) s += fmt::format("+output={}", type_name(*options.output_tensor_type));
    if (options.token_embedding_type) s += fmt::format("+token_embd={}", type_name(*options.token_embedding_type));
    for (const TensorTypeOverride& o : options.overrides) s += fmt::format("+{}={}", o.pattern, type_name(o.type));
    return s;
}

std::string PrecisionRecipe::describe() const {
    const GgmlType base = quant_mix_default_type(options.mix);
    std::string s = fmt::format("{}: ", name.empty() ? to_string() : name);
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
    return s;
}

RecipeEstimate PrecisionRecipe::estimate(const GgufFile& model) const {
    std::vector<MixTensor> tensors;
    tensors.reserve(model.tensors().size());
    for (const GgufTensorInfo& t : model.tensors()) tensors.push_back({t.name, t.ne, t.type});
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
        std::vector<PrecisionRecipe> list;
        for (const char* name : {"F32", "F16", "BF16", "Q8_0", "Q6_K", "Q5_K_M", "Q5_K_S", "Q4_K_M", "Q4_K_S", "Q3_K_L",
                                 "Q3_K_M", "Q3_K_S", "Q2_K", "Q5_1", "Q5_0", "Q4_1", "Q4_0",
                                 // llama.cpp's IQ mixes; the IQ2 ones need an importance matrix
                                 "IQ4_XS", "IQ4_NL", "IQ3_M", "IQ3_S", "IQ3_XS", "IQ3_XXS", "IQ2_M", "IQ2_S", "IQ2_XS",
                                 "IQ2_XXS"})
            list.push_back(PrecisionRecipe::parse(name));
        // QuantScope's own formats (types >= 1000) go here once quantize_supported() accepts them.
        return list;
    }();
    return presets;
}

}  // namespace qs
