#include "bench/speed_bench.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fmt/format.h>
#include <limits>
#include <fstream>
#include <random>
#include <string>

#include "core/cpu_features.h"
#include "core/error.h"
#include "eval/statistics.h"
#include "model/model.h"
#include "quant/kv_cache_quant.h"
#include "tensor/ggml_type.h"
#include "tokenizer/tokenizer.h"

namespace qs {
namespace {

using Clock = std::chrono::steady_clock;

double ns_since(Clock::time_point t0) {
    return double(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
}

// Reads "<key>:   1234 kB" from /proc/self/status; 0 when absent.
uint64_t proc_status_kib(const char* key) {
    std::ifstream in("/proc/self/status");
    std::string line;
    const std::string prefix = std::string(key) + ":";
    while (std::getline(in, line)) {
        if (line.rfind(prefix, 0) == 0) return std::strtoull(line.c_str() + prefix.size(), nullptr, 10);
    }
    return 0;
}

void add_view(WeightFootprint& f, const WeightView& w) {
    if (!w.data) return;
    f.bytes += uint64_t(row_size(w.type, w.k)) * uint64_t(w.n);
    f.n_elements += w.k * w.n;
}

void add_vector(WeightFootprint& f, const std::vector<float>& v) {
    f.bytes += v.size() * sizeof(float);
    f.n_elements += int64_t(v.size());
}

// The first token of a llama-bench prompt: BOS when the vocabulary adds one, else -1 (random).
int32_t leading_bos(const Model& model) {
    if (!model.file().find("tokenizer.ggml.model")) return -1;  // no vocabulary: plain random ids
    const auto tokenizer = Tokenizer::from_gguf(model.file());
    return tokenizer->adds_bos() ? tokenizer->bos() : -1;
}

void summarize(ThroughputStats& s) {
    s.samples_tps.clear();
    for (double ns : s.samples_ns) s.samples_tps.push_back(double(s.n_tokens) * 1e9 / ns);
    double sd_ns = 0;
    mean_and_sd(s.samples_tps, s.mean_tps, s.sd_tps);
    mean_and_sd(s.samples_ns, s.mean_ns, sd_ns);
}

// Restores the OpenMP thread count on scope exit (the bench must not leak its setting).
class ThreadScope {
public:
    explicit ThreadScope(int n) : saved_(omp_get_max_threads()) {
        if (n > 0) omp_set_num_threads(n);
    }
    ~ThreadScope() { omp_set_num_threads(saved_); }
    ThreadScope(const ThreadScope&) = delete;
    ThreadScope& operator=(const ThreadScope&) = delete;

private:
    int saved_;
};

class BenchRunner {
public:
    BenchRunner(std::shared_ptr<const Model> model, const SpeedBenchOptions& o, int n_ctx, Progress& progress)
        : ctx_(model, n_ctx, kv_context_options(o.kv_type, o.v_type.value_or(o.kv_type), ContextOptions{.n_ubatch = o.n_ubatch})),
          n_vocab_(int32_t(model->hparams().n_vocab)),
          bos_(leading_bos(*model)),
          rng_(o.seed),
          logits_(size_t(n_vocab_)),
          progress_(progress) {}

    // test_prompt: n tokens as one batch from the current position, logits of the last one.
    // Returns the first generated token (argmax), so TTFT includes picking it. `counted`: whether
    // the tokens advance the progress (a depth fill is not part of any test's count).
    int32_t prompt(int n, bool counted = true) {
        std::vector<int32_t> tokens(static_cast<size_t>(n));
        for (int i = 0; i < n; ++i) tokens[size_t(i)] = (i == 0 && bos_ >= 0) ? bos_ : random_token();
        std::vector<uint8_t> want(size_t(n), 0);
        want.back() = 1;
        progress_.check_cancel();
        ctx_.decode(tokens, want, logits_.data());
        if (counted) progress_.advance(n);
        return int32_t(std::max_element(logits_.begin(), logits_.end()) - logits_.begin());
    }

    // test_gen: n tokens one at a time, the first BOS (or random), then random; each call timed.
    void generate(int n, std::vector<double>* call_ms) {
        int32_t token = bos_ >= 0 ? bos_ : random_token();
        const uint8_t want = 1;
        for (int i = 0; i < n; ++i) {
            progress_.check_cancel();
            const auto t0 = Clock::now();
            ctx_.decode(std::span<const int32_t>(&token, 1), std::span<const uint8_t>(&want, 1), logits_.data());
            if (call_ms) call_ms->push_back(ns_since(t0) / 1e6);
            progress_.advance(1);
            token = random_token();
        }
    }

    // An empty cache, then n_depth positions filled as llama-bench -d fills them (untimed).
    int n_past() const { return ctx_.n_past(); }
    void clear(int n_depth = 0) {
        ctx_.clear();
        if (n_depth > 0) prompt(n_depth, false);
    }
    uint64_t scratch_bytes() const { return ctx_.scratch_bytes() + logits_.capacity() * sizeof(float); }

private:
    int32_t random_token() { return int32_t(rng_() % uint32_t(n_vocab_)); }

    ModelContext ctx_;
    int32_t n_vocab_;
    int32_t bos_;
    std::mt19937 rng_;
    std::vector<float> logits_;
    Progress& progress_;
};

void check_options(const SpeedBenchOptions& o, int n_ctx) {
    if (o.n_prompt < 0 || o.n_gen < 0 || o.n_depth < 0)
        throw Error(fmt::format("bench: n_prompt ({}), n_gen ({}) and n_depth ({}) must be >= 0", o.n_prompt, o.n_gen, o.n_depth));
    if (o.n_prompt == 0 && o.n_gen == 0) throw Error("bench: nothing to measure (n_prompt and n_gen are both 0)");
    if (o.repetitions < 1) throw Error(fmt::format("bench: repetitions must be >= 1 (got {})", o.repetitions));
    if (o.n_ubatch < 1) throw Error(fmt::format("bench: n_ubatch must be >= 1 (got {})", o.n_ubatch));
    if (int64_t(n_ctx) < int64_t(o.n_depth) + std::max(o.n_prompt, o.n_gen))
        throw Error(fmt::format("bench: n_ctx {} is smaller than the depth plus the longest test ({} + {} tokens)", n_ctx,
                                o.n_depth, std::max(o.n_prompt, o.n_gen)));
}

}  // namespace

void mean_and_sd(const std::vector<double>& values, double& mean, double& sd) {
    mean = 0;
    sd = 0;
    if (values.empty()) return;
    for (double v : values) mean += v;
    mean /= double(values.size());
    if (values.size() < 2) return;
    double ss = 0;
    for (double v : values) ss += (v - mean) * (v - mean);
    sd = std::sqrt(ss / double(values.size() - 1));
}

uint64_t process_peak_rss_bytes() { return proc_status_kib("VmHWM") * 1024; }
uint64_t process_rss_bytes() { return proc_status_kib("VmRSS") * 1024; }

bool process_peak_rss_reset() {
    // Linux >= 4.0: "5" resets the peak RSS to the current RSS (Documentation/filesystems/proc.rst).
    std::FILE* f = std::fopen("/proc/self/clear_refs", "w");
    if (!f) return false;
    const bool wrote = std::fputs("5", f) >= 0;
    const bool closed = std::fclose(f) == 0;
    return wrote && closed;
}

WeightFootprint model_weight_footprint(const Model& model) {
    const ModelWeights& w = model.weights();
    WeightFootprint f;
    add_view(f, w.token_embd);
    for (const WeightView* m : model_weights_matrices(w))
        if (m != &w.output || !w.output_tied) add_view(f, *m);  // a tied output is token_embd, counted once
    add_vector(f, w.output_norm);
    add_vector(f, w.rope_freqs);
    for (const LayerWeights& l : w.layers)
        for (const std::vector<float>* v : {&l.attn_norm, &l.ffn_norm, &l.bq, &l.bk, &l.bv}) add_vector(f, *v);
    return f;
}

uint64_t kv_cache_bytes(const ModelHParams& hp, int64_t n_ctx, KvCacheType type) { return kv_cache_bytes(hp, n_ctx, type, type); }

uint64_t kv_cache_bytes(const ModelHParams& hp, int64_t n_ctx, KvCacheType k, KvCacheType v) {
    return uint64_t(hp.n_layer) * uint64_t(n_ctx) * (kv_cache_row_bytes(k, hp.n_embd_kv()) + kv_cache_row_bytes(v, hp.n_embd_kv()));
}

SpeedBenchResult speed_bench_run(std::shared_ptr<const Model> model, const SpeedBenchOptions& o, Progress& progress) {
    const int n_ctx = o.n_ctx > 0 ? o.n_ctx : o.n_prompt + o.n_gen + o.n_depth;
    check_options(o, n_ctx);
    ThreadScope threads(o.n_threads);
    const auto t_run = Clock::now();

    SpeedBenchResult r;
    r.peak_rss_reset = o.reset_peak_rss && process_peak_rss_reset();
    r.repetitions = o.repetitions;
    r.n_threads = omp_get_max_threads();
    r.isa = isa_name(cpu_best_isa());
    r.n_ctx = n_ctx;
    r.n_depth = o.n_depth;
    r.weights = model_weight_footprint(*model);
    r.kv_bytes = kv_cache_bytes(model->hparams(), n_ctx, o.kv_type, o.v_type.value_or(o.kv_type));

    BenchRunner runner(model, o, n_ctx, progress);
    r.scratch_bytes = runner.scratch_bytes();
    const int reps = o.repetitions;

    if (o.n_prompt > 0) {
        r.pp.n_tokens = o.n_prompt;
        if (o.warmup) {
            progress.begin(o.n_prompt, "pp warm-up");
            runner.clear();
            runner.prompt(o.n_prompt);
        }
        progress.begin(int64_t(o.n_prompt) * reps, "pp");
        double ttft_sum_ms = 0;
        for (int i = 0; i < reps; ++i) {
            runner.clear(o.n_depth);
            const auto t0 = Clock::now();
            runner.prompt(o.n_prompt);
            const double ns = ns_since(t0);
            r.last_n_past = runner.n_past();
            r.pp.samples_ns.push_back(ns);
            ttft_sum_ms += ns / 1e6;
        }
        summarize(r.pp);
        r.ttft_ms = ttft_sum_ms / reps;
    }

    if (o.n_gen > 0) {
        r.tg.n_tokens = o.n_gen;
        if (o.warmup) {
            progress.begin(1, "tg warm-up");
            runner.clear();
            runner.generate(1, nullptr);
        }
        progress.begin(int64_t(o.n_gen) * reps, "tg");
        r.decode_ms.reserve(size_t(o.n_gen) * size_t(reps));
        for (int i = 0; i < reps; ++i) {
            runner.clear(o.n_depth);
            const auto t0 = Clock::now();
            runner.generate(o.n_gen, &r.decode_ms);
            r.tg.samples_ns.push_back(ns_since(t0));
            r.last_n_past = runner.n_past();
        }
        summarize(r.tg);
        std::vector<double> sorted = r.decode_ms;
        std::sort(sorted.begin(), sorted.end());
        r.decode_p50_ms = percentile_sorted(sorted, 0.50);
        r.decode_p99_ms = percentile_sorted(sorted, 0.99);
    }

    r.peak_rss_bytes = process_peak_rss_bytes();
    r.seconds = ns_since(t_run) / 1e9;
    return r;
}

std::vector<Metric> speed_bench_metrics(const SpeedBenchResult& r) {
    std::vector<Metric> m;
    auto add = [&](const char* key, double value, double stderr_ = std::numeric_limits<double>::quiet_NaN()) {
        Metric x;
        x.key = key;
        x.value = value;
        x.stderr_ = stderr_;
        m.push_back(std::move(x));
    };
    const double sqrt_reps = std::sqrt(double(std::max(1, r.repetitions)));
    if (r.pp.n_tokens > 0) {
        add("pp_tps", r.pp.mean_tps, r.pp.sd_tps / sqrt_reps);
        add("ttft_ms", r.ttft_ms);
    }
    if (r.tg.n_tokens > 0) {
        add("tg_tps", r.tg.mean_tps, r.tg.sd_tps / sqrt_reps);
        add("decode_p50_ms", r.decode_p50_ms);
        add("decode_p99_ms", r.decode_p99_ms);
    }
    add("weight_bytes", double(r.weights.bytes));
    add("bits_per_weight", r.weights.bits_per_weight());
    add("kv_bytes", double(r.kv_bytes));
    add("scratch_bytes", double(r.scratch_bytes));
    if (r.peak_rss_bytes > 0) add("peak_rss_bytes", double(r.peak_rss_bytes));
    return m;
}

}  // namespace qs
