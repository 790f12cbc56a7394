// llama-perplexity --hellaswag against our task evaluator: stories260K, llama.cpp's HellaSwag text
// file, 200 tasks in llama.cpp's randomized order, n_ctx 512 (../shared/reference, llama.cpp
// b9928). Every running accuracy llama.cpp printed must be ours, and so must its Wilson interval.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/test_paths.h"
#include "datasets/task_dataset.h"
#include "eval/task_eval.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

using namespace qs;

TEST(TaskHellaswagReference, Stories260KMatchesLlamaCppRunningAccuracy) {
    QS_REQUIRE_SHARED(model_path, "models/stories260K.gguf");
    QS_REQUIRE_SHARED(data_path, "data/hellaswag/hellaswag_val_full.txt.bz2");
    QS_REQUIRE_SHARED(ref_path, "reference/stories260K.json");
    std::ifstream in(ref_path);
    const auto ref = nlohmann::json::parse(in)["hellaswag_200"];
    const auto& running = ref["per_task_running"];
    ASSERT_EQ(running.size(), 200u);

    auto model = Model::load(model_path);
    auto tokenizer = Tokenizer::from_gguf(model->file());
    const TaskDataset ds = dataset_load("hellaswag-llamacpp", data_path);
    ASSERT_EQ(ds.items.size(), 10042u);  // "loaded 10042 tasks from prompt"

    ModelContext ctx(model, 512);
    TaskEvalOptions opts;
    opts.limit = 200;
    opts.sampling = TaskSampling::LlamaCppHellaswag;
    Progress progress;
    const TaskResult r = task_evaluate(ctx, *tokenizer, ds, opts, progress);

    EXPECT_EQ(r.tokenization, TaskTokenization::LlamaCpp);
    EXPECT_EQ(r.primary, TaskScore::PerToken);
    EXPECT_EQ(progress.done(), 200);
    ASSERT_EQ(r.running_acc.size(), 200u);
    int64_t correct = 0;
    for (size_t i = 0; i < 200; ++i) {
        correct += r.items[i].correct_per_token;
        const auto& row = running[i];
        ASSERT_EQ(row["task"].get<int>(), int(i + 1));
        // llama.cpp prints %.8lf of acc/n*100: equality up to the printed digits.
        EXPECT_NEAR(r.running_acc[i], row["acc_norm_pct"].get<double>(), 5e-9) << "task " << i + 1;
        const Interval ci = wilson_interval(correct, int64_t(i + 1));
        EXPECT_NEAR(100.0 * ci.lo, row["ci95_pct"][0].get<double>(), 5e-5) << "task " << i + 1;
        EXPECT_NEAR(100.0 * ci.hi, row["ci95_pct"][1].get<double>(), 5e-5) << "task " << i + 1;
    }
    const Metric* m = metric_find(r.metrics, "acc_per_token");
    ASSERT_NE(m, nullptr);
    EXPECT_NEAR(m->value, ref["final"]["acc_norm_pct"].get<double>(), 1e-9);
    EXPECT_NEAR(m->ci_low, ref["final"]["ci95_pct"][0].get<double>(), 5e-5);
    EXPECT_NEAR(m->ci_high, ref["final"]["ci95_pct"][1].get<double>(), 5e-5);
    std::printf("[ reference ] HellaSwag 200 stories260K: ours %.4f %% [%.4f, %.4f], llama.cpp %.4f %%\n", m->value,
                m->ci_low, m->ci_high, ref["final"]["acc_norm_pct"].get<double>());
}
