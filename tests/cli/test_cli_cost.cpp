// quantscope-cli cost as a user runs it: llama-bench's own JSON priced record by record, and the
// recommendation from a results database written through the store's API (paired item results),
// once where the intervals straddle the margin (nothing recommended, the reason stated) and once
// where the evidence is clear (the cheapest non-inferior precision picked).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli_run.h"
#include "common/test_paths.h"
#include "eval/comparison.h"
#include "store/results_store.h"

namespace {

using Output = qs::test::CliOutput;
using qs::test::slurp;

Output run_cli(const std::string& args) { return qs::test::run_cli(args, "cost"); }

// A finished run on a 2-thread EPYC (the shipped aws-c7a.large profile's rule): F16 (baseline),
// Q8_0, Q4_0 and Q2_K, each with a task job of n items and a bench job. The baseline is right on
// the first 2n/3 items; each candidate is wrong on `lost` of those and right on `gained` others.
struct Candidate {
    const char* precision;
    int lost, gained;
    double tg_tps, weight_bytes, bits_per_weight;
};

// store_delta: also store acc_delta with its paired-bootstrap interval, as the job runner does
// (without it the cost command recomputes it from the items).
std::string make_store(const std::string& path, int n, const std::vector<Candidate>& candidates, bool store_delta = false) {
    std::remove(path.c_str());
    qs::ResultsStore store(path);
    qs::RunRecord run;
    run.started_at = "2026-11-20T10:00:00Z";
    run.model_path = "/models/m.gguf";
    run.model_name = "m";
    run.baseline = candidates.front().precision;
    run.machine = "AMD EPYC; avx512; 1 workers x 2 threads";
    for (const Candidate& c : candidates) {
        qs::JobRecord task;
        task.precision = c.precision;
        task.evaluator = qs::EvaluatorKind::Task;
        task.dataset = "arc-easy";
        run.jobs.push_back(task);
        qs::JobRecord bench;
        bench.precision = c.precision;
        bench.evaluator = qs::EvaluatorKind::Bench;
        bench.settings_json = R"({"n_prompt": 512, "n_gen": 128, "repetitions": 4})";
        run.jobs.push_back(bench);
    }
    store.insert_run(run);
    const int right = 2 * n / 3;
    for (size_t k = 0; k < candidates.size(); ++k) {
        const Candidate& c = candidates[k];
        qs::JobRecord& task = run.jobs[2 * k];
        task.status = qs::JobStatus::Done;
        task.item_correct.assign(size_t(n), 0);
        for (int i = 0; i < right; ++i) task.item_correct[size_t(i)] = i >= c.lost;
        for (int i = 0; i < c.gained; ++i) task.item_correct[size_t(right + i)] = 1;
        int ok = 0;
        for (uint8_t x : task.item_correct) ok += x;
        task.metrics.push_back({"acc", 100.0 * ok / n});
        if (store_delta && k > 0) {
            qs::ComparisonOptions opts;
            opts.bootstrap_iterations = 2000;
            const auto cmp = qs::compare_precisions({qs::precision_outcome(run.jobs[0].precision, run.jobs[0].item_correct),
                                                     qs::precision_outcome(task.precision, task.item_correct)},
                                                    run.jobs[0].precision, opts);
            for (const qs::Metric& m : cmp.rows.at(1).metrics) task.metrics.push_back(m);
        }
        store.finish_job(task);
        qs::JobRecord& bench = run.jobs[2 * k + 1];
        if (c.tg_tps <= 0) {  // a bench that failed: no speed for this precision
            bench.status = qs::JobStatus::Failed;
            bench.error = "test: no speed";
            store.finish_job(bench);
            continue;
        }
        bench.status = qs::JobStatus::Done;
        bench.metrics = {{"tg_tps", c.tg_tps, 1.0}, {"pp_tps", 10 * c.tg_tps, 5.0}, {"weight_bytes", c.weight_bytes},
                         {"bits_per_weight", c.bits_per_weight}, {"kv_bytes", 640.0 * 1024}};
        store.finish_job(bench);
    }
    store.finish_run(run.id, "2026-11-20T10:05:00Z");
    return path;
}

const nlohmann::json& candidate(const nlohmann::json& decision, const std::string& name) {
    for (const auto& c : decision.at("candidates"))
        if (c.at("precision") == name) return c;
    throw std::runtime_error("no candidate " + name);
}

}  // namespace

