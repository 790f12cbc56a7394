// Loading: hyper-parameters, refusals that name what is wrong, in-memory weights, and the real
// models in ../shared.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstring>

#include "common/test_paths.h"
#include "kernels/kernels.h"
#include "model/model.h"
#include "model/model_summary.h"
#include "hf/hf_checkpoint.h"
#include "model_test_util.h"
#include "random_model.h"

namespace qs::test {
namespace {

std::string write_base(const std::string& name, RandomModelSpec spec = {}) {
    const std::string path = temp_dir() + "/" + name + ".gguf";
    random_model_write(spec, path);
    return path;
}

std::string load_error(const std::string& path) {
    try {
        (void)Model::load(path);
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(ModelLoad, ReadsHyperParameters) {
    RandomModelSpec spec;
    spec.arch = "qwen2";
    spec.n_embd = 64, spec.n_head = 8, spec.n_head_kv = 2, spec.n_layer = 3, spec.n_ff = 96, spec.n_vocab = 77;
    spec.rope_freq_base = 1e6f, spec.rope_scale_factor = 4.0f, spec.rms_eps = 1e-6f;
    const auto m = Model::load(write_base("hp", spec));
    const ModelHParams& hp = m->hparams();
    EXPECT_EQ(hp.arch, ModelArch::Qwen2);
    EXPECT_EQ(hp.n_embd, 64);
    EXPECT_EQ(hp.n_head, 8);
    EXPECT_EQ(hp.n_head_kv, 2);
    EXPECT_EQ(hp.head_dim, 8);
    EXPECT_EQ(hp.n_rot, 8);
    EXPECT_EQ(hp.n_layer, 3);
    EXPECT_EQ(hp.n_ff, 96);
    EXPECT_EQ(hp.n_vocab, 77);
    EXPECT_EQ(hp.n_ctx_train, 256);
    EXPECT_FLOAT_EQ(hp.rope_freq_base, 1e6f);
    EXPECT_FLOAT_EQ(hp.rope_freq_scale, 0.25f);
    EXPECT_FLOAT_EQ(hp.rms_norm_eps, 1e-6f);
    EXPECT_TRUE(hp.rope_neox);
    EXPECT_TRUE(hp.qkv_bias);
    EXPECT_TRUE(m->weights().output_tied);
    EXPECT_EQ(m->weights().output.data, m->weights().token_embd.data);
}

TEST(ModelLoad, RefusesOtherArchitecturesByName) {
    const std::string base = write_base("arch_base"), bad = temp_dir() + "/gpt2.gguf";
    gguf_rewrite(base, bad, [](const GgufTensorInfo&) { return false; },
                 [](GgufWriter& w) { w.set("general.architecture", GgufValue::str("gpt2")); });
    const std::string msg = load_error(bad);
    EXPECT_NE(msg.find("gpt2"), std::string::npos) << msg;
    EXPECT_NE(msg.find(bad), std::string::npos) << msg;
    // ... and lists what QuantScope does run.
    for (const char* arch : {"llama", "qwen2", "qwen3", "qwen3moe", "gemma2", "gemma3", "phi3"})
        EXPECT_NE(msg.find(arch), std::string::npos) << arch << " missing from: " << msg;
}

TEST(ModelLoad, MissingTensorIsNamed) {
    const std::string base = write_base("missing_base"), bad = temp_dir() + "/missing.gguf";
    gguf_rewrite(base, bad, [](const GgufTensorInfo& t) { return t.name == "blk.1.ffn_up.weight"; }, [](GgufWriter&) {});
    const std::string msg = load_error(bad);
    EXPECT_NE(msg.find("'blk.1.ffn_up.weight' is missing"), std::string::npos) << msg;
    EXPECT_NE(msg.find(bad), std::string::npos) << msg;
}

TEST(ModelLoad, WrongShapeIsNamedWithBothShapes) {
    RandomModelSpec spec;  // n_embd 64, 4 heads: attn_q is [64, 64]; give it [64, 32] instead
    const std::string base = write_base("shape_base", spec), bad = temp_dir() + "/shape.gguf";
    const GgufFile f = GgufFile::open(base);
    const GgufTensorInfo* q = f.find_tensor("blk.0.attn_q.weight");
    ASSERT_NE(q, nullptr);
    gguf_rewrite(base, bad, [](const GgufTensorInfo& t) { return t.name == "blk.0.attn_q.weight"; },
                 [&](GgufWriter& w) { w.add_tensor("blk.0.attn_q.weight", q->type, {64, 32}, q->data, q->nbytes / 2); });
    const std::string msg = load_error(bad);
    EXPECT_NE(msg.find("tensor 'blk.0.attn_q.weight' has shape [64, 32], expected [64, 64]"), std::string::npos) << msg;
}

TEST(ModelLoad, NonComputableTypeIsNamed) {
    RandomModelSpec spec;
    spec.n_embd = 256, spec.n_head = 4, spec.n_head_kv = 4, spec.n_layer = 1, spec.n_ff = 32, spec.n_vocab = 20;
    const std::string base = write_base("iq_base", spec), bad = temp_dir() + "/iq.gguf";
    const std::vector<uint8_t> bytes(row_size(GgmlType::TQ1_0, 256) * 20, 0);
    gguf_rewrite(base, bad, [](const GgufTensorInfo& t) { return t.name == "token_embd.weight"; },
                 [&](GgufWriter& w) { w.add_tensor("token_embd.weight", GgmlType::TQ1_0, {256, 20}, bytes.data(), bytes.size()); });
    const std::string msg = load_error(bad);
    EXPECT_NE(msg.find("tensor 'token_embd.weight' has type tq1_0, which QuantScope cannot compute"), std::string::npos)
        << msg;
}

// A model whose weights are replaced in memory computes with the replacements: an identical copy
// gives identical logits, a Q8_0 copy gives nearby but different ones.
TEST(ModelLoad, InMemoryWeightsReplaceFileTensors) {
    const auto base = Model::load(write_base("owned_base"));
    const std::string name = "blk.0.ffn_down.weight";
    const GgufTensorInfo* t = base->file().find_tensor(name);
    ASSERT_NE(t, nullptr);
    OwnedTensor same{t->type, t->ne, std::vector<uint8_t>(t->data, t->data + t->nbytes)};
    const auto copy = Model::with_weights(*base, {{name, same}});
    EXPECT_NE(copy->weights().layers[0].ffn_down.data, base->weights().layers[0].ffn_down.data);

    std::vector<float> f32(size_t(t->n_elements()));
    std::memcpy(f32.data(), t->data, t->nbytes);
    OwnedTensor q8{GgmlType::Q8_0, t->ne, std::vector<uint8_t>(row_size(GgmlType::Q8_0, t->ne[0]) * size_t(t->rows()))};
    kernels_get(GgmlType::Q8_0).from_f32(f32.data(), q8.data.data(), int64_t(f32.size()));
    const auto quant = Model::with_weights(*base, {{name, q8}});
    EXPECT_EQ(quant->weights().layers[0].ffn_down.type, GgmlType::Q8_0);

    const auto tokens = test_tokens(10, base->hparams().n_vocab);
    ModelContext a(base, 16), b(copy, 16), c(quant, 16);
    const auto la = decode_all(a, tokens), lb = decode_all(b, tokens), lc = decode_all(c, tokens);
    EXPECT_EQ(la, lb);
    EXPECT_NE(la, lc);
    EXPECT_LT(max_rel_error(lc, la), 5e-2);

    OwnedTensor wrong{GgmlType::F32, {t->ne[1], t->ne[0] * 2}, std::vector<uint8_t>(t->nbytes * 2)};
    EXPECT_THROW((void)Model::with_weights(*base, {{name, wrong}}), Error);
}

// --- the real models in ../shared ---

void run_real(const std::string& path, int64_t n_tokens) {
    const auto m = Model::load(path);
    ModelContext ctx(m, int(n_tokens));
    const auto tokens = test_tokens(n_tokens, m->hparams().n_vocab);
    const auto logits = decode_all(ctx, tokens);
    for (float x : logits) ASSERT_TRUE(std::isfinite(x));
    // Not degenerate: logits vary across the vocabulary.
    float lo = logits[0], hi = logits[0];
    for (int64_t j = 0; j < m->hparams().n_vocab; ++j) lo = std::min(lo, logits[size_t(j)]), hi = std::max(hi, logits[size_t(j)]);
    EXPECT_GT(hi - lo, 1.0f);
}

TEST(RealModels, Stories260K) {
    QS_REQUIRE_SHARED(path, "models/stories260K.gguf");
    const auto m = Model::load(path);
    EXPECT_EQ(m->hparams().n_vocab, 512);
    EXPECT_EQ(m->hparams().n_embd, 64);
    EXPECT_EQ(m->hparams().n_layer, 5);
    EXPECT_EQ(m->hparams().n_head_kv, 4);
    EXPECT_EQ(m->hparams().n_ff, 172);
    run_real(path, 32);
}

TEST(RealModels, M1Llama) {
    QS_REQUIRE_SHARED(path, "models/synthetic/llama-d256-spm512.gguf");
    run_real(path, 32);
}

TEST(RealModels, M2Qwen2) {
    QS_REQUIRE_SHARED(path, "models/synthetic/qwen2-d256-gpt2bpe.gguf");
    const auto m = Model::load(path);
    EXPECT_EQ(m->hparams().arch, ModelArch::Qwen2);
    EXPECT_EQ(m->hparams().n_vocab, 50257);
    EXPECT_TRUE(m->weights().output_tied);
    run_real(path, 16);
}

// Batched matmuls (tile kernels) must compute what the per-row dot products compute: with an F32
// cache, a batch and token-by-token decoding give the same logits, for every weight type. Not
// bit-identical: summation order differs, and a last-bit change can flip one activation's 8-bit
// rounding, which moves that token's logits by up to a few 1e-3. So: every token within 2e-2, and
// all but a few tokens within 1e-4. A batched path that skips activation quantization (unlike
// ggml) is off by 3e-3..5e-3 on every token; NaN fails outright.
class QuantizedBatching : public ::testing::TestWithParam<std::string> {};

TEST_P(QuantizedBatching, BatchEqualsTokenByToken) {
    QS_REQUIRE_SHARED(path, "models/synthetic/m1-quantized/m1-pure-" + GetParam() + ".gguf");
    const auto m = Model::load(path);
    const int64_t nv = m->hparams().n_vocab;
    const int n = 24;
    const auto tokens = test_tokens(n, nv);
    ModelContext batch(m, 32, {KvCacheType::F32, 512}), single(m, 32, {KvCacheType::F32, 512});
    const auto a = decode_all(batch, tokens);
    std::vector<float> b(a.size());
    const uint8_t yes = 1;
    for (size_t i = 0; i < tokens.size(); ++i) single.decode({&tokens[i], 1}, {&yes, 1}, b.data() + i * size_t(nv));
    for (float x : a) ASSERT_TRUE(std::isfinite(x));
    for (float x : b) ASSERT_TRUE(std::isfinite(x));
    double scale = 0;
    for (float x : a) scale = std::max(scale, double(std::abs(x)));
    int rows_off = 0;
    double worst = 0;
    for (int i = 0; i < n; ++i) {
        double d = 0;
        for (int64_t j = 0; j < nv; ++j) d = std::max(d, std::abs(double(a[size_t(i * nv + j)]) - double(b[size_t(i * nv + j)])));
        worst = std::max(worst, d / scale);
        if (d / scale > 1e-4) ++rows_off;
    }
    EXPECT_LT(worst, 2e-2);
    EXPECT_LE(rows_off, n / 8) << "tokens whose logits differ by more than 1e-4 (worst " << worst << ")";
}

INSTANTIATE_TEST_SUITE_P(M1, QuantizedBatching,
                         ::testing::Values("Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"));

// One 512-token forward pass of M1, timed (the figure goes to the test's properties and stdout).
TEST(RealModels, M1Forward512Timing) {
    QS_REQUIRE_SHARED(path, "models/synthetic/llama-d256-spm512.gguf");
    const auto m = Model::load(path);
    ModelContext ctx(m, 512);
    const auto tokens = test_tokens(512, m->hparams().n_vocab);
    std::vector<float> logits(512 * size_t(m->hparams().n_vocab));
    const std::vector<uint8_t> want(512, 1);
    double best = 1e9;
    for (int rep = 0; rep < 3; ++rep) {
        ctx.clear();
        const auto t0 = std::chrono::steady_clock::now();
        ctx.decode(tokens, want, logits.data());
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    for (float x : logits) ASSERT_TRUE(std::isfinite(x));
    std::printf("    M1 512-token forward: %.1f ms (%.0f tokens/s)\n", best * 1e3, 512 / best);
    RecordProperty("m1_512_ms", std::to_string(best * 1e3));
}

}  // namespace
}  // namespace qs::test

namespace qs::test {
namespace {

// What `info` and the model card show for the zoo files, against the generator's own figures
// (zoo.json params: n_params, head_dim; the zoo README: experts, windows).
TEST(ModelSummary, ZooArchitectures) {
    QS_REQUIRE_SHARED(moe_path, "models/zoo/qwen3moe-d256-spm512.gguf");
    const ModelSummary moe = model_summary_read(GgufFile::open(moe_path));
    EXPECT_TRUE(moe.supported);
    EXPECT_EQ(moe.n_params, 3806592);  // zoo.json params.n_params
    EXPECT_EQ(moe.n_expert, 8);
    EXPECT_EQ(moe.n_expert_used, 2);
    // Three expert tensors of 8 x 256 x 256 per layer, 2 layers: a token uses 2 of each 8.
    const int64_t experts = 2 * 3 * 8 * 256 * 256;
    EXPECT_EQ(moe.n_active_params, moe.n_params - experts + experts / 8 * 2);

    QS_REQUIRE_SHARED(gemma3_path, "models/zoo/gemma3-d256-spm512.gguf");
    const ModelSummary g3 = model_summary_read(GgufFile::open(gemma3_path));
    EXPECT_EQ(g3.head_dim, 32);
    EXPECT_EQ(g3.sliding_window, 128);
    EXPECT_EQ(g3.swa_layers, (std::vector<int64_t>{0, 1, 3}));  // pattern 3: every third layer global
    EXPECT_EQ(g3.n_active_params, g3.n_params);

    QS_REQUIRE_SHARED(gemma2_path, "models/zoo/gemma2-d256-spm512.gguf");
    const ModelSummary g2 = model_summary_read(GgufFile::open(gemma2_path));
    EXPECT_EQ(g2.swa_layers, (std::vector<int64_t>{0, 2}));  // default pattern 2
    EXPECT_DOUBLE_EQ(g2.attn_softcap, 10.0);
    EXPECT_DOUBLE_EQ(g2.final_softcap, 6.0);

    QS_REQUIRE_SHARED(hf_dir, "models/hf/qwen3-arch");  // a checkpoint directory summarises the same way
    const ModelSummary hf = model_summary_read(hf_checkpoint_open(hf_dir));
    EXPECT_TRUE(hf.hf_checkpoint);
    EXPECT_EQ(hf.n_params, 1803520);  // reference/hf.json params.n_params
    EXPECT_EQ(hf.head_dim, 64);
    EXPECT_FALSE(moe.hf_checkpoint);

    QS_REQUIRE_SHARED(qwen3_path, "models/zoo/qwen3-d256-bpe4k.gguf");
    EXPECT_EQ(model_summary_read(GgufFile::open(qwen3_path)).head_dim, 64);  // not n_embd / n_head = 32
}

}  // namespace
}  // namespace qs::test
