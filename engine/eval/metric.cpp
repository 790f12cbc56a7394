#include "eval/metric.h"

#include <algorithm>

#include "eval/statistics.h"

namespace qs {

const std::vector<MetricInfo>& metric_catalog() {
    static const std::vector<MetricInfo> catalog = {
        // perplexity.h (llama-perplexity's definitions)
        {"ppl", "Perplexity", "", Better::Lower, "eval/perplexity.h"},
        {"nll_mean", "Mean negative log-likelihood", "nats", Better::Lower, "eval/perplexity.h"},
        {"bits_per_byte", "Bits per byte", "bits", Better::Lower, "eval/perplexity.h"},
        {"tokens_scored", "Tokens scored", "", Better::Neither, "eval/perplexity.h"},
        // kl_divergence.h (llama-perplexity --kl-divergence)
        {"kld_mean", "Mean KL divergence", "nats", Better::Lower, "eval/kl_divergence.h"},
        {"kld_median", "Median KL divergence", "nats", Better::Lower, "eval/kl_divergence.h"},
        {"kld_p99", "KL divergence, 99th percentile", "nats", Better::Lower, "eval/kl_divergence.h"},
        {"kld_max", "Maximum KL divergence", "nats", Better::Lower, "eval/kl_divergence.h"},
        {"same_top_p", "Same top token", "%", Better::Higher, "eval/kl_divergence.h"},
        {"dp_mean", "Mean change of the true token's probability", "%", Better::Neither, "eval/kl_divergence.h"},
        {"dp_rms", "RMS change of the true token's probability", "%", Better::Lower, "eval/kl_divergence.h"},
        {"ppl_ratio", "PPL(Q)/PPL(base)", "", Better::Lower, "eval/kl_divergence.h"},
        {"ln_ppl_ratio", "Mean ln(PPL(Q)/PPL(base))", "", Better::Lower, "eval/kl_divergence.h"},
        {"cor_ln_ppl", "Correlation of ln PPL with the base", "%", Better::Higher, "eval/kl_divergence.h"},
        // task_eval.h (lm-evaluation-harness's and llama.cpp's HellaSwag definitions)
        {"acc", "Accuracy", "%", Better::Higher, "eval/task_eval.h"},
        {"acc_norm", "Accuracy (length-normalised)", "%", Better::Higher, "eval/task_eval.h"},
        {"acc_per_token", "Accuracy (per-token mean, llama.cpp)", "%", Better::Higher, "eval/task_eval.h"},
        {"items", "Items scored", "", Better::Neither, "eval/task_eval.h"},
        {"items_skipped", "Items skipped (malformed dataset lines)", "", Better::Neither, "datasets/task_dataset.h"},
        // calibration (statistics.h), from the same task runs
        {"ece", "Expected calibration error (15 equal-width bins)", "%", Better::Lower, "eval/statistics.h"},
        {"ece_mass", "Expected calibration error (10 equal-mass bins)", "%", Better::Lower, "eval/statistics.h"},
        {"mce", "Maximum calibration error", "%", Better::Lower, "eval/statistics.h"},
        {"rmsce", "RMS calibration error", "%", Better::Lower, "eval/statistics.h"},
        {"brier", "Brier score", "", Better::Lower, "eval/statistics.h"},
        // comparison with a baseline precision (comparison.h)
        {"acc_delta", "Accuracy change against the baseline", "%", Better::Higher, "eval/comparison.h"},
        {"retention", "Accuracy retention against the baseline", "%", Better::Higher, "eval/comparison.h"},
        {"mcnemar_p", "McNemar p-value against the baseline", "", Better::Neither, "eval/comparison.h"},
        // generation tasks (generation_eval.h, generation_scoring.h: lm-eval's definitions)
        {"pass_at_1", "pass@1 (programs passing their tests)", "%", Better::Higher, "eval/generation_eval.h"},
        {"pass_at_10", "pass@10 (unbiased estimator)", "%", Better::Higher, "eval/generation_eval.h"},
        {"pass_at_100", "pass@100 (unbiased estimator)", "%", Better::Higher, "eval/generation_eval.h"},
        {"exact_match", "Answers right (GSM8K: strict-match; generate-jsonl: its exact, contains or regex check)", "%", Better::Higher, "eval/generation_scoring.h"},
        {"exact_match_flexible", "Exact match, flexible-extract (GSM8K)", "%", Better::Higher, "eval/generation_scoring.h"},
        {"items_timeout", "Programs that timed out", "", Better::Lower, "eval/generation_eval.h"},
        {"items_error", "Programs that did not run (syntax error, exception)", "", Better::Lower, "eval/generation_eval.h"},
        {"gen_tokens", "Tokens generated", "", Better::Neither, "eval/generation_eval.h"},
        {"gen_tps", "Generation throughput during the task", "tok/s", Better::Higher, "eval/generation_eval.h"},
        {"agreement", "Same output as the baseline", "%", Better::Higher, "eval/generation_eval.h"},
        // sequential stopping against the baseline (eval --until-decided; sequential_decision.h)
        {"decided_after", "Items (or chunks) scored until the comparison was decided", "", Better::Lower,
         "eval/sequential_decision.h"},
        {"decision", "Verdict against the baseline: 0 undecided, 1 non-inferior, 2 inferior, 3 within the margin", "",
         Better::Neither, "eval/sequential_decision.h"},
        {"decision_delta", "Difference from the baseline (accuracy points, or % of PPL with lower PPL positive), time-uniform interval",
         "%", Better::Higher, "eval/sequential_decision.h"},
        // speed and memory (bench/)
        {"pp_tps", "Prompt processing throughput", "tok/s", Better::Higher, "bench/speed_bench.h"},
        {"tg_tps", "Generation throughput", "tok/s", Better::Higher, "bench/speed_bench.h"},
        {"ttft_ms", "Time to first token", "ms", Better::Lower, "bench/speed_bench.h"},
        {"decode_p50_ms", "Per-token decode latency, median", "ms", Better::Lower, "bench/speed_bench.h"},
        {"decode_p99_ms", "Per-token decode latency, 99th percentile", "ms", Better::Lower, "bench/speed_bench.h"},
        {"weight_bytes", "Weight bytes", "bytes", Better::Lower, "bench/speed_bench.h"},
        {"bits_per_weight", "Bits per weight", "bits", Better::Lower, "bench/speed_bench.h"},
        {"kv_bytes", "KV-cache bytes", "bytes", Better::Lower, "bench/speed_bench.h"},
        {"scratch_bytes", "Runtime buffers (activations, logits)", "bytes", Better::Lower, "bench/speed_bench.h"},
        {"peak_rss_bytes", "Peak resident memory", "bytes", Better::Lower, "bench/speed_bench.h"},
        // cost (cost/)
        {"cost_per_mtok", "Cost per million generated tokens", "USD", Better::Lower, "cost/cost_model.h"},
        {"cost_per_mtok_prompt", "Cost per million prompt tokens", "USD", Better::Lower, "cost/cost_model.h"},
    };
    return catalog;
}

Metric accuracy_metric(std::string key, std::span<const uint8_t> correct) {
    std::vector<double> v(correct.begin(), correct.end());
    const MeanStderr ms = mean_with_stderr(v);
    int64_t k = 0;
    for (uint8_t c : correct) k += c;
    const Interval ci = wilson_interval(k, int64_t(correct.size()));
    Metric m;
    m.key = std::move(key);
    m.value = 100.0 * ms.mean;
    m.stderr_ = 100.0 * ms.stderr_;
    m.ci_low = 100.0 * ci.lo;
    m.ci_high = 100.0 * ci.hi;
    return m;
}

const MetricInfo* metric_info(std::string_view key) {
    const auto& catalog = metric_catalog();
    auto it = std::find_if(catalog.begin(), catalog.end(), [&](const MetricInfo& m) { return m.key == key; });
    return it == catalog.end() ? nullptr : &*it;
}

const Metric* metric_find(const std::vector<Metric>& metrics, std::string_view key) {
    auto it = std::find_if(metrics.begin(), metrics.end(), [&](const Metric& m) { return m.key == key; });
    return it == metrics.end() ? nullptr : &*it;
}

}  // namespace qs