// The issue's command, on llama.cpp's own output: every generation record priced at
// 1e6 x 2 / (3600 x avg_ts), labelled imported, with its spread.
TEST(CliCost, PricesLlamaBenchJsonAsItIs) {
    QS_REQUIRE_SHARED(bench, "reference/llama-bench-m1.json");
    const Output o = run_cli("cost --price-per-hour 2 --bench '" + bench + "' --json");
    ASSERT_EQ(o.exit_code, 0) << o.err;
    const auto j = nlohmann::json::parse(o.out);
    EXPECT_EQ(j.at("speed_source"), "imported");
    EXPECT_EQ(j.at("bench_format"), "llama-bench");
    std::ifstream in(bench);
    const auto records = nlohmann::json::parse(in);
    size_t k = 0;
    for (const auto& r : records) {
        if (r.at("n_gen").get<int>() == 0) continue;
        ASSERT_LT(k, j.at("precisions").size());
        const auto& row = j.at("precisions")[k++];
        const double avg_ts = r.at("avg_ts").get<double>();
        EXPECT_NEAR(row.at("cost_per_mtok").get<double>(), 1e6 * 2 / (3600 * avg_ts), 1e-12 * 1e6 * 2 / (3600 * avg_ts));
        EXPECT_DOUBLE_EQ(row.at("tg_tps").get<double>(), avg_ts);
        EXPECT_DOUBLE_EQ(row.at("tg_tps_sd").get<double>(), r.at("stddev_ts").get<double>());
        EXPECT_EQ(row.at("speed_source"), "imported");
        EXPECT_EQ(row.at("model_file"), r.at("model_filename"));
    }
    EXPECT_EQ(k, j.at("precisions").size());
    EXPECT_EQ(k, 4u);

    // Losses and paybacks in words: against Q4_K_M (the fastest generator) every other one costs more and never pays back.
    const Output text = run_cli("cost --price-per-hour 2 --bench '" + bench + "' --baseline Q4_K_M --monthly-tokens 1e9 --one-time-cost 500");
    ASSERT_EQ(text.exit_code, 0) << text.err;
    EXPECT_NE(text.out.find("costs $"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("never"), std::string::npos) << text.out;
    EXPECT_EQ(text.out.find("$-"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("speed: imported"), std::string::npos) << text.out;
    // A CPU run is never priced as a GPU.
    const Output gpu = run_cli("cost --hardware lambda-1x-h100-pcie --bench '" + bench + "'");
    EXPECT_NE(gpu.exit_code, 0);
    EXPECT_NE(gpu.err.find("is a GPU machine"), std::string::npos) << gpu.err;

    // `--csv -` is stdout: the header and one row per generation record, and no file named "-"
    // in the working directory (one was once committed by accident).
    const std::string cwd = qs::test::temp_dir() + "/cost-csv-stdout";
    std::filesystem::create_directories(cwd);
    const Output csv = qs::test::run_shell("cd '" + cwd + "' && '" + std::string(QS_CLI_PATH) + "' cost --price-per-hour 2 --bench '" +
                                               bench + "' --csv -",
                                           "cost-csv-stdout");
    ASSERT_EQ(csv.exit_code, 0) << csv.err;
    const size_t header = csv.out.find("precision,speed_source,");
    ASSERT_NE(header, std::string::npos) << csv.out;
    size_t rows = 0;
    for (size_t at = csv.out.find("\nQ", header); at != std::string::npos; at = csv.out.find("\nQ", at + 1)) ++rows;
    EXPECT_EQ(rows, 3u) << csv.out;  // Q8_0, Q4_K_M, Q4_0 (and F32, which does not start with Q)
    EXPECT_NE(csv.out.find("\nF32,imported,"), std::string::npos) << csv.out;
    EXPECT_FALSE(std::filesystem::exists(cwd + "/-"));
}

// 300 items (the demo's size): a handful of changed items each, but the intervals straddle -1 pp.
TEST(CliCost, OverlappingIntervalsRecommendNothing) {
    const std::string db = make_store(qs::test::temp_dir() + "/cost-overlap.db", 300,
                                      {{"F16", 0, 0, 100, 2e8, 16}, {"Q8_0", 2, 2, 180, 1.06e8, 8.5}, {"Q4_0", 8, 7, 300, 6.1e7, 4.9},
                                       {"Q2_K", 6, 7, 400, 4.5e7, 3.6}});
    const Output o = run_cli("cost --db '" + db + "' --price-per-hour 0.1 --margin 1 --min-retention 99 --json");
    ASSERT_EQ(o.exit_code, 0) << o.err;
    const auto j = nlohmann::json::parse(o.out);
    EXPECT_EQ(j.at("speed_source"), "measured");
    const auto& d = j.at("decision");
    EXPECT_FALSE(d.at("decided").get<bool>());
    EXPECT_EQ(d.at("picked"), "");
    const std::string reason = d.at("reason");
    EXPECT_EQ(reason.rfind("not decided: ", 0), 0u) << reason;
    EXPECT_NE(reason.find("Q2_K vs F16 needs about"), std::string::npos) << reason;
    for (const char* name : {"Q8_0", "Q4_0", "Q2_K"}) {
        const auto& c = candidate(d, name);
        EXPECT_EQ(c.at("verdict"), "undecided") << name;
        const auto& acc = c.at("criteria").at(0);
        EXPECT_LE(acc.at("ci_low").get<double>(), -1.0) << name;
        EXPECT_GE(acc.at("ci_high").get<double>(), -1.0) << name;
    }
    // --min-retention is kept, but retention alone no longer picks (Q2_K keeps 100.5 %).
    EXPECT_FALSE(j.at("pick").at("found").get<bool>());
    EXPECT_EQ(j.at("pick").at("min_retention_pct"), 99.0);

    const Output text = run_cli("cost --db '" + db + "' --price-per-hour 0.1");
    ASSERT_EQ(text.exit_code, 0) << text.err;
    EXPECT_NE(text.out.find("not decided: "), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("speed: measured"), std::string::npos) << text.out;
}

// 3000 items: Q8_0 and Q4_0 bound their loss within 1 point, Q2_K loses 8. Q4_0 is picked.
TEST(CliCost, ClearEvidencePicksTheCheapestNonInferior) {
    const std::string db = make_store(qs::test::temp_dir() + "/cost-clear.db", 3000,
                                      {{"F16", 0, 0, 100, 2e8, 16}, {"Q8_0", 3, 3, 180, 1.06e8, 8.5}, {"Q4_0", 30, 28, 300, 6.1e7, 4.9},
                                       {"Q2_K", 300, 60, 400, 4.5e7, 3.6}},
                                      true);
    const Output o = run_cli("cost --db '" + db + "' --hardware aws-c7a.large --monthly-tokens 1e8 --json --csv '" +
                             qs::test::temp_dir() + "/cost.csv'");
    ASSERT_EQ(o.exit_code, 0) << o.err;
    const auto j = nlohmann::json::parse(o.out);
    const auto& d = j.at("decision");
    EXPECT_TRUE(d.at("decided").get<bool>());
    EXPECT_EQ(d.at("picked"), "Q4_0");
    EXPECT_EQ(candidate(d, "Q2_K").at("verdict"), "inferior");
    EXPECT_EQ(candidate(d, "Q8_0").at("verdict"), "non-inferior");
    // The shipped c7a.large profile is this run's machine (2-thread EPYC, AVX-512): measured.
    EXPECT_EQ(j.at("speed_source"), "measured");
    const std::string csv = slurp(qs::test::temp_dir() + "/cost.csv");
    EXPECT_NE(csv.find("Q4_0,measured,"), std::string::npos) << csv;
    EXPECT_NE(csv.find(",non-inferior,"), std::string::npos) << csv;

    // On an H100 the CPU's speeds do not apply: the roofline estimate, 0.6 x 2000 GB/s over the
    // weights + the KV cache of 512 positions (640 KiB for 640 positions -> 1 KiB each).
    const Output h100 = run_cli("cost --db '" + db + "' --hardware lambda-1x-h100-pcie --json");
    ASSERT_EQ(h100.exit_code, 0) << h100.err;
    const auto e = nlohmann::json::parse(h100.out);
    EXPECT_EQ(e.at("speed_source"), "estimated");
    const auto& q4 = e.at("precisions")[2];
    EXPECT_EQ(q4.at("precision"), "Q4_0");
    EXPECT_NEAR(q4.at("tg_tps").get<double>(), 0.6 * 2000e9 / (6.1e7 + 1024.0 * 512), 1e-6);
    // The baseline's bench failed: the evidence still compares with F16, the cheapest priced
    // non-inferior precision is still Q4_0.
    const std::string no_base_speed = make_store(qs::test::temp_dir() + "/cost-nobase.db", 3000,
                                                 {{"F16", 0, 0, 0, 2e8, 16}, {"Q8_0", 3, 3, 180, 1.06e8, 8.5}, {"Q4_0", 30, 28, 300, 6.1e7, 4.9},
                                                  {"Q2_K", 300, 60, 400, 4.5e7, 3.6}},
                                                 true);
    const Output nb = run_cli("cost --db '" + no_base_speed + "' --price-per-hour 0.1 --json");
    ASSERT_EQ(nb.exit_code, 0) << nb.err;
    const auto nbj = nlohmann::json::parse(nb.out);
    EXPECT_EQ(nbj.at("decision").at("baseline"), "F16");
    EXPECT_EQ(nbj.at("decision").at("picked"), "Q4_0");
    EXPECT_EQ(nbj.at("precisions").size(), 3u);
    // A CPU profile that is neither this machine nor has figures: no speed, and why.
    const Output c7i = run_cli("cost --db '" + db + "' --hardware aws-c7i.2xlarge");
    EXPECT_NE(c7i.exit_code, 0);
    EXPECT_NE(c7i.err.find("no speed for aws-c7i.2xlarge"), std::string::npos) << c7i.err;
}
