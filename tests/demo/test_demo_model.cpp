// The demo model on the demo datasets: it must have learned something real, i.e. beat a unigram model
// on held-out text and pick the true next word of held-out verses well above chance, and every weight row must suit
// every K-quant (rows a multiple of 256).
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/test_paths.h"
#include "datasets/task_dataset.h"
#include "demo/demo_assets.h"
#include "demo/demo_test_support.h"
#include "demo/kjv_text.h"
#include "eval/perplexity.h"
#include "eval/task_eval.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace {

#define QS_REQUIRE_DEMO_MODEL()                                                             \
    if (!std::filesystem::exists(QS_DEMO_MODEL_FILE))                                      \
    GTEST_SKIP() << "the demo model " << QS_DEMO_MODEL_FILE << " is absent"

struct DemoFixture {
    std::shared_ptr<const qs::Model> model;
    std::unique_ptr<qs::Tokenizer> tokenizer;
    qs::DemoAssets assets;
};

DemoFixture load_demo() {
    DemoFixture f;
    qs::Progress progress;
    f.assets = qs::demo_prepare(qs::test::temp_dir() + "/demo", progress);
    f.model = qs::Model::load(f.assets.model_path);
    f.tokenizer = qs::Tokenizer::from_gguf(f.model->file());
    return f;
}

}  // namespace

TEST(DemoModel, EveryWeightRowIsAMultipleOf256) {
    QS_REQUIRE_DEMO_MODEL();
    auto model = qs::Model::load(QS_DEMO_MODEL_FILE);
    int n_matrices = 0;
    for (const auto& t : model->file().tensors()) {
        if (t.ne.size() < 2) continue;  // norms are not quantized
        EXPECT_EQ(t.ne[0] % 256, 0) << t.name << " rows of " << t.ne[0];
        ++n_matrices;
    }
    EXPECT_EQ(n_matrices, 2 + 7 * model->hparams().n_layer);
}

TEST(DemoModel, TokenizerRoundTripsHeldOutText) {
    QS_REQUIRE_KJV();
    QS_REQUIRE_DEMO_MODEL();
    auto demo = load_demo();
    std::string text = qs::perplexity_read_text(demo.assets.corpus_path).substr(0, 50000);
    auto ids = demo.tokenizer->encode(text, false);
    EXPECT_EQ(demo.tokenizer->decode(ids), text);
    EXPECT_LT(ids.size(), text.size() / 3) << "the learned vocabulary should merge characters";
}

TEST(DemoModel, BeatsUnigramOnHeldOutText) {
    QS_REQUIRE_KJV();
    QS_REQUIRE_DEMO_MODEL();
    auto demo = load_demo();
    const int64_t n_vocab = demo.tokenizer->n_tokens();

    // Unigram model fitted to the TRAINING books, same tokenizer, add-one smoothing.
    auto train_ids = demo.tokenizer->encode(qs::kjv_books_text(qs::kjv_select(qs::kjv_read(), false)), false);
    std::vector<double> counts(size_t(n_vocab), 1.0);
    for (int32_t t : train_ids) counts[size_t(t)] += 1.0;
    const double total = double(train_ids.size()) + double(n_vocab);

    auto ids = demo.tokenizer->encode(qs::perplexity_read_text(demo.assets.corpus_path), true);
    qs::ModelContext ctx(demo.model, 512);
    qs::PerplexityOptions opts;
    opts.max_chunks = 24;  // ~6k scored tokens: enough to separate the two by far, quick to run
    qs::NllStats unigram;
    qs::Progress progress;
    auto res = qs::perplexity_run(ctx, *demo.tokenizer, ids, opts, progress,
                                  [&](int, std::span<const float>, std::span<const int32_t> targets) {
                                      for (int32_t t : targets) unigram.add(-std::log(counts[size_t(t)] / total));
                                  });
    ASSERT_EQ(unigram.count, res.tokens_scored);
    std::printf("demo model PPL %.3f +/- %.3f, unigram PPL %.3f over %lld tokens\n", res.ppl, res.ppl_stderr,
                unigram.ppl(), (long long)res.tokens_scored);
    EXPECT_LT(res.ppl + 3 * res.ppl_stderr, unigram.ppl());
    EXPECT_LT(res.ppl, 0.5 * unigram.ppl()) << "clearly better, not marginally";
}

TEST(DemoModel, PicksTheNextWordWellAboveChance) {
    QS_REQUIRE_KJV();
    QS_REQUIRE_DEMO_MODEL();
    auto demo = load_demo();
    auto task = qs::dataset_load(demo.assets.task_format, demo.assets.task_path);
    qs::ModelContext ctx(demo.model, 512);
    qs::TaskEvalOptions opts;
    opts.limit = 200;  // a seeded half keeps the run short; acc's standard error is still ~3.3 points
    opts.primary = qs::TaskScore::Raw;
    qs::Progress progress;
    auto res = qs::task_evaluate(ctx, *demo.tokenizer, task, opts, progress);
    int correct = 0;
    for (const auto& it : res.items) correct += it.correct_acc;
    const double n = double(res.items.size());
    const double acc = correct / n;
    const double se = std::sqrt(acc * (1 - acc) / (n - 1));
    std::printf("next-word acc %.3f +/- %.3f over %d items (chance 0.25)\n", acc, se, int(n));
    EXPECT_EQ(res.items.size(), 200u);
    EXPECT_GT(acc - 3 * se, 0.25);
}
