// Tensor groups of a mixed-precision search; see tensor_groups.h.
#include "mixplan/tensor_groups.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include <fmt/format.h>

#include "core/error.h"
#include "gguf/gguf_file.h"
#include "quant/precision_recipe.h"

namespace qs {

namespace {

// "blk.3.attn_q.weight" -> (3, "attn_q"); "output.weight" -> (-1, "output"); the experts of a
// layer (ffn_gate_exps, ffn_up_exps, ffn_down_exps) share the role "experts".
std::pair<int, std::string> layer_and_role(const std::string& name) {
    int layer = -1, consumed = 0;
    std::string rest = name;
    if (std::sscanf(name.c_str(), "blk.%d.%n", &layer, &consumed) == 1 && consumed > 0) {
        rest = name.substr(size_t(consumed));
    } else {
        layer = -1;
    }
    const std::string suffix = ".weight";
    if (rest.size() > suffix.size() && rest.compare(rest.size() - suffix.size(), suffix.size(), suffix) == 0)
        rest.resize(rest.size() - suffix.size());
    if (rest.size() > 5 && rest.compare(rest.size() - 5, 5, "_exps") == 0) rest = "experts";
    return {layer, rest};
}

// The name as a regex matching only itself.
std::string regex_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') out += '\\';
        out += c;
    }
    return out;
}

int role_rank(const std::string& role) {
    const auto& order = tensor_group_role_order();
    const auto it = std::find(order.begin(), order.end(), role);
    return it == order.end() ? int(order.size()) : int(it - order.begin());
}

// A mix whose own type is `type` (so a recipe reads as what most of it is), else Q8_0.
QuantMix mix_for_type(GgmlType type) {
    for (const char* name : {"Q2_K", "Q3_K_M", "Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"}) {
        const QuantMix mix = *quant_mix_from_name(name);
        if (quant_mix_default_type(mix) == type) return mix;
    }
    return QuantMix::Q8_0;
}

}  // namespace

const std::vector<std::string>& tensor_group_role_order() {
    static const std::vector<std::string> order = {"attn_q",  "attn_k",   "attn_v", "attn_qkv", "attn_output", "ffn_gate",
                                                   "ffn_up", "ffn_down", "experts", "output",  "token_embd"};
    return order;
}

bool tensor_is_quantizable(const MixTensor& tensor) {
    // MixContext applies llama-quantize's rule: asked for f16 through an override, a tensor presented as
    // f32 changes type exactly when the rule lets the mix touch it (f16 has no block, so no fallback).
    MixOptions options;
    options.mix = QuantMix::Q8_0;
    options.overrides.push_back({".*", GgmlType::F16});
    MixContext context(options, MixModelInfo{}, {tensor.name});
    return context.choose(MixTensor{tensor.name, tensor.ne, GgmlType::F32}).quantize;
}

std::string TensorGroup::label() const { return layer >= 0 ? fmt::format("blk.{}.{}", layer, role) : role; }

std::vector<TensorGroup> tensor_groups_from_gguf(const GgufFile& file) {
    std::map<std::pair<int, std::string>, TensorGroup> by_key;
    for (const GgufTensorInfo& t : file.tensors()) {
        if (!tensor_is_quantizable(MixTensor{t.name, t.ne, t.type})) continue;
        auto [layer, role] = layer_and_role(t.name);
        TensorGroup& g = by_key[{layer, role}];
        g.layer = layer;
        g.role = role;
        g.tensors.push_back(t.name);
        g.shapes.push_back(t.ne);
        g.n_elements += t.n_elements();
    }
    std::vector<TensorGroup> groups;
    for (auto& [key, g] : by_key) {
        std::string alternation;
        for (const std::string& n : g.tensors) {
            if (!alternation.empty()) alternation += '|';
            alternation += regex_escape(n);
        }
        g.pattern = g.tensors.size() == 1 ? fmt::format("^{}$", alternation) : fmt::format("^({})$", alternation);
        groups.push_back(std::move(g));
    }
    // Blocks first in layer order (roles as the heatmap shows them), then output, token_embd.
    std::stable_sort(groups.begin(), groups.end(), [](const TensorGroup& a, const TensorGroup& b) {
        const bool ablk = a.layer >= 0, bblk = b.layer >= 0;
        if (ablk != bblk) return ablk;
        if (a.layer != b.layer) return a.layer < b.layer;
        const int ra = role_rank(a.role), rb = role_rank(b.role);
        return ra != rb ? ra < rb : a.role < b.role;
    });
    if (groups.empty()) fail_file(file.path(), "no quantizable tensor (a 2-D '*weight' that is not a norm)");
    return groups;
}

