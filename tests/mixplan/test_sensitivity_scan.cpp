// The scan against the slow, independent way: each cell's recipe quantized from the file and run
// through the job runner's `eval --kld` path. Same tensors, same chunks, same base: same figures,
// so the ranking agrees (the bar is Spearman >= 0.9; here on a sample of the cells).
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "common/test_paths.h"
#include "eval/perplexity.h"
#include "eval/statistics.h"
#include "jobs/job_runner.h"
#include "mixplan/mix_recommend.h"
#include "mixplan/sensitivity_record.h"
#include "mixplan/sensitivity_scan.h"
#include "model/model.h"
#include "store/results_store.h"
#include "tokenizer/tokenizer.h"

namespace qs {
namespace {

constexpr const char* kM1 = "models/synthetic/llama-d256-spm512.gguf";
constexpr const char* kWiki = "data/wikitext-2-raw/wiki.test.raw";

double metric(const JobRecord& j, const std::string& key) {
    for (const Metric& m : j.metrics)
        if (m.key == key) return m.value;
    return std::nan("");
}

TEST(SensitivityScan, EveryCellEqualsEvalKldOfItsRecipe) {
    QS_REQUIRE_SHARED(model_path, kM1);
    QS_REQUIRE_SHARED(text, kWiki);
    const auto model = Model::load(model_path);
    const auto tokenizer = Tokenizer::from_gguf(model->file());
    const std::vector<int32_t> tokens = tokenizer->encode(perplexity_read_text(text), true);
    SensitivityOptions opts;
    opts.base = "F32";
    opts.low = {GgmlType::Q2_K};
    opts.ppl.n_ctx = 64;
    opts.ppl.max_chunks = 2;
    Progress progress;
    const SensitivityScan scan = sensitivity_scan(model, *tokenizer, tokens, opts, progress);
    ASSERT_EQ(scan.cells.size(), scan.groups.size());

    EvalMatrix m;
    m.model_path = model_path;
    m.precisions = {"F32"};
    // Every fifth cell (six groups of each role and of output/token_embd): each costs the runner a
    // quantization from the file, which keeps the test short; scripts/bench_sensitivity.py --spearman
    // checks all of them at the c128 x 40.
    std::vector<const SensitivityCell*> checked;
    for (size_t i = 0; i < scan.cells.size(); i += 5) checked.push_back(&scan.cells[i]);
    checked.push_back(&scan.cells.back());
    for (const SensitivityCell* c : checked) m.precisions.push_back(c->recipe);
    m.ppl_path = text;
    m.kld = true;
    m.n_ctx = opts.ppl.n_ctx;
    m.max_chunks = opts.ppl.max_chunks;
    JobRunner runner(m, {});
    const RunRecord run = runner.run();
    std::map<std::string, double> eval_kld;
    for (const JobRecord& j : run.jobs)
        if (j.evaluator == EvaluatorKind::Kld) {
            ASSERT_EQ(j.status, JobStatus::Done) << j.error;
            eval_kld[j.precision] = metric(j, "kld_mean");
        }
    std::vector<double> a, b;
    for (const SensitivityCell* cp : checked) {
        const SensitivityCell& c = *cp;
        ASSERT_TRUE(eval_kld.count(c.recipe)) << c.recipe;
        EXPECT_NEAR(c.kld.value, eval_kld[c.recipe], 1e-6 * eval_kld[c.recipe] + 1e-12) << c.recipe;
        EXPECT_GT(c.kld.value, 0.0) << c.recipe;
        a.push_back(c.kld.value);
        b.push_back(eval_kld[c.recipe]);
    }
    EXPECT_GE(spearman(a, b), 0.9);

    // Stored and read back, the heatmap's table holds every cell.
    ResultsStore store(":memory:");
    RunRecord stored;
    stored.model_path = model_path;
    store.insert_run(stored);
    for (size_t i = 0; i < scan.cells.size(); ++i) {
        JobRecord j = sensitivity_cell_job(scan, scan.cells[i], int(i + 1), "wiki", "{}");
        j.run_id = stored.id;
        store.finish_job(j);
    }
    const SensitivityTable table = sensitivity_table_from_run(store.load_run(stored.id));
    ASSERT_EQ(table.entries.size(), scan.cells.size());
    EXPECT_EQ(table.n_layers, 4);
    EXPECT_EQ(table.roles.size(), 9u);
    const SensitivityEntry* e = table.find(2, "ffn_down", "q2_K");
    ASSERT_NE(e, nullptr);
    EXPECT_DOUBLE_EQ(e->kld, scan.cell(2 * 7 + 6, 0).kld.value);
}

}  // namespace
}  // namespace qs
