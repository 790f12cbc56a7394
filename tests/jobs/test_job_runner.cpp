// The job runner on stories260K (skipped without ../shared): failures stay local, cancellation,
// weights prepared once per precision, the memory budget, bad dataset lines.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "common/test_paths.h"
#include "core/error.h"
#include "eval/perplexity.h"
#include "jobs/job_decision.h"
#include "jobs/job_runner.h"
#include "model/model.h"
#include "quant/precision_recipe.h"
#include "quant/quantize_model.h"
#include "store/file_hash.h"
#include "store/results_store.h"
#include "tokenizer/tokenizer.h"

namespace {

using qs::JobStatus;

// A text long enough for a few 64-token chunks.
std::string write_text(const std::string& dir) {
    std::string text;
    for (int i = 0; i < 60; ++i)
        text += "Once upon a time there was a little girl named Lily. She liked to play in the park with her dog. ";
    const std::string path = dir + "/story.txt";
    std::ofstream(path) << text;
    return path;
}

qs::EvalMatrix small_matrix(const std::string& model, const std::string& text) {
    qs::EvalMatrix m;
    m.model_path = model;
    m.precisions = {"F32", "Q4_0", "F16"};  // Q4_0 cannot be made: n_ff = 172 is no multiple of 32
    m.ppl_path = text;
    m.kld = true;
    m.n_ctx = 64;
    m.max_chunks = 3;
    return m;
}

// Records what the runner reports, from any thread.
class Recorder : public qs::JobObserver {
public:
    std::function<void(const qs::JobRecord&, const qs::JobProgress&)> on_progress;
    std::function<void(const qs::JobRecord&)> on_started;
    void job_started(const qs::JobRecord& j) override {
        {
            std::lock_guard lock(mutex);
            max_running = std::max(max_running, ++running);
        }
        if (on_started) on_started(j);
    }
    void job_progress(const qs::JobRecord& j, const qs::JobProgress& p) override {
        ++progress_calls;
        // Past the start an ETA is known (0 at the end); at the start it is not (-1).
        if (p.done > p.total || p.stage.empty() || (p.done > 0) != (p.eta_seconds >= 0)) ++bad_progress;
        if (p.done == p.total && p.total > 0 && p.eta_seconds == 0) ++progress_with_eta;
        if (on_progress) on_progress(j, p);
    }
    void job_finished(const qs::JobRecord& j) override {
        std::lock_guard lock(mutex);
        --running;
        finished.push_back(j);
    }
    void run_finished(const qs::RunRecord& r) override {
        std::lock_guard lock(mutex);
        finished_run = r;
    }
    void job_message(const qs::JobRecord&, const std::string& m) override {
        std::lock_guard lock(mutex);
        messages.push_back(m);
    }
    std::mutex mutex;
    int running = 0, max_running = 0;
    std::atomic<int> progress_calls{0}, bad_progress{0}, progress_with_eta{0};
    std::vector<qs::JobRecord> finished;
    std::vector<std::string> messages;
    qs::RunRecord finished_run;
};

TEST(JobRunner, FailingJobsStayLocalAndWeightsArePreparedOnce) {
    QS_REQUIRE_SHARED(model_path, "models/stories260K.gguf");
    const std::string dir = qs::test::temp_dir();
    const std::string text = write_text(dir);
    qs::ResultsStore store(dir + "/a.db");
    Recorder rec;
    qs::JobRunner runner(small_matrix(model_path, text), {.workers = 1, .threads = 1, .store = &store, .observer = &rec});
    const qs::RunRecord run = runner.run();

    // F32 ppl, F16 ppl + kld done; Q4_0 ppl + kld failed with the quantizer's message.
    ASSERT_EQ(run.jobs.size(), 5u);
    for (const qs::JobRecord& j : run.jobs) {
        if (j.precision == "Q4_0") {
            EXPECT_EQ(j.status, JobStatus::Failed);
            EXPECT_NE(j.error.find("ffn_down"), std::string::npos) << j.error;
        } else {
            EXPECT_EQ(j.status, JobStatus::Done) << j.error;
        }
    }
    EXPECT_EQ(runner.weights_prepared_count(), 2);  // F32 and F16, each once for its jobs
    EXPECT_EQ(rec.finished.size(), 5u);
    EXPECT_EQ(rec.finished_run.id, run.id);
    EXPECT_FALSE(rec.finished_run.finished_at.empty());
    EXPECT_EQ(rec.finished_run.jobs.size(), 5u);
    EXPECT_GT(rec.progress_calls.load(), 0);
    EXPECT_EQ(rec.bad_progress.load(), 0);
    EXPECT_GT(rec.progress_with_eta.load(), 0);  // each stage's end is always reported

    // The stored F32 perplexity is what perplexity_run gives on its own.
    auto model = qs::Model::load(model_path);
    auto tok = qs::Tokenizer::from_gguf(model->file());
    qs::ModelContext ctx(model, 64);
    qs::Progress progress;
    const auto tokens = tok->encode(qs::perplexity_read_text(text), true);
    const auto direct = qs::perplexity_run(ctx, *tok, tokens, {.n_ctx = 64, .max_chunks = 3}, progress);
    const qs::RunRecord stored = store.load_run(run.id);
    ASSERT_EQ(stored.jobs.size(), 5u);
    EXPECT_EQ(stored.jobs[0].precision, "F32");
    EXPECT_DOUBLE_EQ(qs::metric_find(stored.jobs[0].metrics, "ppl")->value, direct.ppl);
    EXPECT_FALSE(stored.finished_at.empty());
    // F16 against F32: a small but non-zero divergence, same top token almost always.
    const qs::JobRecord& kld = stored.jobs[4];
    ASSERT_EQ(kld.evaluator, qs::EvaluatorKind::Kld);
    EXPECT_EQ(kld.status, JobStatus::Done);
    const double kld_mean = qs::metric_find(kld.metrics, "kld_mean")->value;
    EXPECT_GT(kld_mean, 0.0);
    EXPECT_LT(kld_mean, 1e-3);
    EXPECT_GT(qs::metric_find(kld.metrics, "same_top_p")->value, 90.0);
    // Its size rides along (F16 matrices, F32 norms: just over 16 bits), for the KLD-against-size chart.
    ASSERT_NE(qs::metric_find(kld.metrics, "bits_per_weight"), nullptr);
    EXPECT_GT(qs::metric_find(kld.metrics, "bits_per_weight")->value, 16.0);
    EXPECT_LT(qs::metric_find(kld.metrics, "bits_per_weight")->value, 16.5);
    EXPECT_EQ(store.integrity_check(), "ok");
}

TEST(JobRunner, CancelAllStopsTheRunningJobAndTheQueue) {
    QS_REQUIRE_SHARED(model_path, "models/stories260K.gguf");
    const std::string dir = qs::test::temp_dir();
    qs::ResultsStore store(":memory:");
    Recorder rec;
    auto m = small_matrix(model_path, write_text(dir));
    m.precisions = {"F32", "F16"};
    qs::JobRunner runner(m, {.threads = 1, .store = &store, .observer = &rec});
    rec.on_progress = [&](const qs::JobRecord& j, const qs::JobProgress& p) {
        if (j.index == 0 && p.done > 0) runner.cancel_all();
    };
    const qs::RunRecord run = runner.run();
    for (const qs::JobRecord& j : run.jobs) EXPECT_EQ(j.status, JobStatus::Cancelled) << j.index;
    for (const qs::JobRecord& j : store.load_run(run.id).jobs) EXPECT_EQ(j.status, JobStatus::Cancelled);
}

TEST(JobRunner, CancelOneJob) {
    QS_REQUIRE_SHARED(model_path, "models/stories260K.gguf");
    const std::string dir = qs::test::temp_dir();
    auto m = small_matrix(model_path, write_text(dir));
    m.precisions = {"F32", "F16"};
    m.kld = false;
    Recorder rec;
    qs::JobRunner runner(m, {.threads = 1, .observer = &rec});
    rec.on_progress = [&](const qs::JobRecord& j, const qs::JobProgress&) {
        if (j.index == 0) runner.cancel_job(1);  // the queued F16 job, before it starts
    };
    const qs::RunRecord run = runner.run();
    EXPECT_EQ(run.jobs[0].status, JobStatus::Done);
    EXPECT_EQ(run.jobs[1].status, JobStatus::Cancelled);
    EXPECT_EQ(runner.weights_prepared_count(), 1);  // the cancelled job never prepared F16
}

TEST(JobRunner, MemoryBudgetRefusesAndSerialises) {
    QS_REQUIRE_SHARED(model_path, "models/stories260K.gguf");
    const std::string dir = qs::test::temp_dir();
    auto m = small_matrix(model_path, write_text(dir));
    m.precisions = {"F32", "F16"};
    {
        qs::JobRunner runner(m, {.threads = 1, .memory_budget = 4096});
        const qs::RunRecord run = runner.run();
        for (const qs::JobRecord& j : run.jobs) {
            EXPECT_EQ(j.status, JobStatus::Failed);
            EXPECT_NE(j.error.find("budget"), std::string::npos) << j.error;
        }
        EXPECT_EQ(runner.weights_prepared_count(), 0);
    }
    {
        // Room for the larger job alone: two workers still never run the two together.
        m.kld = false;
        qs::JobRunner probe(m, {.threads = 1, .memory_budget = 4096});
        probe.start();
        uint64_t largest = 0;
        for (const auto& e : probe.memory_estimates()) largest = std::max(largest, e.total());
        probe.cancel_all();
        probe.wait();
        Recorder rec;
        // Job 0 lingers so the other worker surely looks for work while it runs.
        rec.on_started = [](const qs::JobRecord& j) {
            if (j.index == 0) std::this_thread::sleep_for(std::chrono::milliseconds(300));
        };
        qs::JobRunner runner(m, {.workers = 2, .threads = 2, .memory_budget = largest + 1, .observer = &rec});
        const qs::RunRecord run = runner.run();
        for (const qs::JobRecord& j : run.jobs) EXPECT_EQ(j.status, JobStatus::Done) << j.error;
        EXPECT_EQ(rec.max_running, 1);
        ASSERT_FALSE(rec.messages.empty());  // the wait is said, not silent
        EXPECT_NE(rec.messages[0].find("waiting for memory"), std::string::npos) << rec.messages[0];
    }
}

// ARC lines, the second one malformed.
std::string write_arc(const std::string& dir) {
    const std::string path = dir + "/arc-bad.jsonl";
    std::ofstream out(path);
    for (int i = 0; i < 4; ++i) {
        if (i == 1) {
            out << "{\"id\":\"broken\",\"question\":{\"stem\":\"no choices\"}}\n";
            continue;
        }
        out << R"({"id":"q)" << i
            << R"(","question":{"stem":"Where does a dog like to play?","choices":[{"text":"in the park","label":"A"},{"text":"in the sky","label":"B"}]},"answerKey":"A"})"
            << "\n";
    }
    return path;
}

