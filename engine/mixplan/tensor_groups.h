// The tensor groups a mixed-precision search works on: one group per layer x role (blk.3.attn_q,
// blk.3.ffn_down, the experts of a layer, output, token_embd), each the quantizable tensors of
// that role in that layer (llama-quantize's rule: 2+ dimensions, named "*weight", not a norm).
//
// A group is named by a regex that the precision recipe syntax accepts ("blk\.3\.attn_q\.",
// "^output\.weight$"), so every per-group choice can be written as PATTERN=TYPE overrides that
// quantize, eval and the GUI take as they are (tensor_groups_recipe).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "quant/quant_mix.h"
#include "tensor/ggml_type.h"

namespace qs {

class GgufFile;

struct TensorGroup {
    int layer = -1;                    // block number; -1 outside the blocks (output, token_embd)
    std::string role;                  // "attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up",
                                       // "ffn_down", "experts", "output", "token_embd", or the name's own part
    std::string pattern;               // regex matching exactly this group's tensors (recipe syntax)
    std::vector<std::string> tensors;  // names, in file order
    std::vector<std::vector<int64_t>> shapes;  // [tensors] ne
    int64_t n_elements = 0;
    std::string label() const;         // "blk.3.attn_q", "output"
};

// Whether llama-quantize may change this tensor's type at all (2+ dimensions, "*weight", not a norm...).
bool tensor_is_quantizable(const MixTensor& tensor);

// The groups of a model's quantizable tensors: layers in order, roles in the order above (others
// after, by name), then output and token_embd.
std::vector<TensorGroup> tensor_groups_from_gguf(const GgufFile& file);

// Bytes of a group's tensors in `type`, after llama-quantize's fallback for rows the type's block
// does not divide (q4_K -> q5_0, ...); the type each tensor then gets is written to `actual` if given.
// Throws qs::Error naming the tensor when no fallback exists (q4_0 on a 172-wide row).
uint64_t tensor_group_bytes(const TensorGroup& group, GgmlType type, std::vector<GgmlType>* actual = nullptr);

// The roles in display order (the heatmap's columns); roles a model does not have are left out
// by the caller.
const std::vector<std::string>& tensor_group_role_order();

// A recipe string giving each group `types[g]` with every other quantizable tensor in `rest`:
// for a quantized mix "MIX+<group>=TYPE..." (the mix's own rules apply to the rest), for F32/F16/BF16
// "Q8_0+<group>=TYPE...+.*=f32" (an unquantized mix ignores overrides, as llama-quantize does, so the
// rest is set by a final catch-all). Groups of the same type are merged into one alternation per
// role. `types` holds one entry per group; an empty entry means "as the rest".
std::string tensor_groups_recipe(const std::string& rest, const std::vector<TensorGroup>& groups,
                                 const std::vector<std::optional<GgmlType>>& types);

}  // namespace qs
