// Hand-made runs for the GUI tests: two or three precisions with perplexity, accuracy, KLD and
// speed metrics whose comparisons can be worked out by hand.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "store/run_record.h"

namespace qs::test {

inline Metric metric(const char* key, double value, double se = NAN) {
    Metric m;
    m.key = key;
    m.value = value;
    m.stderr_ = se;
    return m;
}

inline JobRecord job(const char* precision, EvaluatorKind ev, const char* dataset, std::vector<Metric> metrics) {
    JobRecord j;
    j.precision = precision;
    j.evaluator = ev;
    j.dataset = dataset;
    j.status = JobStatus::Done;
    j.metrics = std::move(metrics);
    return j;
}

// A HumanEval job with stored outputs: (text, verdict) per item, first sample; a failed item's
// check saw an AssertionError.
inline JobRecord humaneval_job(const char* precision, double pass_at_1, std::vector<std::pair<std::string, std::string>> outputs) {
    JobRecord j = job(precision, EvaluatorKind::Task, "humaneval", {metric("pass_at_1", pass_at_1, 20)});
    for (size_t i = 0; i < outputs.size(); ++i)
        j.item_outputs.push_back({int(i), 0, "HumanEval/" + std::to_string(i), outputs[i].first, outputs[i].second,
                                  outputs[i].second == "pass" ? "" : "AssertionError"});
    return j;
}

// F16 (baseline): ppl 10 ± 0.1, acc 60 ± 1.   Q8_0: ppl 10.05 ± 0.1 (not significant), acc 59.5 ± 1.
// Q4_K_M: ppl 11 ± 0.1 (significant loss: 1.0 > 1.96 * 0.1414), acc 50 ± 1 (significant).
inline RunRecord sample_run(int64_t id = 1) {
    RunRecord r;
    r.id = id;
    r.model_name = "m1";
    r.jobs = {
        job("F16", EvaluatorKind::Perplexity, "wiki", {metric("ppl", 10, 0.1), metric("tokens_scored", 255)}),
        job("F16", EvaluatorKind::Task, "arc", {metric("acc", 60, 1), metric("items", 100)}),
        job("F16", EvaluatorKind::Bench, "", {metric("pp_tps", 400), metric("tg_tps", 40), metric("ttft_ms", 12),
                                              metric("weight_bytes", 4e6), metric("peak_rss_bytes", 6e6)}),
        job("Q8_0", EvaluatorKind::Perplexity, "wiki", {metric("ppl", 10.05, 0.1)}),
        job("Q8_0", EvaluatorKind::Kld, "wiki", {metric("kld_mean", 0.001, 0.0001)}),
        job("Q8_0", EvaluatorKind::Task, "arc", {metric("acc", 59.5, 1)}),
        job("Q8_0", EvaluatorKind::Bench, "", {metric("pp_tps", 500), metric("tg_tps", 60), metric("ttft_ms", 9),
                                               metric("weight_bytes", 2e6), metric("peak_rss_bytes", 4e6)}),
        job("Q4_K_M", EvaluatorKind::Perplexity, "wiki", {metric("ppl", 11, 0.1)}),
        job("Q4_K_M", EvaluatorKind::Kld, "wiki", {metric("kld_mean", 0.05, 0.001)}),
        job("Q4_K_M", EvaluatorKind::Task, "arc", {metric("acc", 50, 1)}),
        job("Q4_K_M", EvaluatorKind::Bench, "", {metric("pp_tps", 600), metric("tg_tps", 80), metric("ttft_ms", 7),
                                                 metric("weight_bytes", 1e6), metric("peak_rss_bytes", 3e6)}),
    };
    for (size_t i = 0; i < r.jobs.size(); ++i) r.jobs[i].index = int(i), r.jobs[i].run_id = id;
    // Task jobs carry reliability bins.
    for (auto& j : r.jobs)
        if (j.evaluator == EvaluatorKind::Task) j.calibration = {{0.0, 0.5, 10, 0.4, 0.3}, {0.5, 1.0, 20, 0.8, 0.7}};
    return r;
}

}  // namespace qs::test