TEST(JobRunner, MalformedDatasetLineStopsOrIsSkippedAndReported) {
    QS_REQUIRE_SHARED(model_path, "models/stories260K.gguf");
    const std::string dir = qs::test::temp_dir();
    const std::string arc = write_arc(dir);
    qs::EvalMatrix m;
    m.model_path = model_path;
    m.precisions = {"F32"};
    m.tasks = {{"arc", arc, ""}};
    m.task_n_ctx = 128;
    {
        qs::ResultsStore store(":memory:");
        qs::JobRunner runner(m, {.threads = 1, .store = &store});
        try {
            runner.start();
            FAIL() << "a malformed line must stop the run";
        } catch (const qs::Error& e) {
            EXPECT_NE(std::string(e.what()).find(arc + ":2:"), std::string::npos) << e.what();
        }
        EXPECT_TRUE(store.list_runs().empty());  // nothing was stored
    }
    m.on_bad_line = qs::BadLinePolicy::Skip;
    Recorder rec;
    qs::JobRunner runner(m, {.threads = 1, .observer = &rec});
    const qs::RunRecord run = runner.run();
    ASSERT_EQ(run.jobs.size(), 1u);
    EXPECT_EQ(run.jobs[0].status, JobStatus::Done) << run.jobs[0].error;
    EXPECT_EQ(qs::metric_find(run.jobs[0].metrics, "items")->value, 3.0);
    EXPECT_EQ(qs::metric_find(run.jobs[0].metrics, "items_skipped")->value, 1.0);
    EXPECT_EQ(run.jobs[0].item_correct.size(), 3u);
    ASSERT_EQ(rec.messages.size(), 1u);
    EXPECT_NE(rec.messages[0].find(arc + ":2:"), std::string::npos) << rec.messages[0];
}

}  // namespace

