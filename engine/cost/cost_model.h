// What serving a model at a precision costs, from measured throughput and a price per hour, and
// whether quantizing pays: monthly cost per precision, savings against the baseline precision and
// against API list prices, payback of a one-time cost. Pure functions. Which precision to recommend
// is decided by eval/decision.h (cost/run_recommendation.h feeds it these costs).
//
// The model (stated so every figure can be checked by hand):
//   - A machine billed at P USD/hour that processes T tokens/s costs P / (3600 T) USD per token,
//     i.e. cost_per_mtok = 1e6 P / (3600 T). Prompt tokens use the prompt throughput (pp),
//     generated tokens the generation throughput (tg): they run at very different speeds.
//   - Monthly machine hours = input_tokens / (3600 pp) + output_tokens / (3600 tg); monthly cost =
//     hours x P. This is usage-based (the machine is paid for the hours it works, or the hours are
//     the share of a dedicated machine the load takes). machines = hours / 730 says how many
//     always-on machines the load needs (730 h = an average month).
//   - API cost = input/1e6 x input price + output/1e6 x output price.
//   - Savings = other - this (positive: this one is cheaper). Payback of a one-time cost C (the
//     engineering work of adopting the precision) = C / monthly savings against the baseline;
//     infinite when there are no savings.
//   - Every throughput carries where it comes from (SpeedSource): measured by QuantScope on the
//     machine being priced (cost/hardware_match.h decides whether a profile is that machine),
//     imported from the target machine (llama-bench's -o json or our bench --json,
//     cost/bench_speeds.h), or estimated from the profile's bandwidth and compute (cost/roofline.h).
//     One machine's speed is never priced at another machine's rate: the callers check this.
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cost/price_table.h"
#include "eval/metric.h"

namespace qs {

constexpr double HOURS_PER_MONTH = 730.0;  // 365.25 * 24 / 12 rounded, the cloud providers' month

// USD per million tokens at `tokens_per_second` on hardware billed `usd_per_hour`.
// Throws qs::Error when tokens_per_second <= 0 or usd_per_hour < 0 (or either is not finite).
double cost_per_mtok(double tokens_per_second, double usd_per_hour);

struct MonthlyVolume {
    double input_tokens = 0;   // prompt tokens per month
    double output_tokens = 0;  // generated tokens per month
    bool empty() const { return input_tokens <= 0 && output_tokens <= 0; }
};

// Where a throughput figure comes from.
enum class SpeedSource { Measured, Imported, Estimated };
const char* speed_source_name(SpeedSource s);  // "measured", "imported", "estimated"

// One precision as the cost model sees it.
struct PrecisionSpeed {
    std::string precision;  // "Q4_K_M"
    double pp_tps = 0;      // prompt throughput, tokens/s (0: unknown; then prompt tokens cost as tg)
    double tg_tps = 0;      // generation throughput, tokens/s (> 0 required)
    double retention_pct = std::numeric_limits<double>::quiet_NaN();  // accuracy retention vs the baseline, 0..100+
    double pp_tps_sd = std::numeric_limits<double>::quiet_NaN();  // sd over repetitions (NaN: unknown)
    double tg_tps_sd = std::numeric_limits<double>::quiet_NaN();
    SpeedSource source = SpeedSource::Measured;
    std::string source_detail;  // for people: "this machine (AMD EPYC, avx512, 2 threads), run 3"
    std::string model_file;     // the file the speed was measured with, when the source names it
};

struct ApiComparison {
    std::string api;           // ApiPrice::label()
    double monthly_usd = 0;    // the volume at the API's list prices
    double savings_usd = 0;    // api - this precision (positive: self-hosting is cheaper)
};

struct PrecisionCost {
    std::string precision;
    double cost_per_mtok_prompt = 0;   // USD
    double cost_per_mtok_gen = 0;      // USD
    double hours_per_month = 0;
    double machines = 0;               // hours_per_month / HOURS_PER_MONTH
    double monthly_usd = 0;
    double savings_vs_baseline_usd = 0;  // baseline - this
    double savings_vs_baseline_pct = 0;  // 100 * savings / baseline monthly (0 when the baseline costs 0)
    double payback_months = std::numeric_limits<double>::infinity();  // one-time cost / savings; 0 for no cost
    std::vector<ApiComparison> vs_api;
};

struct CostInputs {
    double usd_per_hour = 0;
    MonthlyVolume volume;
    std::string baseline;       // precision name; "" = the first entry
    double one_time_cost_usd = 0;
    std::vector<ApiPrice> apis; // compared against (may be empty)
};

// One PrecisionCost per entry, in order. Throws qs::Error for an empty list, a non-positive tg_tps,
// a baseline not in the list, a negative price, volume or one-time cost.
std::vector<PrecisionCost> cost_compare(const std::vector<PrecisionSpeed>& speeds, const CostInputs& inputs);

// Words for people, shared by the CLI, the ROI page and the report:
//   savings_text(12.3) = "saves $12.30", savings_text(-50.53) = "costs $50.53 more", 0 -> "same cost".
//   payback_text: "—" without a one-time cost, "never" without savings, "7.5 months" under two
//   years, "3.2 years" beyond, "more than 100 years" beyond that.
std::string savings_text(double usd);
std::string payback_text(double months, bool has_one_time_cost);

// cost_per_mtok and cost_per_mtok_prompt as catalogue metrics (prompt left out when pp is unknown).
std::vector<Metric> cost_metrics(const PrecisionCost& cost, bool has_prompt_speed);

}  // namespace qs
