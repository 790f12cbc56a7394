#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include <sqlite3.h>

#include "core/error.h"
#include "store/results_store.h"
#include "store/store_schema.h"
#include "common/test_paths.h"

namespace {

using qs::JobRecord;
using qs::JobStatus;
using qs::ResultsStore;
using qs::RunRecord;

RunRecord sample_run() {
    RunRecord run;
    run.started_at = "2026-11-23T10:00:00Z";
    run.model_path = "/models/m.gguf";
    run.model_name = "m";
    run.model_hash = "abc123";
    run.model_bytes = 1234567890123ull;
    run.baseline = "F16";
    run.engine_version = "quantscope test";
    run.machine = "test cpu";
    run.settings_json = R"({"n_ctx":128})";
    run.note = "note";
    for (const char* p : {"F16", "Q4_0"}) {
        JobRecord j;
        j.index = int(run.jobs.size());
        j.precision = p;
        if (j.precision == "Q4_0") j.precision_name = "four bits";  // the user's name for it
        j.evaluator = qs::EvaluatorKind::Perplexity;
        j.dataset = "wiki";
        j.dataset_path = "/data/wiki.raw";
        run.jobs.push_back(j);
    }
    return run;
}

void finish_sample(JobRecord& j, double ppl) {
    j.status = JobStatus::Done;
    j.seconds = 1.5;
    j.finished_at = "2026-11-23T10:01:00Z";
    j.metrics = {{"ppl", ppl, 0.25, NAN, NAN}, {"tokens_scored", 1000}};
    j.calibration = {{0.0, 0.5, 3, 0.4, 0.33}, {0.5, 1.0, 7, 0.8, 0.71}};
    j.item_correct = {1, 0, 1};
    j.item_confidence = {0.9, 0.2, 0.6};
}

TEST(ResultsStore, RoundTrip) {
    const std::string db = qs::test::temp_dir() + "/roundtrip.db";
    RunRecord run = sample_run();
    {
        ResultsStore store(db);
        EXPECT_EQ(store.schema_version(), qs::store_latest_version());
        store.insert_run(run);
        ASSERT_GT(run.id, 0);
        ASSERT_GT(run.jobs[0].id, 0);
        EXPECT_NE(run.jobs[0].id, run.jobs[1].id);
        finish_sample(run.jobs[0], 12.5);
        run.jobs[1].status = JobStatus::Failed;
        run.jobs[1].error = "x.txt:3: bad line";
        store.finish_job(run.jobs[0]);
        store.finish_job(run.jobs[1]);
        store.finish_run(run.id, "2026-11-23T10:02:00Z");
    }
    ResultsStore store(db);  // reopened: everything came from the file
    const RunRecord back = store.load_run(run.id);
    EXPECT_EQ(back.model_bytes, run.model_bytes);
    EXPECT_EQ(back.model_hash, "abc123");
    EXPECT_EQ(back.settings_json, run.settings_json);
    EXPECT_EQ(back.finished_at, "2026-11-23T10:02:00Z");
    ASSERT_EQ(back.jobs.size(), 2u);
    const JobRecord& j = back.jobs[0];
    EXPECT_EQ(j.precision, "F16");
    EXPECT_EQ(j.status, JobStatus::Done);
    ASSERT_EQ(j.metrics.size(), 2u);
    EXPECT_EQ(j.metrics[0].key, "ppl");
    EXPECT_DOUBLE_EQ(j.metrics[0].value, 12.5);
    EXPECT_DOUBLE_EQ(j.metrics[0].stderr_, 0.25);
    EXPECT_TRUE(std::isnan(j.metrics[0].ci_low));  // NaN round-trips as "not defined"
    EXPECT_FALSE(j.metrics[1].has_stderr());
    ASSERT_EQ(j.calibration.size(), 2u);
    EXPECT_EQ(j.calibration[1].count, 7);
    EXPECT_DOUBLE_EQ(j.calibration[1].accuracy, 0.71);
    EXPECT_EQ(j.item_correct, (std::vector<uint8_t>{1, 0, 1}));
    EXPECT_EQ(j.item_confidence, (std::vector<double>{0.9, 0.2, 0.6}));
    EXPECT_EQ(back.jobs[1].status, JobStatus::Failed);
    EXPECT_EQ(back.jobs[1].error, "x.txt:3: bad line");
    EXPECT_EQ(store.integrity_check(), "ok");

    const auto runs = store.list_runs();
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].jobs_total, 2);
    EXPECT_EQ(runs[0].jobs_done, 1);
    EXPECT_EQ(runs[0].jobs_failed, 1);
}