uint64_t tensor_group_bytes(const TensorGroup& group, GgmlType type, std::vector<GgmlType>* actual) {
    // The override path of llama-quantize's choice, then its fallback for rows the block does not divide.
    MixOptions options;
    options.mix = QuantMix::Q8_0;
    options.overrides.push_back({".*", type});
    MixContext context(options, MixModelInfo{}, group.tensors);
    uint64_t bytes = 0;
    if (actual) actual->clear();
    for (size_t i = 0; i < group.tensors.size(); ++i) {
        const std::vector<int64_t>& ne = group.shapes[i];
        const GgmlType t = context.choose(MixTensor{group.tensors[i], ne, GgmlType::F32}).type;
        int64_t rows = 1;
        for (size_t d = 1; d < ne.size(); ++d) rows *= ne[d];
        bytes += row_size(t, ne[0]) * uint64_t(rows);
        if (actual) actual->push_back(t);
    }
    return bytes;
}

std::string tensor_groups_recipe(const std::string& rest, const std::vector<TensorGroup>& groups,
                                 const std::vector<std::optional<GgmlType>>& types) {
    if (types.size() != groups.size())
        throw Error(fmt::format("tensor_groups_recipe: {} types for {} groups", types.size(), groups.size()));
    const PrecisionRecipe base = PrecisionRecipe::parse(rest);
    PrecisionRecipe out;
    out.options = base.options;
    out.options.overrides.clear();
    std::optional<GgmlType> catch_all;  // a final ".*=TYPE" rule
    const bool all_set = std::all_of(types.begin(), types.end(), [](const auto& t) { return t.has_value(); });
    if (all_set) {
        // Every group is set: the type holding the most weights becomes the catch-all and names the mix.
        std::map<GgmlType, int64_t> weight;
        for (size_t g = 0; g < groups.size(); ++g) weight[*types[g]] += groups[g].n_elements;
        catch_all = std::max_element(weight.begin(), weight.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
        out.options = MixOptions{};
        out.options.mix = mix_for_type(*catch_all);
    } else if (!type_traits(quant_mix_default_type(base.options.mix)).quantized) {
        // An unquantized mix ignores overrides (as llama-quantize): a quantized one with a catch-all
        // that keeps the rest in the base's type.
        catch_all = quant_mix_default_type(base.options.mix);
        out.options.mix = QuantMix::Q8_0;
        out.options.pure = false;
    }
    // One alternation per (type, role) over layers for the one-tensor block groups; others as they are.
    std::map<std::pair<GgmlType, std::string>, std::vector<int>> merged;
    std::vector<TensorTypeOverride> own;
    for (size_t g = 0; g < groups.size(); ++g) {
        if (!types[g] || (catch_all && all_set && *types[g] == *catch_all)) continue;
        const TensorGroup& grp = groups[g];
        if (grp.layer >= 0 && grp.tensors.size() == 1 && grp.tensors[0] == fmt::format("blk.{}.{}.weight", grp.layer, grp.role))
            merged[{*types[g], grp.role}].push_back(grp.layer);
        else
            own.push_back({grp.pattern, *types[g]});
    }
    std::vector<TensorTypeOverride> overrides;
    for (const auto& [key, layers] : merged) {
        std::string alt;
        for (int l : layers) {
            if (!alt.empty()) alt += '|';
            alt += std::to_string(l);
        }
        const std::string layer_re = layers.size() == 1 ? alt : fmt::format("({})", alt);
        overrides.push_back({fmt::format("^blk\\.{}\\.{}\\.weight$", layer_re, key.second), key.first});
    }
    overrides.insert(overrides.end(), own.begin(), own.end());
    if (!all_set) overrides.insert(overrides.end(), base.options.overrides.begin(), base.options.overrides.end());
    if (catch_all) overrides.push_back({".*", *catch_all});
    out.options.overrides = std::move(overrides);
    return out.to_string();
}

}  // namespace qs
