// A metric value as every evaluator reports it and the results store, the tables and the charts
// consume it: a key from the catalogue below, the value, and its uncertainty where one is defined.
//
// The catalogue is the one list of metric keys: where each is defined (docs/architecture.md
// points here), its unit, and which direction is better, so a table can colour a loss and a chart
// can label an axis without knowing the evaluator. Add keys here; never rename one (the CLI's JSON
// and the results store use them).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qs {

struct Metric {
    std::string key;   // a metric_catalog() key, e.g. "ppl", "acc_norm", "kld_mean"
    double value = 0;
    double stderr_ = std::numeric_limits<double>::quiet_NaN();  // standard error; NaN when not defined
    double ci_low = std::numeric_limits<double>::quiet_NaN();   // 95 % interval; NaN when not defined
    double ci_high = std::numeric_limits<double>::quiet_NaN();

    bool has_stderr() const { return !std::isnan(stderr_); }
    bool has_interval() const { return !std::isnan(ci_low) && !std::isnan(ci_high); }
};

enum class Better { Higher, Lower, Neither };

struct MetricInfo {
    std::string_view key;
    std::string_view label;       // for people: "Perplexity", "Accuracy (normalised)"
    std::string_view unit;        // "", "%", "tok/s", "ms", "bytes", "USD", "nats", "bits". Values are stored
                                  // in this unit: "%" means 0..100 (acc 25.5, not 0.255)
    Better better = Better::Neither;
    std::string_view defined_in;  // the engine file that defines it
};

// Every metric key, grouped by evaluator.
const std::vector<MetricInfo>& metric_catalog();
// The catalogue entry of `key`, or nullptr for an unknown key.
const MetricInfo* metric_info(std::string_view key);

// A proportion of items in % (acc, pass_at_1, exact_match) with lm-eval's sample standard error
// and the Wilson 95 % interval (eval/statistics.h).
Metric accuracy_metric(std::string key, std::span<const uint8_t> correct);

// The first metric with `key` in `metrics`, or nullptr.
const Metric* metric_find(const std::vector<Metric>& metrics, std::string_view key);

}  // namespace qs