TEST(ResultsStore, LatestResultPerCellAcrossRuns) {
    ResultsStore store(":memory:");
    RunRecord a = sample_run();
    store.insert_run(a);
    finish_sample(a.jobs[0], 10.0);
    finish_sample(a.jobs[1], 11.0);
    store.finish_job(a.jobs[0]);
    store.finish_job(a.jobs[1]);
    RunRecord b = sample_run();
    b.jobs.resize(1);  // only F16 again, newer
    store.insert_run(b);
    finish_sample(b.jobs[0], 20.0);
    b.jobs[0].finished_at = "2026-11-23T11:00:00Z";
    store.finish_job(b.jobs[0]);

    const auto latest = store.latest_results();
    ASSERT_EQ(latest.size(), 2u);
    EXPECT_EQ(latest[0].job.precision, "F16");
    EXPECT_EQ(latest[0].job.run_id, b.id);
    EXPECT_DOUBLE_EQ(qs::metric_find(latest[0].job.metrics, "ppl")->value, 20.0);
    EXPECT_EQ(latest[1].job.precision, "Q4_0");
    EXPECT_EQ(latest[1].job.precision_name, "four bits");
    EXPECT_EQ(latest[0].job.precision_name, "");
    EXPECT_EQ(latest[1].job.run_id, a.id);
    EXPECT_EQ(latest[1].model_hash, "abc123");
    EXPECT_EQ(latest[1].model_name, "m");
    EXPECT_TRUE(store.latest_results("other-model").empty());
}