namespace {

// A task on two precisions: the second carries its paired comparison with the baseline; a bench job
// runs alone and reports speed and memory.
TEST(JobRunner, TaskComparisonAndBench) {
    QS_REQUIRE_SHARED(model_path, "models/stories260K.gguf");
    QS_REQUIRE_SHARED(arc, "data/arc/ARC-Easy-Test.jsonl");
    qs::EvalMatrix m;
    m.model_path = model_path;
    m.precisions = {"F32", "F16"};
    m.tasks = {{"arc", arc, "", 12}};  // the task's own limit wins over the matrix's
    m.task_limit = 50;
    m.task_n_ctx = 256;
    m.bench = true;
    m.bench_prompt = 16;
    m.bench_gen = 4;
    m.bench_repetitions = 1;
    qs::JobRunner runner(m, {.workers = 2, .threads = 2});
    const qs::RunRecord run = runner.run();
    ASSERT_EQ(run.jobs.size(), 4u);  // F32 arc, F32 bench, F16 arc, F16 bench
    for (const qs::JobRecord& j : run.jobs) ASSERT_EQ(j.status, JobStatus::Done) << j.index << ": " << j.error;
    const qs::JobRecord& base = run.jobs[0];
    const qs::JobRecord& f16 = run.jobs[2];
    ASSERT_EQ(f16.evaluator, qs::EvaluatorKind::Task);
    EXPECT_EQ(f16.item_correct.size(), 12u);
    EXPECT_EQ(f16.calibration.size(), 15u);
    EXPECT_EQ(qs::metric_find(base.metrics, "acc_delta"), nullptr);  // the baseline is not compared with itself
    ASSERT_NE(qs::metric_find(f16.metrics, "acc_delta"), nullptr);
    EXPECT_NEAR(qs::metric_find(f16.metrics, "acc_delta")->value,
                qs::metric_find(f16.metrics, "acc")->value - qs::metric_find(base.metrics, "acc")->value, 1e-9);
    ASSERT_NE(qs::metric_find(f16.metrics, "mcnemar_p"), nullptr);
    const qs::JobRecord& bench = run.jobs[1];
    ASSERT_EQ(bench.evaluator, qs::EvaluatorKind::Bench);
    EXPECT_GT(qs::metric_find(bench.metrics, "pp_tps")->value, 0.0);
    // F16 weights take fewer bytes than F32's.
    EXPECT_LT(qs::metric_find(run.jobs[3].metrics, "weight_bytes")->value, qs::metric_find(bench.metrics, "weight_bytes")->value);
}

// --until-decided: chunks and items in a seeded random order; the baseline scores them all, each
// other precision stops at its decision, and what it reports is exactly a run over that prefix.
TEST(JobRunner, UntilDecidedStopsEachPrecisionAtItsDecision) {
    QS_REQUIRE_SHARED(model_path, "models/stories260K.gguf");
    QS_REQUIRE_SHARED(arc, "data/arc/ARC-Easy-Test.jsonl");
    const std::string dir = qs::test::temp_dir();
    const std::string text = write_text(dir);
    qs::EvalMatrix m;
    m.model_path = model_path;
    m.precisions = {"F32", "F16"};
    m.ppl_path = text;
    m.n_ctx = 64;
    m.tasks = {{"arc", arc, "", 60}};
    m.task_n_ctx = 256;
    m.until_decided = true;
    m.decision_margin = 20;  // wide: F16 is decided non-inferior at the first look of each kind
    Recorder rec;
    qs::JobRunner runner(m, {.workers = 1, .threads = 1, .observer = &rec});
    const qs::RunRecord run = runner.run();
    ASSERT_EQ(run.jobs.size(), 4u);  // F32 ppl, F32 arc, F16 ppl, F16 arc
    for (const qs::JobRecord& j : run.jobs) ASSERT_EQ(j.status, JobStatus::Done) << j.index << ": " << j.error;
    const qs::JobRecord &base_ppl = run.jobs[0], &base_arc = run.jobs[1], &ppl = run.jobs[2], &task = run.jobs[3];
    ASSERT_EQ(ppl.evaluator, qs::EvaluatorKind::Perplexity);
    ASSERT_EQ(task.evaluator, qs::EvaluatorKind::Task);

    auto value = [](const qs::JobRecord& j, const char* key) {
        const qs::Metric* metric = qs::metric_find(j.metrics, key);
        if (!metric) ADD_FAILURE() << "job " << j.index << " has no " << key;
        return metric ? metric->value : std::nan("");
    };
    auto model = qs::Model::load(model_path);
    auto tok = qs::Tokenizer::from_gguf(model->file());
    const auto tokens = tok->encode(qs::perplexity_read_text(text), true);
    const int all_chunks = int(tokens.size() / 64);
    ASSERT_GT(all_chunks, qs::kDecisionMinChunks + 2);
    // The baseline is never stopped: every chunk and item, and no verdict of its own.
    EXPECT_EQ(base_arc.item_correct.size(), 60u);
    EXPECT_EQ(qs::metric_find(base_ppl.metrics, "decided_after"), nullptr);
    // F16 stops at the first look: non-inferior.
    ASSERT_NE(qs::metric_find(ppl.metrics, "decided_after"), nullptr);
    EXPECT_EQ(value(ppl, "decided_after"), qs::kDecisionMinChunks);
    EXPECT_EQ(value(ppl, "decision"), double(qs::SequentialVerdict::NonInferior));
    EXPECT_GE(task.item_correct.size(), size_t(qs::kDecisionMinItems));
    EXPECT_LT(task.item_correct.size(), 60u);
    EXPECT_EQ(value(task, "decided_after"), double(task.item_correct.size()));
    EXPECT_EQ(value(task, "decision"), double(qs::SequentialVerdict::NonInferior));

    // Its perplexity is a random-order run over the same first chunks (the same seed), and the
    // stated difference is the mean of the per-chunk differences against the baseline's chunks.
    qs::PerplexityOptions popts{.n_ctx = 64, .max_chunks = qs::kDecisionMinChunks, .random_order = true, .order_seed = m.seed};
    qs::QuantizeModelOptions q;
    q.mix = qs::PrecisionRecipe::parse("F16").options;
    qs::Progress progress;
    const auto f16 = qs::Model::with_weights(*model, qs::quantize_model_in_memory(model->file(), q, progress).tensors);
    qs::ModelContext ctx(f16, 64);
    const auto direct = qs::perplexity_run(ctx, *tok, tokens, popts, progress);
    EXPECT_DOUBLE_EQ(value(ppl, "ppl"), direct.ppl);
    EXPECT_EQ(value(ppl, "tokens_scored"), double(direct.tokens_scored));
    EXPECT_EQ(value(base_ppl, "tokens_scored"), double(direct.tokens_scored / qs::kDecisionMinChunks * all_chunks));
    std::vector<int> order = qs::perplexity_chunk_order(all_chunks, popts);
    order.resize(qs::kDecisionMinChunks);
    EXPECT_EQ(direct.chunk_order, order);
    EXPECT_FALSE(std::is_sorted(order.begin(), order.end()));  // a shuffled prefix, not the text's first chunks

    // The task comparison covers the prefix both scored: acc_delta is F16's accuracy minus the
    // baseline's on those same items.
    int base_right = 0;
    for (size_t k = 0; k < task.item_correct.size(); ++k) base_right += base_arc.item_correct[k];
    const double base_acc = 100.0 * base_right / double(task.item_correct.size());
    EXPECT_NEAR(value(task, "acc_delta"), value(task, "acc") - base_acc, 1e-9);
    bool said = false;
    for (const std::string& msg : rec.messages) said |= msg.rfind("decided after", 0) == 0;
    EXPECT_TRUE(said);
}

}  // namespace

