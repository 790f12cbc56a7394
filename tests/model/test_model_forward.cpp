// The forward pass against an independent double-precision reference, and its batching and
// KV-cache behaviour.
#include <gtest/gtest.h>

#include <cstring>

#include "common/test_paths.h"
#include "model/model.h"
#include "model_test_util.h"
#include "naive_forward.h"
#include "random_model.h"

namespace qs::test {
namespace {

struct Case {
    const char* name;
    RandomModelSpec spec;
};

RandomModelSpec make(std::string arch, int64_t e, int64_t h, int64_t kv, int64_t layers, int64_t ff, int64_t vocab,
                     float base = 10000.0f, float scale = 0.0f, int64_t n_rot = 0, bool tied = false) {
    RandomModelSpec s;
    s.arch = std::move(arch);
    s.n_embd = e, s.n_head = h, s.n_head_kv = kv, s.n_layer = layers, s.n_ff = ff, s.n_vocab = vocab;
    s.rope_freq_base = base, s.rope_scale_factor = scale, s.n_rot = n_rot, s.tied = tied;
    s.seed = uint32_t(e * 131 + h * 17 + layers + vocab);
    return s;
}

// The other architectures' features, each in a shape where it matters: a head size that is not
// n_embd / n_head, windows shorter than the 20- and 70-token batches, soft-caps low enough to bite.
RandomModelSpec qwen3() {
    RandomModelSpec s = make("qwen3", 64, 4, 2, 2, 96, 120, 1000000.0f);
    s.key_length = 32;
    return s;
}
RandomModelSpec qwen3moe() {
    RandomModelSpec s = make("qwen3moe", 64, 4, 2, 2, 96, 110, 1000000.0f);
    s.n_expert = 4, s.n_expert_used = 2, s.n_ff_exp = 64;
    return s;
}
RandomModelSpec gemma2() {
    RandomModelSpec s = make("gemma2", 64, 4, 2, 3, 96, 130, 10000.0f, 0.0f, 0, true);
    s.n_swa = 8, s.attn_softcap = 5.0f, s.final_softcap = 3.0f;
    return s;
}
RandomModelSpec gemma3() {
    RandomModelSpec s = make("gemma3", 64, 4, 1, 4, 96, 140, 1000000.0f, 0.0f, 0, true);
    s.key_length = 32, s.n_swa = 8, s.swa_pattern = 3;
    return s;
}

// Llama 3.1/3.2 files carry rope_freqs.weight: a divisor per rotated pair (1 for the fast
// frequencies, up to the scaling factor for the slow ones), large enough here to move 20 tokens.
RandomModelSpec llama31() {
    RandomModelSpec s = make("llama", 64, 4, 2, 2, 96, 120, 500000.0f);
    s.rope_freqs = {1.0f, 1.0f, 1.7f, 4.3f, 8.0f, 8.0f, 8.0f, 8.0f};
    return s;
}

const Case kCases[] = {
    {"llama_e32_hd8", make("llama", 32, 4, 4, 1, 64, 50)},
    {"llama_e64_gqa2", make("llama", 64, 4, 2, 2, 96, 120)},
    {"llama_e128_hd32_mqa_base5e5_linear4", make("llama", 128, 4, 1, 3, 160, 300, 500000.0f, 4.0f)},
    {"llama_e64_gqa2_llama31_rope_freqs", llama31()},
    {"llama_e96_partial_rot_tied", make("llama", 96, 6, 3, 2, 128, 200, 10000.0f, 0.0f, 8, true)},
    {"qwen2_e64_gqa2", make("qwen2", 64, 4, 2, 2, 96, 150)},
    {"qwen2_e128_hd16_base1e6_linear2", make("qwen2", 128, 8, 8, 1, 256, 250, 1000000.0f, 2.0f)},
    {"qwen3_e64_hd32_gqa2", qwen3()},
    {"qwen3moe_e64_4experts_top2", qwen3moe()},
    {"gemma2_e64_swa8_softcaps", gemma2()},
    {"gemma3_e64_hd32_mqa_swa8_pattern3", gemma3()},
    {"phi3_e64_gqa2_fused", make("phi3", 64, 4, 2, 2, 96, 150)},
};

std::vector<float> flatten(const std::vector<std::vector<double>>& rows) {
    std::vector<float> out;
    for (const auto& r : rows) out.insert(out.end(), r.begin(), r.end());
    return out;
}

class ForwardVsNaive : public ::testing::TestWithParam<Case> {
protected:
    // Writes the case's model with the given matrix type, runs `n_tokens` through the engine as one
    // batch and through the naive reference, and returns the relative error.
    double run(GgmlType matrix_type, KvCacheType kv_type, int64_t n_tokens) {
        RandomModelSpec spec = GetParam().spec;
        spec.matrix_type = matrix_type;
        const std::string path = temp_dir() + "/" + GetParam().name + "_" + type_name(matrix_type) + ".gguf";
        const RefModel ref = random_model_write(spec, path);
        const auto model = Model::load(path);
        ModelContext ctx(model, 128, ContextOptions{kv_type, 512});
        const auto tokens = test_tokens(n_tokens, spec.n_vocab);
        const std::vector<float> got = decode_all(ctx, tokens);
        const std::vector<float> want = flatten(naive_forward(ref, tokens));
        const double err = max_rel_error(got, want);
        RecordProperty("max_rel_error", std::to_string(err));
        std::printf("    %s %s kv=%s n=%lld: max rel error %.3g\n", GetParam().name, type_name(matrix_type),
                    kv_type == KvCacheType::F16 ? "f16" : "f32", (long long)n_tokens, err);
        return err;
    }
};

// F32 weights and an F32 cache: the engine differs from the reference only by float rounding.
// Gemma's GeGLU looks gelu up in a table of f16 values, as ggml does (the reference rounds the
// same way): a float tanh in the table against the reference's double one now and then rounds an
// activation to the neighbouring f16 value (2^-11 relative), hence a looser bound there.
TEST_P(ForwardVsNaive, F32WeightsF32CacheIsTight) {
    const bool gelu_table = GetParam().spec.arch.rfind("gemma", 0) == 0;
    EXPECT_LT(run(GgmlType::F32, KvCacheType::F32, 20), gelu_table ? 1e-4 : 2e-5);
}

// The F16 cache rounds K and V to 11 significant bits (relative 2^-11 ~ 5e-4 each); with 20 tokens
// the engine takes the small-batch path (f16 query and f16 value accumulator), with 70 the f32 one.
TEST_P(ForwardVsNaive, F32WeightsF16CacheSmallBatch) { EXPECT_LT(run(GgmlType::F32, KvCacheType::F16, 20), 4e-3); }
TEST_P(ForwardVsNaive, F32WeightsF16CacheLargeBatch) { EXPECT_LT(run(GgmlType::F32, KvCacheType::F16, 70), 4e-3); }

// F16 weights: the reference runs on the same f16 values; the engine also rounds activations to
// f16 for the products (ggml's vec_dot_type for f16), so a few 1e-3.
TEST_P(ForwardVsNaive, F16Weights) { EXPECT_LT(run(GgmlType::F16, KvCacheType::F16, 20), 1e-2); }

// Q8_0 weights: the reference runs on the dequantized weights; the engine quantizes activations
// to q8_0 (8 bits per 32-block), about 0.5 % per product, so a few 1e-2 at the logits at most.
TEST_P(ForwardVsNaive, Q8_0Weights) { EXPECT_LT(run(GgmlType::Q8_0, KvCacheType::F16, 20), 4e-2); }

INSTANTIATE_TEST_SUITE_P(Shapes, ForwardVsNaive, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& i) { return std::string(i.param.name); });

// --- batching and the KV cache ---

std::shared_ptr<const Model> small_model(const std::string& arch) {
    RandomModelSpec spec = make(arch, 64, 4, 2, 2, 96, 120);
    const std::string path = temp_dir() + "/batch_" + arch + ".gguf";
    random_model_write(spec, path);
    return Model::load(path);
}

std::vector<float> decode_one_by_one(ModelContext& ctx, const std::vector<int32_t>& tokens) {
    const int64_t nv = ctx.model().hparams().n_vocab;
    std::vector<float> logits(tokens.size() * size_t(nv));
    const uint8_t yes = 1;
    for (size_t i = 0; i < tokens.size(); ++i) ctx.decode({&tokens[i], 1}, {&yes, 1}, logits.data() + i * size_t(nv));
    return logits;
}

class Batching : public ::testing::TestWithParam<std::string> {};

TEST_P(Batching, BatchEqualsTokenByTokenWithF32Cache) {
    const auto model = small_model(GetParam());
    const auto tokens = test_tokens(24, model->hparams().n_vocab);
    ModelContext batch(model, 64, {KvCacheType::F32, 512}), single(model, 64, {KvCacheType::F32, 512});
    const auto a = decode_all(batch, tokens);
    const auto b = decode_one_by_one(single, tokens);
    EXPECT_EQ(single.n_past(), 24);
    EXPECT_LT(max_rel_error(b, a), 1e-5);
}

TEST_P(Batching, BatchEqualsTokenByTokenWithF16Cache) {
    const auto model = small_model(GetParam());
    const auto tokens = test_tokens(24, model->hparams().n_vocab);
    ModelContext batch(model, 64), single(model, 64);
    EXPECT_LT(max_rel_error(decode_one_by_one(single, tokens), decode_all(batch, tokens)), 2e-3);
}

TEST_P(Batching, MicroBatchesEqualOneBatch) {
    const auto model = small_model(GetParam());
    const auto tokens = test_tokens(30, model->hparams().n_vocab);
    ModelContext whole(model, 64, {KvCacheType::F32, 512}), pieces(model, 64, {KvCacheType::F32, 7});
    EXPECT_LT(max_rel_error(decode_all(pieces, tokens), decode_all(whole, tokens)), 1e-5);
    EXPECT_EQ(pieces.n_past(), 30);
}

TEST_P(Batching, ContinuingAfterAPrefixEqualsOneBatch) {
    const auto model = small_model(GetParam());
    const int64_t nv = model->hparams().n_vocab;
    const auto tokens = test_tokens(20, nv);
    ModelContext ctx(model, 64, {KvCacheType::F32, 512});
    const auto whole = decode_all(ctx, tokens);
    ctx.clear();
    const std::vector<int32_t> head(tokens.begin(), tokens.begin() + 12), tail(tokens.begin() + 12, tokens.end());
    ctx.decode(head, std::vector<uint8_t>(head.size(), 0), nullptr);  // a prefix with no logits at all
    const auto rest = decode_all(ctx, tail);
    const std::vector<float> whole_tail(whole.begin() + 12 * nv, whole.end());
    EXPECT_LT(max_rel_error(rest, whole_tail), 1e-5);
}

TEST_P(Batching, ClearReproducesExactly) {
    const auto model = small_model(GetParam());
    const auto tokens = test_tokens(20, model->hparams().n_vocab);
    ModelContext ctx(model, 64);
    const auto first = decode_all(ctx, tokens);
    (void)decode_all(ctx, test_tokens(10, model->hparams().n_vocab, 7));  // dirty the cache further
    ctx.clear();
    EXPECT_EQ(ctx.n_past(), 0);
    const auto again = decode_all(ctx, tokens);
    ASSERT_EQ(first.size(), again.size());
    EXPECT_EQ(std::memcmp(first.data(), again.data(), first.size() * sizeof(float)), 0);
}

TEST_P(Batching, OnlyWantedRowsAreWrittenInOrder) {
    const auto model = small_model(GetParam());
    const int64_t nv = model->hparams().n_vocab;
    const auto tokens = test_tokens(16, nv);
    ModelContext ctx(model, 64);
    const auto all = decode_all(ctx, tokens);
    ctx.clear();
    std::vector<uint8_t> want(16, 0);
    want[3] = want[9] = want[15] = 1;
    std::vector<float> some(3 * size_t(nv) + 1, -12345.0f);  // one sentinel past the end
    ctx.decode(tokens, want, some.data());
    EXPECT_EQ(some.back(), -12345.0f);
    const int rows[] = {3, 9, 15};
    for (int r = 0; r < 3; ++r)
        for (int64_t j = 0; j < nv; ++j)
            EXPECT_NEAR(some[size_t(r * nv + j)], all[size_t(rows[r] * nv + j)], 1e-5) << "row " << rows[r];
}

TEST_P(Batching, BadInputThrowsAndLeavesTheContextUnchanged) {
    const auto model = small_model(GetParam());
    const int64_t nv = model->hparams().n_vocab;
    ModelContext ctx(model, 8);
    std::vector<float> logits(8 * size_t(nv));
    const std::vector<int32_t> bad_low{1, -1}, bad_high{1, int32_t(nv)}, ok{1, 2};
    const std::vector<uint8_t> two(2, 1), one(1, 1);
    try {
        ctx.decode(bad_low, two, logits.data());
        ADD_FAILURE() << "no error for token id -1";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("token id -1 at index 1"), std::string::npos) << e.what();
    }
    EXPECT_THROW(ctx.decode(bad_high, two, logits.data()), Error);
    EXPECT_THROW(ctx.decode(ok, one, logits.data()), Error);  // spans of different lengths
    EXPECT_EQ(ctx.n_past(), 0);
    const auto nine = test_tokens(9, nv);
    EXPECT_THROW(ctx.decode(nine, std::vector<uint8_t>(9, 0), logits.data()), Error);  // exceeds n_ctx 8
    EXPECT_EQ(ctx.n_past(), 0);
    ctx.decode(test_tokens(8, nv), std::vector<uint8_t>(8, 0), nullptr);
    EXPECT_EQ(ctx.n_past(), 8);
    EXPECT_THROW(ctx.decode(ok, two, logits.data()), Error);  // full
}

INSTANTIATE_TEST_SUITE_P(Archs, Batching, ::testing::Values("llama", "qwen2", "qwen3", "phi3"));

}  // namespace
}  // namespace qs::test
