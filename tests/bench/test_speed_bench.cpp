// speed_bench: structure and invariants of a run (counts, statistics, memory formulas), never
// timing thresholds — the machine's speed is not under test.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "bench/speed_bench.h"
#include "common/test_paths.h"
#include "gguf/gguf_file.h"
#include "model/model.h"
#include "random_model.h"

namespace qs {
namespace {

std::shared_ptr<const Model> random_model(GgmlType type, const std::string& name) {
    test::RandomModelSpec spec;
    spec.n_head_kv = 2;  // n_embd_kv (32) differs from n_embd (64): the KV formula must use it
    spec.matrix_type = type;
    const std::string path = test::temp_dir() + "/" + name;
    test::random_model_write(spec, path);
    return Model::load(path);
}

// Sum of the tensor data bytes and elements the file holds.
WeightFootprint file_footprint(const GgufFile& f) {
    WeightFootprint w;
    for (const auto& t : f.tensors()) {
        w.bytes += t.nbytes;
        w.n_elements += t.n_elements();
    }
    return w;
}

TEST(SpeedBench, MeanAndSdByHand) {
    double mean = 0, sd = 0;
    mean_and_sd({1, 2, 3, 4}, mean, sd);
    EXPECT_DOUBLE_EQ(mean, 2.5);
    EXPECT_NEAR(sd, std::sqrt(5.0 / 3.0), 1e-12);  // Bessel: sum of squares 5, n - 1 = 3
    mean_and_sd({7}, mean, sd);
    EXPECT_DOUBLE_EQ(mean, 7);
    EXPECT_DOUBLE_EQ(sd, 0);
}

TEST(SpeedBench, RunStructureAndInvariants) {
    const auto model = random_model(GgmlType::F32, "bench_f32.gguf");
    SpeedBenchOptions o;
    o.n_prompt = 16;
    o.n_gen = 8;
    o.repetitions = 3;
    std::map<std::string, int64_t> done_per_stage;
    Progress progress([&](int64_t done, int64_t, const std::string& stage) { done_per_stage[stage] = done; });
    const SpeedBenchResult r = speed_bench_run(model, o, progress);

    // Token counts: warm-ups are pp16 and tg1, then 3 repetitions of each test.
    EXPECT_EQ(done_per_stage["pp warm-up"], 16);
    EXPECT_EQ(done_per_stage["pp"], 16 * 3);
    EXPECT_EQ(done_per_stage["tg warm-up"], 1);
    EXPECT_EQ(done_per_stage["tg"], 8 * 3);

    ASSERT_EQ(r.pp.samples_ns.size(), 3u);
    ASSERT_EQ(r.tg.samples_ns.size(), 3u);
    ASSERT_EQ(r.decode_ms.size(), 8u * 3u);
    EXPECT_EQ(r.pp.n_tokens, 16);
    EXPECT_EQ(r.tg.n_tokens, 8);
    for (const ThroughputStats* s : {&r.pp, &r.tg}) {
        ASSERT_EQ(s->samples_tps.size(), s->samples_ns.size());
        std::vector<double> tps;
        for (double ns : s->samples_ns) {
            EXPECT_GT(ns, 0);
            tps.push_back(s->n_tokens * 1e9 / ns);
        }
        for (size_t i = 0; i < tps.size(); ++i) EXPECT_NEAR(s->samples_tps[i], tps[i], 1e-9 * tps[i]);
        const double mean = std::accumulate(tps.begin(), tps.end(), 0.0) / double(tps.size());
        EXPECT_NEAR(s->mean_tps, mean, 1e-9 * mean);
        EXPECT_GE(s->sd_tps, 0);
        EXPECT_LE(*std::min_element(tps.begin(), tps.end()), s->mean_tps * (1 + 1e-12));
        EXPECT_GE(*std::max_element(tps.begin(), tps.end()), s->mean_tps * (1 - 1e-12));
    }
    // Every decode call is part of a sample: per repetition, the calls cannot take longer than it.
    for (int rep = 0; rep < 3; ++rep) {
        const double calls_ms = std::accumulate(r.decode_ms.begin() + rep * 8, r.decode_ms.begin() + rep * 8 + 8, 0.0);
        EXPECT_LE(calls_ms, r.tg.samples_ns[size_t(rep)] / 1e6 * (1 + 1e-9));
    }
    const auto [lo, hi] = std::minmax_element(r.decode_ms.begin(), r.decode_ms.end());
    EXPECT_LE(*lo, r.decode_p50_ms);
    EXPECT_LE(r.decode_p50_ms, r.decode_p99_ms);
    EXPECT_LE(r.decode_p99_ms, *hi);
    // TTFT is the mean pp sample time.
    EXPECT_NEAR(r.ttft_ms, r.pp.mean_ns / 1e6, 1e-9 * r.ttft_ms);

    // Memory: every tensor of this model is used, so the footprint is the file's tensor data.
    const WeightFootprint file = file_footprint(model->file());
    EXPECT_EQ(r.weights.bytes, file.bytes);
    EXPECT_EQ(r.weights.n_elements, file.n_elements);
    EXPECT_DOUBLE_EQ(r.weights.bits_per_weight(), 32.0);
    const auto& hp = model->hparams();
    EXPECT_EQ(r.n_ctx, 16 + 8);
    EXPECT_EQ(r.kv_bytes, uint64_t(hp.n_layer * 24 * hp.n_embd_kv() * 2 * 2));
    EXPECT_EQ(hp.n_embd_kv(), 32);
    EXPECT_GE(r.peak_rss_bytes, r.weights.bytes);

    // Metrics: catalogue keys, values from the struct.
    const std::vector<Metric> m = speed_bench_metrics(r);
    for (const Metric& x : m) EXPECT_NE(metric_info(x.key), nullptr) << x.key;
    ASSERT_NE(metric_find(m, "pp_tps"), nullptr);
    EXPECT_DOUBLE_EQ(metric_find(m, "pp_tps")->value, r.pp.mean_tps);
    EXPECT_NEAR(metric_find(m, "tg_tps")->stderr_, r.tg.sd_tps / std::sqrt(3.0), 1e-12);
    EXPECT_DOUBLE_EQ(metric_find(m, "decode_p99_ms")->value, r.decode_p99_ms);
    EXPECT_DOUBLE_EQ(metric_find(m, "weight_bytes")->value, double(file.bytes));
    EXPECT_DOUBLE_EQ(metric_find(m, "kv_bytes")->value, double(r.kv_bytes));
    EXPECT_NE(metric_find(m, "ttft_ms"), nullptr);
    EXPECT_NE(metric_find(m, "bits_per_weight"), nullptr);
}

TEST(SpeedBench, QuantizedFootprintAndSkippedTests) {
    const auto model = random_model(GgmlType::Q8_0, "bench_q8.gguf");
    SpeedBenchOptions o;
    o.n_prompt = 0;  // generation only
    o.n_gen = 4;
    o.repetitions = 2;
    o.warmup = false;
    o.kv_type = KvCacheType::F32;
    o.n_ctx = 10;
    Progress progress;
    const SpeedBenchResult r = speed_bench_run(model, o, progress);
    EXPECT_EQ(r.pp.n_tokens, 0);
    EXPECT_TRUE(r.pp.samples_ns.empty());
    EXPECT_EQ(r.ttft_ms, 0);
    EXPECT_EQ(r.decode_ms.size(), 8u);
    const WeightFootprint file = file_footprint(model->file());
    EXPECT_EQ(r.weights.bytes, file.bytes);  // q8_0 matrices in their stored size, f32 norms
    EXPECT_LT(r.weights.bits_per_weight(), 10.0);
    const auto& hp = model->hparams();
    EXPECT_EQ(r.kv_bytes, uint64_t(hp.n_layer * 10 * hp.n_embd_kv() * 2 * 4));
    const std::vector<Metric> m = speed_bench_metrics(r);
    EXPECT_EQ(metric_find(m, "pp_tps"), nullptr);
    EXPECT_EQ(metric_find(m, "ttft_ms"), nullptr);
    EXPECT_NE(metric_find(m, "tg_tps"), nullptr);
}

// llama-bench -d: every timed repetition starts from a cache holding n_depth positions, which the
// tests' token counts leave out; the default context grows by the depth.
TEST(SpeedBench, DepthFillsTheCacheBeforeEachTest) {
    const auto model = random_model(GgmlType::F32, "bench_depth.gguf");
    SpeedBenchOptions o;
    o.n_prompt = 6;
    o.n_gen = 3;
    o.n_depth = 5;
    o.repetitions = 2;
    std::map<std::string, int64_t> done_per_stage;
    Progress progress([&](int64_t done, int64_t, const std::string& stage) { done_per_stage[stage] = done; });
    const SpeedBenchResult r = speed_bench_run(model, o, progress);
    EXPECT_EQ(r.n_depth, 5);
    EXPECT_EQ(r.n_ctx, 6 + 3 + 5);
    EXPECT_EQ(r.last_n_past, 5 + 3);  // the last test (tg3) ran after the 5 filled positions
    EXPECT_EQ(done_per_stage["pp"], 2 * 6);  // the fills are not counted as test tokens
    EXPECT_EQ(done_per_stage["tg"], 2 * 3);
    EXPECT_EQ(r.decode_ms.size(), 6u);

    o.n_gen = 0;  // prompt test only: the last test is pp6 at depth 5
    EXPECT_EQ(speed_bench_run(model, o, progress).last_n_past, 5 + 6);
    o.n_depth = 0;
    EXPECT_EQ(speed_bench_run(model, o, progress).last_n_past, 6);

    o.n_depth = 5;
    o.n_ctx = 10;  // holds the test (6) but not the depth with it (11)
    EXPECT_THROW(speed_bench_run(model, o, progress), Error);
    o.n_ctx = 0;
    o.n_depth = -1;
    EXPECT_THROW(speed_bench_run(model, o, progress), Error);
}

TEST(SpeedBench, ThreadsAreRestored) {
    const auto model = random_model(GgmlType::F32, "bench_threads.gguf");
    const int before = omp_get_max_threads();
    SpeedBenchOptions o;
    o.n_prompt = 4;
    o.n_gen = 2;
    o.repetitions = 1;
    o.n_threads = 1;
    o.reset_peak_rss = false;
    Progress progress;
    const SpeedBenchResult r = speed_bench_run(model, o, progress);
    EXPECT_EQ(r.n_threads, 1);
    EXPECT_EQ(omp_get_max_threads(), before);
    EXPECT_EQ(r.pp.sd_tps, 0);  // one repetition
    EXPECT_FALSE(r.peak_rss_reset);  // asked not to touch the process-wide mark
}

TEST(SpeedBench, BadOptionsAndCancellation) {
    const auto model = random_model(GgmlType::F32, "bench_bad.gguf");
    Progress progress;
    SpeedBenchOptions o;
    o.n_prompt = 8;
    o.n_gen = 4;
    o.repetitions = 0;
    EXPECT_THROW(speed_bench_run(model, o, progress), Error);
    o.repetitions = 1;
    o.n_ctx = 4;  // smaller than the 8-token prompt
    EXPECT_THROW(speed_bench_run(model, o, progress), Error);
    o.n_ctx = 0;
    o.n_prompt = 0;
    o.n_gen = 0;
    EXPECT_THROW(speed_bench_run(model, o, progress), Error);
    o.n_prompt = -1;
    EXPECT_THROW(speed_bench_run(model, o, progress), Error);

    o.n_prompt = 8;
    o.n_gen = 4;
    Progress cancelled;
    cancelled.cancel();
    EXPECT_THROW(speed_bench_run(model, o, cancelled), Cancelled);
}

TEST(SpeedBench, Stories260KFootprintAndPeakRss) {
    QS_REQUIRE_SHARED(path, "models/stories260K.gguf");
    const auto model = Model::load(path);
    SpeedBenchOptions o;
    o.n_prompt = 32;
    o.n_gen = 8;
    o.repetitions = 2;
    Progress progress;
    const SpeedBenchResult r = speed_bench_run(model, o, progress);
    const WeightFootprint file = file_footprint(model->file());
    EXPECT_EQ(r.weights.bytes, file.bytes);
    EXPECT_EQ(r.weights.n_elements, 292800);  // llama-bench's model_n_params for this file
    EXPECT_EQ(r.weights.bytes, 1171200u);     // llama-bench's model_size (all F32)
    // The run touched every mapped weight page, and the peak cannot be below the current RSS.
    EXPECT_GE(r.peak_rss_bytes, r.weights.bytes);
    EXPECT_GE(process_peak_rss_bytes(), process_rss_bytes());
}

}  // namespace
}  // namespace qs
