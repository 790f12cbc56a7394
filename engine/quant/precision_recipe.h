// A precision recipe: what the user picks to quantize a model ("Q4_K_M", "Q8_0",
// "Q4_K_M+ffn_down=q8_0"), with what it would cost in bytes before anything is quantized.
//
// Recipe string syntax (case-insensitive mix and type names; parse() and to_string() round-trip):
//
//     recipe   := mix ( "+" modifier )*
//     mix      := a llama-quantize mix name: F32 F16 BF16 Q8_0 Q6_K Q5_K_M Q5_K_S Q4_K_M Q4_K_S
//                 Q3_K_L Q3_K_M Q3_K_S Q2_K Q2_K_S Q5_1 Q5_0 Q4_1 Q4_0 (aliases Q3_K Q4_K Q5_K = _M),
//                 IQ4_XS IQ4_NL IQ3_M IQ3_S IQ3_XS IQ3_XXS IQ2_M IQ2_S IQ2_XS IQ2_XXS
//     modifier := "pure"                   every quantizable tensor gets the mix's type (--pure)
//               | "output=" TYPE           type of output.weight (--output-tensor-type)
//               | "token_embd=" TYPE       type of token_embd.weight (--token-embedding-type)
//               | PATTERN "=" TYPE         tensors whose name matches the ECMAScript regex PATTERN
//                                          (searched, not anchored) get TYPE (--tensor-type); the
//                                          first matching modifier wins
//               | "kv=" KVTYPE             K and V cache type (llama.cpp -ctk/-ctv, flash attention)
//               | "k=" KVTYPE | "v=" KVTYPE   the K or the V cache alone (the other stays f16)
//     TYPE     := a ggml type name: q8_0, q4_K, f16, ...
//     KVTYPE   := f16 f32 q8_0 q4_0 q4_1 q5_0 q5_1 iq4_nl
//
// The cache modifiers change how the model runs, not its weights: "Q4_K_M+kv=q8_0" has Q4_K_M's
// weights (weights_string()) and a q8_0 cache (context_options()). "k" and "v" are therefore never
// tensor patterns. They may follow a preset name too ("NF4+kv=q4_0").
//
// Examples: "Q4_K_M", "Q4_K_M+ffn_down=q8_0", "Q4_K+pure", "Q6_K+output=q8_0+attn_.*=q8_0".
// A PATTERN may not contain '+' (the separator); use a character class or repetition instead.
//
// Extension point for QuantScope's own formats (NF4, FP8, INT8, INT4: GgmlType values >= 1000,
// being added elsewhere): once type_from_name() knows such a type and quantize_supported() accepts
// it, it works as a modifier TYPE as is ("Q8_0+attn_.*=nf4"). A whole-model preset for it is one
// more entry in precision_presets() (precision_recipe.cpp; NF4, FP8, INT8 and INT4 are there): a
// quantized mix with a ".*=TYPE" override (not "+pure": as in llama-quantize, --pure ignores --tensor-type), or a new QuantMix if
// it needs llama.cpp-style per-role rules; parse() needs no change. Such recipes quantize in memory
// (quantize_model_in_memory); quantize_model_to_file refuses them, as GGUF files for llama.cpp
// cannot hold these types.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/model.h"
#include "quant/quant_mix.h"

namespace qs {

class GgufFile;

// What a recipe makes of one model, from the per-tensor plan (nothing is quantized).
struct RecipeEstimate {
    int64_t n_elements = 0;
    uint64_t source_bytes = 0;        // tensor data of the source
    uint64_t tensor_bytes = 0;        // tensor data after quantization (exact)
    uint64_t file_bytes = 0;          // the output GGUF file, estimated to within the alignment (32 bytes):
                                      // the source's header plus the keys quantizing adds, padded tensor data
    std::map<std::string, int> type_counts;  // ggml type name -> tensors
    uint64_t packed_bytes = 0;        // copies a Model packs at load for this CPU's batched kernels
                                      // (PackedWeight; every matrix but token_embd, unless it is the output)
    double bits_per_weight() const { return n_elements ? 8.0 * double(tensor_bytes) / double(n_elements) : 0.0; }
};

struct PrecisionRecipe {
    std::string name;      // shown to users: a preset name or the recipe string
    MixOptions options;    // mix, pure, overrides, ...
    std::string summary;   // presets: one line on what it is ("4-bit NormalFloat, ..."); "" otherwise
    KvCacheType kv_k = KvCacheType::F16, kv_v = KvCacheType::F16;  // the KV cache (llama.cpp's default f16)

    // Throws qs::Error("precision recipe '<spec>': ...") on an unknown mix or type, a modifier
    // without '=', or an invalid regex. A preset's name that is not a recipe string ("NF4",
    // "FP8 E4M3", "int8 per channel", case-insensitive) gives that preset.
    static PrecisionRecipe parse(std::string_view spec);
    // The recipe string (parse(to_string()) gives the same options).
    std::string to_string() const;
    // The recipe without its cache modifiers: what the weights are made from (precisions that differ
    // only in the cache share their weights).
    std::string weights_string() const;
    bool kv_quantized() const { return kv_k != KvCacheType::F16 || kv_v != KvCacheType::F16; }
    // `base` with this recipe's K and V cache types (and the quantizer they need).
    ContextOptions context_options(ContextOptions base = {}) const;
    // One line for people: "Q4_K_M: llama.cpp mix, mostly q4_K; overrides: ffn_down -> q8_0".
    std::string describe() const;

    // Throws qs::Error naming the file when the recipe cannot apply to the model: a tensor no
    // type fits, or a PATTERN=TYPE modifier that applies to no tensor (a typo such as
    // "ffn_dwn=q8_0" is refused, not silently measured as the plain mix).
    RecipeEstimate estimate(const GgufFile& model) const;
    // Only the modifier check of estimate(): a run refuses such a recipe before it starts.
    void check_modifiers(const GgufFile& model) const;
    double bits_per_weight(const GgufFile& model) const { return estimate(model).bits_per_weight(); }
    uint64_t estimated_bytes(const GgufFile& model) const { return estimate(model).file_bytes; }
};

// The recipes the GUI and CLI offer, each with its summary: llama.cpp's most precise first (F32
// F16 BF16 Q8_0 Q6_K Q5_K_M Q5_K_S Q4_K_M Q4_K_S Q3_K_L Q3_K_M Q3_K_S Q2_K Q5_1 Q5_0 Q4_1
// Q4_0), llama.cpp's IQ mixes (IQ4_XS IQ4_NL IQ3_M IQ3_S IQ3_XS IQ3_XXS IQ2_M IQ2_S IQ2_XS IQ2_XXS;
// quant_mix_requires_imatrix: the IQ2 ones can only be made with an importance matrix), then
// QuantScope's own formats applied to every weight matrix (in memory only): NF4 ("Q8_0+.*=nf4"),
// FP8 E4M3, FP8 E5M2, INT8 per channel, INT4 g128.
const std::vector<PrecisionRecipe>& precision_presets();

}  // namespace qs
