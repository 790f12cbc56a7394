// Tensor groups and their recipes: every recipe the search writes must plan exactly the types it
// meant, through the same parser and planner quantize and eval use.
#include <gtest/gtest.h>

#include <random>

#include <fmt/format.h>

#include "common/test_paths.h"
#include "gguf/gguf_file.h"
#include "mixplan/tensor_groups.h"
#include "quant/precision_recipe.h"

namespace qs {
namespace {

constexpr const char* kM1 = "models/synthetic/llama-d256-spm512.gguf";

// name -> planned type for a recipe on a file.
std::map<std::string, GgmlType> plan_of(const std::string& recipe, const GgufFile& file) {
    const PrecisionRecipe r = PrecisionRecipe::parse(recipe);
    const std::vector<MixTensor> tensors = mix_tensors_from_gguf(file);
    const std::vector<TensorTypeChoice> plan = plan_tensor_types(r.options, mix_model_info_from_gguf(file), tensors);
    std::map<std::string, GgmlType> out;
    for (size_t i = 0; i < tensors.size(); ++i) out[tensors[i].name] = plan[i].type;
    return out;
}

TEST(TensorGroups, M1HasSevenRolesPerLayerThenOutputAndEmbeddings) {
    QS_REQUIRE_SHARED(path, kM1);
    const GgufFile file = GgufFile::open(path);
    const std::vector<TensorGroup> groups = tensor_groups_from_gguf(file);
    ASSERT_EQ(groups.size(), 4u * 7 + 2);
    const char* roles[] = {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"};
    for (int l = 0; l < 4; ++l)
        for (int r = 0; r < 7; ++r) {
            const TensorGroup& g = groups[size_t(l * 7 + r)];
            EXPECT_EQ(g.layer, l);
            EXPECT_EQ(g.role, roles[r]);
            ASSERT_EQ(g.tensors.size(), 1u);
            EXPECT_EQ(g.tensors[0], fmt::format("blk.{}.{}.weight", l, roles[r]));
        }
    EXPECT_EQ(groups[28].label(), "output");
    EXPECT_EQ(groups[29].label(), "token_embd");
}

TEST(TensorGroups, OneGroupRecipeSetsThatGroupAloneOverAFloatBase) {
    QS_REQUIRE_SHARED(path, kM1);
    const GgufFile file = GgufFile::open(path);
    const std::vector<TensorGroup> groups = tensor_groups_from_gguf(file);
    for (size_t g : {size_t(3), size_t(28), size_t(29)}) {  // attn_output of blk.0 (not "output"), output, token_embd
        std::vector<std::optional<GgmlType>> types(groups.size());
        types[g] = GgmlType::Q2_K;
        const std::string recipe = tensor_groups_recipe("F32", groups, types);
        const auto plan = plan_of(recipe, file);
        for (const GgufTensorInfo& t : file.tensors()) {
            const bool in_group = t.name == groups[g].tensors[0];
            EXPECT_EQ(plan.at(t.name), in_group ? GgmlType::Q2_K : GgmlType::F32) << recipe << " " << t.name;
        }
    }
}

TEST(TensorGroups, FullAssignmentRecipePlansEveryGroupsTypeAndItsBytes) {
    QS_REQUIRE_SHARED(path, kM1);
    const GgufFile file = GgufFile::open(path);
    const std::vector<TensorGroup> groups = tensor_groups_from_gguf(file);
    const GgmlType choices[] = {GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q6_K, GgmlType::Q8_0, GgmlType::Q4_0};
    std::mt19937 rng(11);
    for (int trial = 0; trial < 5; ++trial) {
        std::vector<std::optional<GgmlType>> types;
        uint64_t bytes = 0;
        for (const TensorGroup& g : groups) {
            types.push_back(choices[rng() % 6]);
            bytes += tensor_group_bytes(g, *types.back());
        }
        const std::string recipe = tensor_groups_recipe("F32", groups, types);
        const auto plan = plan_of(recipe, file);
        for (size_t g = 0; g < groups.size(); ++g) EXPECT_EQ(plan.at(groups[g].tensors[0]), *types[g]) << recipe;
        uint64_t norms = 0;
        for (const GgufTensorInfo& t : file.tensors())
            if (t.ne.size() < 2 || t.ne[1] == 1) norms += t.nbytes;
        EXPECT_EQ(PrecisionRecipe::parse(recipe).estimate(file).tensor_bytes, bytes + norms) << recipe;
    }
}

TEST(TensorGroups, MergedLayerPatternsDoNotMatchLongerLayerNumbers) {
    // blk.1 and blk.11 in different types: "blk\.(1)\." must not catch blk.11.
    std::vector<TensorGroup> groups;
    std::vector<MixTensor> tensors;
    std::vector<std::optional<GgmlType>> types;
    for (int l : {1, 11, 2, 12}) {
        TensorGroup g;
        g.layer = l;
        g.role = "attn_q";
        g.tensors = {fmt::format("blk.{}.attn_q.weight", l)};
        g.shapes = {{256, 256}};
        g.n_elements = 256 * 256;
        g.pattern = "^blk\\." + std::to_string(l) + "\\.attn_q\\.weight$";
        groups.push_back(g);
        tensors.push_back({g.tensors[0], g.shapes[0], GgmlType::F32});
        types.push_back(l < 10 ? GgmlType::Q2_K : GgmlType::Q8_0);
    }
    for (const std::string base : {"F16", "Q4_K_M"}) {
        const std::string recipe = tensor_groups_recipe(base, groups, types);
        MixModelInfo info;
        info.arch = "llama";
        info.n_layer = 13;
        info.n_head = info.n_head_kv = 4;
        const auto plan = plan_tensor_types(PrecisionRecipe::parse(recipe).options, info, tensors);
        for (size_t i = 0; i < tensors.size(); ++i) EXPECT_EQ(plan[i].type, *types[i]) << recipe << " " << tensors[i].name;
    }
}

}  // namespace
}  // namespace qs