TEST(JobRunner, RecipePatternThatMatchesNoTensorRefusesTheRun) {
    QS_REQUIRE_SHARED(model_path, "models/stories260K.gguf");
    const std::string dir = qs::test::temp_dir();
    qs::EvalMatrix m = small_matrix(model_path, write_text(dir));
    m.precisions = {"F32", "F16+output=q8_0", "Q8_0+ffn_dwn=q8_0"};
    m.precision_names = {{"F16+output=q8_0", "f16 out q8"}};
    qs::ResultsStore store(dir + "/r.db");
    Recorder rec;
    qs::JobRunner refused(m, {.workers = 1, .threads = 1, .store = &store, .observer = &rec});
    try {
        refused.start();
        FAIL() << "a pattern that matches no tensor was accepted";
    } catch (const qs::Error& e) {
        EXPECT_NE(std::string(e.what()).find("'ffn_dwn=q8_0'"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(model_path), std::string::npos) << e.what();  // names the file
    }
    EXPECT_TRUE(store.list_runs().empty());  // refused before the run is stored

    // Without it the run goes, and the name is stored with every job of that precision.
    m.precisions.pop_back();
    const qs::RunRecord run = qs::JobRunner(m, {.workers = 1, .threads = 1, .store = &store}).run();
    const qs::RunRecord stored = store.load_run(run.id);
    int named = 0;
    for (const qs::JobRecord& j : stored.jobs) {
        EXPECT_EQ(j.status, JobStatus::Done) << j.error;
        EXPECT_EQ(j.precision_name, j.precision == "F32" ? "" : "f16 out q8");
        named += j.precision_name == "f16 out q8";
    }
    EXPECT_EQ(named, 2);  // perplexity and KLD
}

// eval --imatrix: a quantized precision made with an importance matrix is llama-quantize's
// --imatrix result (so its perplexity equals that of llama.cpp's file, bit for bit), and the run
// records which matrix: its path, SHA-256 and calibration text.
TEST(JobRunner, ImatrixPrecisionEqualsLlamaQuantizeFileAndIsRecorded) {
    QS_REQUIRE_SHARED(model_path, "models/synthetic/llama-d256-spm512.gguf");
    QS_REQUIRE_SHARED(imatrix_path, "models/zoo/m1-wiki-c128x20.imatrix.gguf");
    QS_REQUIRE_SHARED(reference_file, "models/zoo/m1-pure-IQ4_NL-imat.gguf");
    const std::string text = write_text(qs::test::temp_dir());
    qs::EvalMatrix m;
    m.model_path = model_path;
    m.precisions = {"IQ4_NL+pure"};
    m.ppl_path = text;
    m.n_ctx = 64;
    m.max_chunks = 2;
    m.imatrix_path = imatrix_path;
    qs::JobRunner runner(m, {});
    const qs::RunRecord run = runner.run();
    ASSERT_EQ(run.jobs.size(), 1u);
    ASSERT_EQ(run.jobs[0].status, JobStatus::Done) << run.jobs[0].error;
    double ppl = 0;
    for (const qs::Metric& metric : run.jobs[0].metrics)
        if (metric.key == "ppl") ppl = metric.value;

    const auto file_model = qs::Model::load(reference_file);
    const auto tokenizer = qs::Tokenizer::from_gguf(file_model->file());
    const auto tokens = tokenizer->encode(qs::perplexity_read_text(text), true);
    qs::ModelContext ctx(file_model, m.n_ctx);
    qs::PerplexityOptions popts;
    popts.n_ctx = m.n_ctx;
    popts.max_chunks = m.max_chunks;
    qs::Progress progress;
    EXPECT_EQ(ppl, qs::perplexity_run(ctx, *tokenizer, tokens, popts, progress).ppl);

    const nlohmann::json im = nlohmann::json::parse(run.settings_json)["imatrix"];
    EXPECT_EQ(im["file"], imatrix_path);
    EXPECT_EQ(im["sha256"], qs::file_sha256(imatrix_path));
    EXPECT_EQ(im["datasets"], nlohmann::json::array({"data/wikitext-2-raw/wiki.test.raw"}));
    EXPECT_EQ(im["chunks"], 20);

    // The IQ2 mixes are refused without an importance matrix, before anything runs.
    m.precisions = {"IQ2_XS"};
    m.imatrix_path.clear();
    qs::JobRunner refused(m, {});
    EXPECT_THROW(refused.start(), qs::Error);
}
