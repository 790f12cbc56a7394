#include "cost/cost_model.h"

#include <algorithm>
#include <fmt/format.h>

#include "core/error.h"

namespace qs {
namespace {

void require_non_negative(double v, const char* what) {
    if (!std::isfinite(v) || v < 0) throw Error(fmt::format("cost: {} must be a finite number >= 0 (got {})", what, v));
}

// Prompt throughput to cost prompt tokens with: pp when measured, else tg (conservative).
double prompt_tps(const PrecisionSpeed& s) { return s.pp_tps > 0 ? s.pp_tps : s.tg_tps; }

size_t baseline_index(const std::vector<PrecisionSpeed>& speeds, const std::string& baseline) {
    if (baseline.empty()) return 0;
    for (size_t i = 0; i < speeds.size(); ++i)
        if (speeds[i].precision == baseline) return i;
    throw Error(fmt::format("cost: baseline precision '{}' is not among the measured precisions", baseline));
}

double api_monthly(const ApiPrice& api, const MonthlyVolume& v) {
    return v.input_tokens / 1e6 * api.usd_per_mtok_input + v.output_tokens / 1e6 * api.usd_per_mtok_output;
}

std::string money(double usd) { return fmt::format("${:.2f}", usd); }

}  // namespace

double cost_per_mtok(double tokens_per_second, double usd_per_hour) {
    if (!std::isfinite(tokens_per_second) || tokens_per_second <= 0)
        throw Error(fmt::format("cost: throughput must be > 0 tokens/s (got {})", tokens_per_second));
    require_non_negative(usd_per_hour, "the price per hour");
    return 1e6 * usd_per_hour / (3600.0 * tokens_per_second);
}

std::vector<PrecisionCost> cost_compare(const std::vector<PrecisionSpeed>& speeds, const CostInputs& in) {
    if (speeds.empty()) throw Error("cost: no precision to compare");
    require_non_negative(in.usd_per_hour, "the price per hour");
    require_non_negative(in.volume.input_tokens, "the monthly input tokens");
    require_non_negative(in.volume.output_tokens, "the monthly output tokens");
    require_non_negative(in.one_time_cost_usd, "the one-time cost");
    for (const ApiPrice& a : in.apis) {
        require_non_negative(a.usd_per_mtok_input, "an API input price");
        require_non_negative(a.usd_per_mtok_output, "an API output price");
    }
    for (const PrecisionSpeed& s : speeds) {
        if (!std::isfinite(s.tg_tps) || s.tg_tps <= 0)
            throw Error(fmt::format("cost: precision '{}' needs a generation throughput > 0 (got {})", s.precision, s.tg_tps));
        if (!std::isfinite(s.pp_tps) || s.pp_tps < 0)
            throw Error(fmt::format("cost: precision '{}' has an invalid prompt throughput ({})", s.precision, s.pp_tps));
    }
    const size_t base = baseline_index(speeds, in.baseline);

    std::vector<PrecisionCost> out;
    for (const PrecisionSpeed& s : speeds) {
        PrecisionCost c;
        c.precision = s.precision;
        c.cost_per_mtok_prompt = cost_per_mtok(prompt_tps(s), in.usd_per_hour);
        c.cost_per_mtok_gen = cost_per_mtok(s.tg_tps, in.usd_per_hour);
        c.hours_per_month = in.volume.input_tokens / (3600.0 * prompt_tps(s)) + in.volume.output_tokens / (3600.0 * s.tg_tps);
        c.machines = c.hours_per_month / HOURS_PER_MONTH;
        c.monthly_usd = c.hours_per_month * in.usd_per_hour;
        for (const ApiPrice& a : in.apis) {
            const double api = api_monthly(a, in.volume);
            c.vs_api.push_back({a.label(), api, api - c.monthly_usd});
        }
        out.push_back(std::move(c));
    }
    const double base_monthly = out[base].monthly_usd;
    for (PrecisionCost& c : out) {
        c.savings_vs_baseline_usd = base_monthly - c.monthly_usd;
        c.savings_vs_baseline_pct = base_monthly > 0 ? 100.0 * c.savings_vs_baseline_usd / base_monthly : 0.0;
        if (in.one_time_cost_usd == 0)
            c.payback_months = 0;
        else if (c.savings_vs_baseline_usd > 0)
            c.payback_months = in.one_time_cost_usd / c.savings_vs_baseline_usd;
        else
            c.payback_months = std::numeric_limits<double>::infinity();
    }
    return out;
}

const char* speed_source_name(SpeedSource s) {
    switch (s) {
        case SpeedSource::Measured: return "measured";
        case SpeedSource::Imported: return "imported";
        case SpeedSource::Estimated: return "estimated";
    }
    return "?";
}

std::string savings_text(double usd) {
    if (!std::isfinite(usd)) return "—";
    if (std::fabs(usd) < 0.005) return "same cost";
    return usd > 0 ? "saves " + money(usd) : "costs " + money(-usd) + " more";
}

std::string payback_text(double months, bool has_one_time_cost) {
    if (!has_one_time_cost) return "—";
    if (!std::isfinite(months)) return "never";
    if (months < 24) return fmt::format("{:.1f} months", months);
    if (months > 1200) return "more than 100 years";
    return fmt::format("{:.1f} years", months / 12.0);
}

std::vector<Metric> cost_metrics(const PrecisionCost& cost, bool has_prompt_speed) {
    std::vector<Metric> m;
    Metric gen;
    gen.key = "cost_per_mtok";
    gen.value = cost.cost_per_mtok_gen;
    m.push_back(gen);
    if (has_prompt_speed) {
        Metric prompt;
        prompt.key = "cost_per_mtok_prompt";
        prompt.value = cost.cost_per_mtok_prompt;
        m.push_back(prompt);
    }
    return m;
}

}  // namespace qs
