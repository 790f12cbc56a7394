// Speed and memory of a loaded model, measured the way llama-bench measures them (tools/llama-bench,
// b9928), plus what a deployment also asks: time to first token, per-token latency, memory.
//
// Definitions (llama-bench's, where it has one):
//   pp<N>  prompt processing: N random tokens decoded as ONE batch (split in n_ubatch passes) into an
//          empty KV cache, logits of the last token only. The first token is BOS when the
//          vocabulary adds one (tokenizer.ggml.add_bos_token / llama.cpp's default), as test_prompt.
//   tg<N>  generation: N tokens decoded one at a time from an empty cache, logits of each (test_gen).
//   @ d<D> (llama-bench -d, n_depth): every repetition first fills the cache with a prompt of D
//          tokens (one batch, not timed), so the test measures prompt processing or decoding with D
//          positions already in context: attention's share of the work grows with D.
//   Before the repetitions: one warm-up pp<N> run and one warm-up tg1 run (not timed, no depth);
//   every repetition starts from an empty cache. A sample is one repetition's wall time; its throughput is
//   tokens / seconds; the figure is the mean of the sample throughputs ± their sample standard
//   deviation (Bessel-corrected, 0 for one repetition), exactly as llama-bench's avg_ts/stddev_ts.
//   ttft   time to first token: a prompt of N tokens in, first token out. Every pp sample already
//          includes picking that token (argmax of the last logits: n_vocab compares, far below the
//          timer's noise, the one addition to llama-bench's sample), so ttft = mean pp sample time.
//   decode_p50/p99: percentiles (linear interpolation) of every tg decode call's wall time, over
//          all repetitions (n_gen * repetitions calls).
//   weight_bytes: bytes of the tensor data the forward pass actually uses (each bound matrix in its
//          stored type, 1-D tensors as the f32 copies the model holds; a tied output counted once);
//          bits_per_weight = 8 * weight_bytes / weight elements.
//   kv_bytes: the KV cache of the context, n_layer * n_ctx * n_embd_kv * 2 (K and V) * bytes per value of the cache type (blocks for a quantized one)
//          (2 for F16, 4 for F32), as llama.cpp's "KV self size".
//   peak_rss: the process's VmHWM (/proc/self/status) at the end of the run. The high-water mark is
//          reset (write "5" to /proc/self/clear_refs) when the run starts, when the kernel allows,
//          so it is this run's peak; when the reset fails it is the process's peak so far
//          (peak_rss_reset says which). It counts mmapped weight pages the run touched.
// Timing uses the calling thread's OpenMP thread count unless n_threads > 0 sets it for the run.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/progress.h"
#include "eval/metric.h"
#include "model/kv_cache.h"

