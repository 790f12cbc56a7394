// KL-divergence statistics against llama-perplexity --kl-divergence (../shared/reference/m1.json):
// base M1 F32, every quantized M1 file llama-quantize made, c128, 40 chunks.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/test_paths.h"
#include "eval/kl_divergence.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

using namespace qs;
using json = nlohmann::json;

namespace {

struct Shared {
    std::shared_ptr<const Model> base_model;
    std::unique_ptr<Tokenizer> tokenizer;
    std::vector<int32_t> tokens;
    KldBase base;
    json reference;
};

constexpr int kCtx = 128, kChunks = 40;

// The base pass runs once for the whole suite.
Shared* shared_state() {
    static std::unique_ptr<Shared> s = [] {
        const std::string model = test::shared_path("models/synthetic/llama-d256-spm512.gguf");
        const std::string text = test::shared_path("data/wikitext-2-raw/wiki.test.raw");
        const std::string ref = test::shared_path("reference/m1.json");
        if (model.empty() || text.empty() || ref.empty()) return std::unique_ptr<Shared>();
        auto st = std::make_unique<Shared>();
        st->base_model = Model::load(model);
        st->tokenizer = Tokenizer::from_gguf(st->base_model->file());
        st->tokens = st->tokenizer->encode(perplexity_read_text(text), true);
        ModelContext ctx(st->base_model, kCtx);
        Progress progress;
        st->base = kld_base_collect(ctx, *st->tokenizer, st->tokens, {kCtx, kChunks}, progress);
        std::ifstream in(ref);
        st->reference = json::parse(in)["quant_eval_vs_f32"];
        return st;
    }();
    return s.get();
}

double stat(const json& stats, const char* section, const char* label) {
    return stats[section][label]["value"].get<double>();
}

}  // namespace

TEST(KldBaseCache, StoresLogProbsWithinHalfAStepOfTheTruth) {
    // Row with a known softmax: logits 0, 1, 2, 3 and one far below the 16-nat window.
    const std::vector<float> logits = {0.f, 1.f, 2.f, 3.f, -40.f};
    KldBaseCache cache(5, 8);
    cache.append(logits);
    double z = 0;
    for (float l : logits) z += std::exp(double(l));
    const double step = 16.0 / 65535.0;  // the window is [max - 16, max] over 65535 levels
    for (int i = 0; i < 4; ++i)
        EXPECT_NEAR(cache.log_prob(0, i), double(logits[size_t(i)]) - std::log(z), step) << i;
    // Below the window: clipped to the window's floor, more than 16 nats under the top.
    EXPECT_LE(cache.log_prob(0, 4), cache.log_prob(0, 3) - 16.0 + step);
}

void check_against_llama_cpp(Shared* st, const std::string& label) {
    SCOPED_TRACE(label);
    std::string file = label;
    file.replace(file.find('_'), 1, "-");
    const auto model = Model::load(test::shared_path("models/synthetic/m1-quantized/m1-" + file + ".gguf"));
    ModelContext ctx(model, kCtx);
    Progress progress;
    const KldReport r = kld_run(ctx, *st->tokenizer, st->tokens, {kCtx, kChunks}, st->base.cache, progress);
    const json& s = st->reference[label]["statistics"];

    const double ref_kld = stat(s, "KL divergence statistics", "Mean KLD");
    const double ref_kld_pm = s["KL divergence statistics"]["Mean KLD"]["pm"].get<double>();
    std::printf("[ kld ] %-10s mean KLD ours %.6f llama.cpp %.6f (± %.6f); same top %.3f%% vs %.3f%%; "
                "ln ratio %.6f vs %.6f; RMS dp %.3f%% vs %.3f%%\n",
                label.c_str(), r.kld.value, ref_kld, ref_kld_pm, 100 * r.same_top.value,
                stat(s, "Token probability statistics", "Same top p"), r.ln_ppl_ratio.value,
                stat(s, "Perplexity statistics", "Mean ln(PPL(Q)/PPL(base))"), 100 * r.dp_rms.value,
                stat(s, "Token probability statistics", "RMS Δp"));

    EXPECT_EQ(r.count, int64_t(kChunks) * (kCtx - kCtx / 2 - 1));
    EXPECT_EQ(r.per_chunk.size(), size_t(kChunks));
    // The base side is our own F32 run (agreeing with llama.cpp's to ~1e-6) and the quantized side
    // differs by the occasional flipped activation level, so statistics agree to a small fraction
    // of their own uncertainty rather than bit for bit.
    EXPECT_NEAR(r.kld.value, ref_kld, 0.02 * ref_kld + ref_kld_pm);
    EXPECT_NEAR(r.kld_median, stat(s, "KL divergence statistics", "Median KLD"), 0.03 * ref_kld + ref_kld_pm);
    // A tail percentile of near-lossless files (Q8_0: KLDs ~3e-4) is dominated by the flip noise
    // above, hence an absolute floor of 1e-4 nats besides the 5 %.
    const double ref_p99 = stat(s, "KL divergence statistics", "99.0% KLD");
    EXPECT_NEAR(r.kld_p99, ref_p99, 0.05 * ref_p99 + 1e-4);
    EXPECT_NEAR(100 * r.same_top.value, stat(s, "Token probability statistics", "Same top p"), 1.0);
    EXPECT_NEAR(100 * r.dp_rms.value, stat(s, "Token probability statistics", "RMS Δp"),
                0.05 * stat(s, "Token probability statistics", "RMS Δp") + 0.01);
    EXPECT_NEAR(r.ln_ppl_ratio.value, stat(s, "Perplexity statistics", "Mean ln(PPL(Q)/PPL(base))"), 1e-3);
    EXPECT_NEAR(r.ppl_base.value, stat(s, "Perplexity statistics", "Mean PPL(base)"),
                1e-4 * stat(s, "Perplexity statistics", "Mean PPL(base)"));
    EXPECT_NEAR(r.ppl_q.value, stat(s, "Perplexity statistics", "Mean PPL(Q)"),
                1e-3 * stat(s, "Perplexity statistics", "Mean PPL(Q)"));
    EXPECT_NEAR(100 * r.cor_ln_ppl, stat(s, "Perplexity statistics", "Cor(ln(PPL(Q)), ln(PPL(base)))"), 0.1);
}

// One test over every file, so the base pass runs once (CTest runs each test in its own process).
TEST(KldVsLlamaCpp, EveryQuantizedM1FileMatchesLlamaPerplexity) {
    Shared* st = shared_state();
    if (!st) GTEST_SKIP() << "needs ../shared (M1, wiki.test.raw, reference/m1.json)";
    for (const char* label : {"pure_Q8_0", "pure_Q4_0", "pure_Q4_1", "pure_Q5_0", "pure_Q5_1", "pure_Q2_K", "pure_Q3_K",
                              "pure_Q4_K", "pure_Q5_K", "pure_Q6_K", "mix_Q2_K", "mix_Q3_K_M", "mix_Q4_K_M", "mix_Q5_K_M",
                              "mix_Q6_K", "mix_Q8_0"})
        check_against_llama_cpp(st, label);
}