// A v1 database (what the first release wrote) is upgraded in place and keeps its data.
TEST(ResultsStore, MigratesVersion1) {
    const std::string db = qs::test::temp_dir() + "/v1.db";
    {
        sqlite3* raw = nullptr;
        ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(raw, qs::store_migrations().at(0).sql, nullptr, nullptr, nullptr), SQLITE_OK);
        const char* data =
            "PRAGMA user_version = 1;"
            "INSERT INTO runs (id, started_at, model_path) VALUES (7, '2025-01-01T00:00:00Z', 'old.gguf');"
            "INSERT INTO jobs (id, run_id, precision, evaluator, status) VALUES (3, 7, 'Q8_0', 'perplexity', 'done');"
            "INSERT INTO metrics (job_id, key, value) VALUES (3, 'ppl', 9.5);";
        ASSERT_EQ(sqlite3_exec(raw, data, nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(raw);
    }
    ResultsStore store(db);
    EXPECT_EQ(store.schema_version(), qs::store_latest_version());
    const RunRecord run = store.load_run(7);
    EXPECT_EQ(run.model_path, "old.gguf");
    EXPECT_EQ(run.finished_at, "");  // column added by v2
    ASSERT_EQ(run.jobs.size(), 1u);
    EXPECT_EQ(run.jobs[0].index, 0);
    EXPECT_DOUBLE_EQ(qs::metric_find(run.jobs[0].metrics, "ppl")->value, 9.5);
    // v2 tables work on the migrated file.
    JobRecord j = run.jobs[0];
    finish_sample(j, 9.6);
    store.finish_job(j);
    EXPECT_EQ(store.load_run(7).jobs[0].calibration.size(), 2u);
    EXPECT_EQ(store.integrity_check(), "ok");
}

// v4: a generation job's outputs (every sample of every item, text and verdict) round-trip, are
// replaced when the job is written again, and go with the run; a v2 file gains the table (through v3).
TEST(ResultsStore, GenerationOutputsRoundTripAndMigrateFromVersion2) {
    const std::string db = qs::test::temp_dir() + "/v2.db";
    {
        sqlite3* raw = nullptr;
        ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
        for (int v = 0; v < 2; ++v)
            ASSERT_EQ(sqlite3_exec(raw, qs::store_migrations().at(size_t(v)).sql, nullptr, nullptr, nullptr), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(raw, "PRAGMA user_version = 2;", nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(raw);
    }
    ResultsStore store(db);
    EXPECT_EQ(store.schema_version(), qs::store_latest_version());
    RunRecord run = sample_run();
    store.insert_run(run);
    JobRecord& j = run.jobs[0];
    j.status = JobStatus::Done;
    j.item_correct = {0, 1};
    j.item_outputs = {{0, 0, "HumanEval/3", "    return a -\n", "error", "SyntaxError: invalid syntax"},
                      {1, 0, "HumanEval/7", "    return sorted(x)\n", "pass", ""},
                      {1, 1, "HumanEval/7", std::string("bytes \xff\n", 8), "fail", "AssertionError"}};
    store.finish_job(j);
    const RunRecord back = store.load_run(run.id);
    ASSERT_EQ(back.jobs[0].item_outputs.size(), 3u);
    const qs::ItemOutput& o = back.jobs[0].item_outputs[2];
    EXPECT_EQ(o.item, 1);
    EXPECT_EQ(o.sample, 1);
    EXPECT_EQ(o.item_id, "HumanEval/7");
    EXPECT_EQ(o.text, std::string("bytes \xff\n", 8));  // bytes as generated, even when not UTF-8
    EXPECT_EQ(o.verdict, "fail");
    EXPECT_EQ(back.jobs[0].item_outputs[0].detail, "SyntaxError: invalid syntax");
    j.item_outputs.resize(1);
    store.finish_job(j);
    EXPECT_EQ(store.load_run(run.id).jobs[0].item_outputs.size(), 1u);
    store.delete_run(run.id);
    EXPECT_EQ(store.integrity_check(), "ok");
}

TEST(ResultsStore, RefusesNewerSchemaAndForeignFiles) {
    const std::string dir = qs::test::temp_dir();
    {
        sqlite3* raw = nullptr;
        ASSERT_EQ(sqlite3_open((dir + "/newer.db").c_str(), &raw), SQLITE_OK);
        sqlite3_exec(raw, "PRAGMA user_version = 999", nullptr, nullptr, nullptr);
        sqlite3_close(raw);
        ASSERT_EQ(sqlite3_open((dir + "/foreign.db").c_str(), &raw), SQLITE_OK);
        sqlite3_exec(raw, "CREATE TABLE t(x)", nullptr, nullptr, nullptr);
        sqlite3_close(raw);
        std::ofstream(dir + "/text.db") << "this is not a database at all, just some text padding it out..........";
    }
    for (const char* name : {"/newer.db", "/foreign.db", "/text.db"}) {
        try {
            ResultsStore store(dir + name);
            FAIL() << name;
        } catch (const qs::Error& e) {
            EXPECT_NE(std::string(e.what()).find(dir + name), std::string::npos) << e.what();
        }
    }
}

// A job's write is all or nothing: a failure in the middle (here a metric key twice, which the
// primary key refuses) leaves the job exactly as it was before.
TEST(ResultsStore, JobWriteIsAtomic) {
    ResultsStore store(":memory:");
    RunRecord run = sample_run();
    store.insert_run(run);
    JobRecord j = run.jobs[0];
    finish_sample(j, 5.0);
    j.metrics.push_back({"ppl", 6.0});
    EXPECT_THROW(store.finish_job(j), qs::Error);
    const RunRecord back = store.load_run(run.id);
    EXPECT_EQ(back.jobs[0].status, JobStatus::Queued);
    EXPECT_TRUE(back.jobs[0].metrics.empty());
    EXPECT_TRUE(back.jobs[0].calibration.empty());
    // The store is still usable afterwards.
    j.metrics.pop_back();
    store.finish_job(j);
    EXPECT_EQ(store.load_run(run.id).jobs[0].status, JobStatus::Done);
}

int64_t count_rows(const std::string& db, const char* table) {
    sqlite3* raw = nullptr;
    sqlite3_open(db.c_str(), &raw);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(raw, (std::string("SELECT count(*) FROM ") + table).c_str(), -1, &st, nullptr);
    const int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(raw);
    return n;
}

TEST(ResultsStore, DeleteRunTakesEverythingOfIt) {
    const std::string db = qs::test::temp_dir() + "/delete.db";
    ResultsStore store(db);
    RunRecord a = sample_run(), b = sample_run();
    store.insert_run(a);
    store.insert_run(b);
    finish_sample(a.jobs[0], 10.0);
    store.finish_job(a.jobs[0]);
    finish_sample(b.jobs[0], 11.0);
    store.finish_job(b.jobs[0]);
    store.delete_run(a.id);
    const auto runs = store.list_runs();
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].run.id, b.id);
    EXPECT_THROW(store.load_run(a.id), qs::Error);
    const auto latest = store.latest_results();
    ASSERT_EQ(latest.size(), 1u);
    EXPECT_EQ(latest[0].job.run_id, b.id);
    EXPECT_EQ(store.load_run(b.id).jobs[0].item_correct.size(), 3u);
    // Nothing of run a is left behind in any table.
    EXPECT_EQ(count_rows(db, "jobs"), 2);
    EXPECT_EQ(count_rows(db, "metrics"), 2);
    EXPECT_EQ(count_rows(db, "calibration_bins"), 2);
    EXPECT_EQ(count_rows(db, "job_items"), 3);
}

TEST(ResultsStore, FileHashIsRemembered) {
    const std::string dir = qs::test::temp_dir();
    std::ofstream(dir + "/f.bin") << "abc";
    ResultsStore store(dir + "/h.db");
    EXPECT_EQ(store.file_hash(dir + "/f.bin"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(store.file_hash(dir + "/f.bin"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_THROW(store.file_hash(dir + "/missing.bin"), qs::Error);
}

}  // namespace
