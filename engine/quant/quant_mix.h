// Per-tensor type choice of llama-quantize: which ggml type each tensor of a model gets for a
// given mix ("Q4_K_M", "Q3_K_S", ...), reproducing llama_tensor_get_type in llama.cpp's
// src/llama-quant.cpp (b9928) for the mixes QuantScope can produce.
//
// The rules, in llama.cpp's order:
//   1. Only tensors of 2+ dimensions whose name ends in "weight" and is not a norm are quantized;
//      the rest keep their type.
//   2. --token-embedding-type / --output-tensor-type win for token_embd / output.
//   3. With --pure, every other quantizable tensor gets the mix's default type, with no fallback
//      (a row length that does not fit the block then fails at quantization time).
//   4. Otherwise a --tensor-type regex that matches replaces the mix logic; else the mix logic
//      picks a type from the tensor's role and layer (output/tied embeddings -> q6_K; attn_v and
//      ffn_down bumps in "more bits" layers; ...).
//   5. If the row length is not a multiple of the chosen type's block size, a fallback type is
//      taken (q4_K -> q5_0, q5_K -> q5_1, q6_K -> q8_0, q2_K/q3_K -> q4_0, then f16 if even that
//      does not fit); types without a fallback (q4_0, q8_0, ...) are an error.
// Some choices depend on how many attn_v / ffn_down tensors came before, so tensors must be
// presented in llama.cpp's order: see llama_tensor_order.
#pragma once

#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "tensor/ggml_type.h"

namespace qs {

class GgufFile;

// llama.cpp's file types (LLAMA_FTYPE_*) whose tensors QuantScope can quantize.
enum class QuantMix {
    F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0,
    Q2_K, Q2_K_S, Q3_K_S, Q3_K_M, Q3_K_L, Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M, Q6_K,
    // The IQ mixes (llama.cpp's LLAMA_FTYPE_MOSTLY_IQ*). IQ2_XXS, IQ2_XS, IQ2_S, IQ2_M and Q2_K_S
    // need an importance matrix (quant_mix_requires_imatrix); the IQ1 mixes are not offered
    // (QuantScope reads iq1_s / iq1_m but does not write them).
    IQ2_XXS, IQ2_XS, IQ2_S, IQ2_M, IQ3_XXS, IQ3_XS, IQ3_S, IQ3_M, IQ4_NL, IQ4_XS,
};

// Case-insensitive, llama-quantize's names; "Q3_K", "Q4_K", "Q5_K" are aliases of the _M mixes.
std::optional<QuantMix> quant_mix_from_name(std::string_view name);
const char* quant_mix_name(QuantMix mix);
// The type most tensors get (llama_ftype_get_default_type): Q4_K_M -> q4_K, Q2_K_S -> q2_K, ...
GgmlType quant_mix_default_type(QuantMix mix);
// llama-quantize refuses these mixes without an importance matrix ("Please do not use IQ1_S, IQ1_M,
// IQ2_S, IQ2_XXS, IQ2_XS or Q2_K_S quantization without an importance matrix").
bool quant_mix_requires_imatrix(QuantMix mix);
// Tensors llama-quantize will not quantize to `type` without importance data for them (iq2_*,
// iq3_xxs, iq1_*, and q2_K within a Q2_K_S mix); token_embd and output are exempt.
bool tensor_requires_imatrix(const std::string& tensor_name, GgmlType type, QuantMix mix);

// The model facts the rules look at (from the GGUF header, see mix_model_info_from_gguf).
struct MixModelInfo {
    std::string arch;     // general.architecture ("llama", "qwen2", "falcon", ...)
    int n_layer = 0;      // <arch>.block_count
    int n_head = 0;       // <arch>.attention.head_count
    int n_head_kv = 0;    // <arch>.attention.head_count_kv
    int n_expert = 0;     // <arch>.expert_count (0: dense)
    int n_gqa() const { return n_head_kv > 0 ? n_head / n_head_kv : 0; }
    // llama.cpp's LLM_TYPE_70B: a llama with 80 layers and grouped KV heads.
    bool is_llama_70b() const { return arch == "llama" && n_layer == 80 && n_head != n_head_kv; }
};
// Reads MixModelInfo from a model file. Throws qs::Error naming the file if a key is missing.
MixModelInfo mix_model_info_from_gguf(const GgufFile& file);

struct TensorTypeOverride {
    std::string pattern;  // ECMAScript regex searched in the tensor name (llama-quantize --tensor-type)
    GgmlType type;
};

struct MixOptions {
    QuantMix mix = QuantMix::Q4_K_M;
    bool pure = false;                              // --pure
    bool quantize_output_tensor = true;             // false: --leave-output-tensor
    std::optional<GgmlType> token_embedding_type;   // --token-embedding-type
    std::optional<GgmlType> output_tensor_type;     // --output-tensor-type
    std::vector<TensorTypeOverride> overrides;      // --tensor-type, first match wins
    // An importance matrix will be used (llama-quantize --imatrix): some mixes then choose
    // differently (IQ3_XXS attn_v / ffn_down, IQ4_NL / IQ4_XS ffn_down, Q4_0 / Q5_0 ffn_down).
    bool has_imatrix = false;
};

struct MixTensor {
    std::string name;
    std::vector<int64_t> ne;  // dimensions, ne[0] the row length
    GgmlType type;            // its type in the source file
};
// The tensors of a model file, in file order.
std::vector<MixTensor> mix_tensors_from_gguf(const GgufFile& file);

struct TensorTypeChoice {
    GgmlType type;
    bool quantize = false;  // false: the tensor is kept as is (norms, biases, 1-D tensors)
    // llama-quantize's warning when the row length forced a fallback, same text as llama.cpp's
    // ("warning: <name padded to 36> - ncols ... -> falling back to ..."); empty otherwise.
    std::string fallback_warning;
};

// Stateful chooser for one model: construct it with every tensor name (llama.cpp counts attn_v
// tensors and looks for output.weight up front), then call choose() for each tensor in
// llama_tensor_order.
class MixContext {
public:
    // Throws qs::Error for an override pattern that is not a valid regex.
    MixContext(MixOptions options, MixModelInfo model, const std::vector<std::string>& tensor_names);