namespace qs {

class Model;
struct ModelHParams;

struct SpeedBenchOptions {
    int n_prompt = 512;     // pp<n_prompt>; 0 skips the prompt test (and TTFT)
    int n_gen = 128;        // tg<n_gen>; 0 skips the generation test (and the latencies)
    int n_depth = 0;        // positions in the cache before each timed test (llama-bench -d)
    int repetitions = 5;    // llama-bench -r
    bool warmup = true;     // llama-bench's warm-up runs (--no-warmup turns them off)
    int n_threads = 0;      // > 0: OpenMP threads for the run (restored after); 0: keep the current setting
    uint32_t seed = 1;      // the random token ids (deterministic per seed)
    int n_ctx = 0;          // KV cache positions; 0: n_prompt + n_gen + n_depth, as llama-bench sizes its context
    KvCacheType kv_type = KvCacheType::F16;  // the K cache, and V unless v_type is set (-ctk/-ctv)
    std::optional<KvCacheType> v_type;
    int n_ubatch = 512;     // tokens per forward pass (llama-bench's default n_ubatch)
    bool reset_peak_rss = true;  // reset VmHWM at the start; the mark is per process, so a caller running
                                 // other work in parallel in the same process may prefer false
};

// One llama-bench test (pp or tg): its samples and their summary.
struct ThroughputStats {
    int n_tokens = 0;                 // tokens per sample (n_prompt or n_gen); 0 = test not run
    std::vector<double> samples_ns;   // [repetitions] wall time of each sample
    std::vector<double> samples_tps;  // [repetitions] n_tokens / seconds of each sample
    double mean_tps = 0;              // mean of samples_tps (llama-bench avg_ts)
    double sd_tps = 0;                // sample standard deviation of samples_tps (stddev_ts)
    double mean_ns = 0;               // mean of samples_ns (avg_ns)
};

// Bytes and elements of the tensor data a model's forward pass uses.
struct WeightFootprint {
    uint64_t bytes = 0;
    int64_t n_elements = 0;
    double bits_per_weight() const { return n_elements ? 8.0 * double(bytes) / double(n_elements) : 0.0; }
};

struct SpeedBenchResult {
    ThroughputStats pp;                 // pp<n_prompt>
    ThroughputStats tg;                 // tg<n_gen>
    double ttft_ms = 0;                 // mean over repetitions (0 when n_prompt == 0)
    std::vector<double> decode_ms;      // [n_gen * repetitions] every tg decode call's wall time
    double decode_p50_ms = 0;           // 0 when n_gen == 0
    double decode_p99_ms = 0;
    WeightFootprint weights;
    uint64_t kv_bytes = 0;
    uint64_t scratch_bytes = 0;         // the context's runtime buffers: forward scratch + the logits buffer
    int n_ctx = 0;                      // KV cache positions used for kv_bytes
    int n_depth = 0;                    // positions filled before each timed test
    int last_n_past = 0;                // cache positions after the last timed test (n_depth + its tokens)
    uint64_t peak_rss_bytes = 0;        // 0 when /proc/self/status is unreadable
    bool peak_rss_reset = false;        // true: peak of this run only
    int repetitions = 0;
    int n_threads = 0;                  // OpenMP threads the run used
    std::string isa;                    // kernels' ISA ("avx512", ...)
    double seconds = 0;                 // wall time of the whole run, warm-ups included
};

// Runs the benchmark on `model`. Progress counts decoded tokens (stage "pp warm-up", "pp", "tg
// warm-up", "tg"); check_cancel between decode calls throws qs::Cancelled. Throws qs::Error for
// options out of range (n_prompt/n_gen/n_depth < 0, n_prompt and n_gen both 0, repetitions < 1, n_ctx
// smaller than n_depth + the longest test).
SpeedBenchResult speed_bench_run(std::shared_ptr<const Model> model, const SpeedBenchOptions& options,
                                 Progress& progress);

// The result as catalogue metrics: pp_tps, tg_tps (value = mean, stderr_ = sd / sqrt(repetitions)),
// ttft_ms, decode_p50_ms, decode_p99_ms, weight_bytes, bits_per_weight, kv_bytes, scratch_bytes,
// peak_rss_bytes.
// Tests that were not run (n_prompt or n_gen 0) leave their metrics out.
std::vector<Metric> speed_bench_metrics(const SpeedBenchResult& result);

// The pieces, public for the CLI and for tests.
WeightFootprint model_weight_footprint(const Model& model);
uint64_t kv_cache_bytes(const ModelHParams& hp, int64_t n_ctx, KvCacheType type);
// With K and V in their own types (quantized types count their blocks).
uint64_t kv_cache_bytes(const ModelHParams& hp, int64_t n_ctx, KvCacheType k, KvCacheType v);
// Mean and Bessel-corrected standard deviation (0 for fewer than two values).
void mean_and_sd(const std::vector<double>& values, double& mean, double& sd);
// Peak resident set size (VmHWM) and current (VmRSS) of this process in bytes; 0 if unavailable.
uint64_t process_peak_rss_bytes();
uint64_t process_rss_bytes();
// Resets the peak to the current RSS; false when the kernel refuses.
bool process_peak_rss_reset();

}  // namespace qs
