// The architecture zoo (../shared/models/zoo: qwen3, gemma3, phi3, gemma2, qwen3moe, each with its
// llama-quantize Q8_0 and Q4_K_M) against llama.cpp b9928's own figures (../shared/reference/zoo.json).
//
// Per architecture, one test: the token count of the whole wiki.test.raw, then the running
// perplexity of every file at c128 and c512 and the mean KL divergence of each quantized file
// against the original, compared value by value with what llama-perplexity printed after the
// same chunk. Bounds from the issue: 0.05 % for the F32/F16 originals, 0.3 % for the quantized
// files, 3 % for the Q4_K_M mean KLD (see test_perplexity_reference.cpp for why running values
// over fewer than 250 tokens are not checked).
//
// zoo-sensitivity.json shows what the bounds must catch: on the first c128 chunks a missing
// sliding window, a wrong local RoPE base, swapped GLU halves, missing Q/K norms or a missing
// top-k renormalisation move the PPL by 0.3-20 % and the KLD by 0.01-2 nats.
//
// By default 4 chunks of 128 and 1 of 512 run (every value llama.cpp printed for them is
// compared); QS_ZOO_FULL=1 runs the full c128x40 and c512x10 (a few minutes).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/test_paths.h"
#include "eval/kl_divergence.h"
#include "eval/perplexity.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

using namespace qs;
using json = nlohmann::json;

namespace {

bool full_run() {
    const char* v = std::getenv("QS_ZOO_FULL");
    return v && *v && std::string(v) != "0";
}

constexpr double kFloatTol = 5e-4;      // issue: 0.05 % for F32/F16 weights
constexpr double kQuantizedTol = 3e-3;  // issue: 0.3 % for quantized files
constexpr double kKldTol = 0.03;        // issue: Q4_K_M mean KLD within 3 %
constexpr int64_t kMinTokens = 250;     // running values over fewer scored tokens are too noisy to compare

struct Setting {
    int n_ctx;
    int chunks;
};

void expect_running(const std::vector<double>& ours, const json& ref_values, int n_ctx, double tol, const std::string& what) {
    const int64_t per_chunk = n_ctx - n_ctx / 2 - 1;
    ASSERT_LE(ours.size(), ref_values.size()) << what;
    for (size_t i = 0; i < ours.size(); ++i) {
        const double ref = ref_values[i].is_object() ? ref_values[i]["ppl"].get<double>() : ref_values[i].get<double>();
        if (int64_t(i + 1) * per_chunk < kMinTokens) continue;
        EXPECT_NEAR(ours[i], ref, tol * ref) << what << " chunk " << i + 1;
    }
    if (!ours.empty()) {
        const size_t last = ours.size() - 1;
        const double ref = ref_values[last].is_object() ? ref_values[last]["ppl"].get<double>() : ref_values[last].get<double>();
        std::printf("[ zoo ] %-44s after %zu chunks: ours %.4f, llama.cpp %.4f (%+.4f %%)\n", what.c_str(), ours.size(),
                    ours[last], ref, 100.0 * (ours[last] / ref - 1.0));
    }
}

std::vector<double> running_of(const KldReport& r) {
    std::vector<double> out;
    for (const auto& c : r.per_chunk) out.push_back(c.ppl.value);
    return out;
}

void check_family(const std::string& stem) {
    QS_REQUIRE_SHARED(ref_path, "reference/zoo.json");
    QS_REQUIRE_SHARED(text_path, "data/wikitext-2-raw/wiki.test.raw");
    QS_REQUIRE_SHARED(original_path, "models/zoo/" + stem + ".gguf");
    std::ifstream in(ref_path);
    const json files = json::parse(in)["files"];
    const json& ref = files["models/zoo/" + stem + ".gguf"];
    const bool full = full_run();
    const Setting c128{128, full ? 40 : 4}, c512{512, full ? 10 : 1};

    const auto original = Model::load(original_path);
    const auto tokenizer = Tokenizer::from_gguf(original->file());
    const std::vector<int32_t> tokens = tokenizer->encode(perplexity_read_text(text_path), true);
    // llama-tokenize counts the whole file, final newline included (llama-perplexity drops it).
    std::ifstream raw(text_path, std::ios::binary);
    const std::string whole((std::istreambuf_iterator<char>(raw)), std::istreambuf_iterator<char>());
    EXPECT_EQ(int64_t(tokenizer->encode(whole, true).size()), ref["n_tokens"].get<int64_t>()) << "token count of wiki.test.raw";

    Progress progress;
    // c128: the original's pass is the KLD base; its perplexity is the original's figure.
    ModelContext base_ctx(original, c128.n_ctx);
    const KldBase base = kld_base_collect(base_ctx, *tokenizer, tokens, {c128.n_ctx, c128.chunks}, progress);
    expect_running(base.perplexity.running_ppl, ref["ppl_c128x40"]["running_ppl"], c128.n_ctx, kFloatTol, stem + " c128");

    ModelContext ctx512(original, c512.n_ctx);
    const PerplexityResult p512 = perplexity_run(ctx512, *tokenizer, tokens, {c512.n_ctx, c512.chunks}, progress);
    expect_running(p512.running_ppl, ref["ppl_c512x10"]["running_ppl"], c512.n_ctx, kFloatTol, stem + " c512");

    for (const std::string quant : {"Q8_0", "Q4_K_M"}) {
        const std::string name = "models/zoo/" + stem + "-" + quant + ".gguf";
        const json& qref = files[name];
        const auto model = Model::load(test::shared_path(name));
        ModelContext qctx(model, c128.n_ctx);
        const KldReport r = kld_run(qctx, *tokenizer, tokens, {c128.n_ctx, c128.chunks}, base.cache, progress);
        const json& per_chunk = qref["kld_c128x40_full"]["per_chunk_running"];
        expect_running(running_of(r), per_chunk, c128.n_ctx, kQuantizedTol, stem + "-" + quant + " c128");
        if (quant == "Q4_K_M") {
            const double ref_kld = full ? qref["kld_mean"]["value"].get<double>()
                                        : per_chunk[size_t(c128.chunks - 1)]["kld"].get<double>();
            EXPECT_NEAR(r.kld.value, ref_kld, kKldTol * ref_kld) << stem << "-Q4_K_M mean KLD";
            std::printf("[ zoo ] %-44s mean KLD ours %.6f, llama.cpp %.6f (%+.2f %%)\n", (stem + "-Q4_K_M").c_str(),
                        r.kld.value, ref_kld, 100.0 * (r.kld.value / ref_kld - 1.0));
        }
        ModelContext q512(model, c512.n_ctx);
        const PerplexityResult q = perplexity_run(q512, *tokenizer, tokens, {c512.n_ctx, c512.chunks}, progress);
        expect_running(q.running_ppl, qref["ppl_c512x10"]["running_ppl"], c512.n_ctx, kQuantizedTol, stem + "-" + quant + " c512");
    }
}

}  // namespace

TEST(ZooVsLlamaCpp, Qwen3) { check_family("qwen3-d256-bpe4k"); }
TEST(ZooVsLlamaCpp, Gemma3) { check_family("gemma3-d256-spm512"); }
TEST(ZooVsLlamaCpp, Phi3) { check_family("phi3-d256-spm512"); }
TEST(ZooVsLlamaCpp, Gemma2) { check_family("gemma2-d256-spm512"); }
TEST(ZooVsLlamaCpp, Qwen3Moe) { check_family("qwen3moe-d256-spm512"); }