    // Throws qs::Error naming the tensor when its row length fits neither the chosen type nor a
    // fallback ("no tensor type fallback is defined for type q4_0").
    TensorTypeChoice choose(const MixTensor& tensor);

    // Throws qs::Error when a PATTERN=TYPE override set the type of no tensor among those chose()
    // saw: its pattern matches no quantizable tensor ("ffn_dwn"), every tensor it matches is taken by
    // an earlier rule, or the options ignore overrides (+pure, an unquantized mix such as F16).
    // llama-quantize accepts such a pattern silently; a typo would then measure the plain mix.
    void check_overrides_used() const;

    int n_fallback() const { return n_fallback_; }
    const MixOptions& options() const { return options_; }
    const MixModelInfo& model() const { return model_; }

private:
    GgmlType mix_rules(GgmlType type, const MixTensor& tensor);
    GgmlType fallback(const MixTensor& tensor, GgmlType type, std::string* warning);

    MixOptions options_;
    MixModelInfo model_;
    std::vector<std::regex> override_patterns_;  // options_.overrides, compiled once
    std::vector<int> override_matched_;  // [overrides] quantizable tensors whose name the pattern matches
    std::vector<int> override_used_;     // [overrides] tensors whose type it set
    std::vector<std::string> quantizable_examples_;  // a few quantizable tensor names, for messages
    bool has_tied_embeddings_ = true;  // until output.weight is seen
    int n_attention_wv_ = 0, i_attention_wv_ = 0;
    int i_ffn_down_ = 0, i_ffn_gate_ = 0, i_ffn_up_ = 0;
    int n_fallback_ = 0;
};

inline GgmlType choose_tensor_type(MixContext& context, const MixTensor& tensor) {
    return context.choose(tensor).type;
}

// Indices of `names` in the order llama.cpp's model loader iterates tensors: tensors outside
// blocks first, then by block number, ties by name (std::string order).
std::vector<size_t> llama_tensor_order(const std::vector<std::string>& names);

// Choices for a whole model, returned in the order of `tensors` (computed in llama.cpp's order).
// Throws qs::Error for a tensor no type fits and for an override that applies to no tensor
// (MixContext::check_overrides_used).
std::vector<TensorTypeChoice> plan_tensor_types(const MixOptions& options, const MixModelInfo& model,
                                                const std::vector<MixTensor>& tensors);

// Only the override check of plan_tensor_types: throws qs::Error for an override that applies to
// no tensor of the model, whatever else (a row length no type fits) is wrong with the plan.
void check_tensor_type_overrides(const MixOptions& options, const MixModelInfo& model,
                                 const std::vector<MixTensor>& tensors);

}  // namespace qs
