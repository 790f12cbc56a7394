// quantscope-cli cost: what serving costs per precision, from measured throughput and a price per
// hour (engine/cost/cost_model.h states the model). Throughput comes either from flags (one
// precision) or from a `quantscope-cli bench --json` file (every precision in it).
//
//   quantscope-cli cost --hardware aws-c7a.large --tps-gen 2600 --tps-prompt 17000
//   quantscope-cli cost --bench bench.json --price-per-hour 0.10 --monthly-input 2e9 --monthly-output 5e8
//                       --retention Q8_0=99.8,Q4_0=97.1 --min-retention 98 --one-time-cost 5000 [--json]
//   quantscope-cli cost --list
#include <cmath>
#include <filesystem>
#include <optional>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "core/error.h"
#include "cost/bench_speeds.h"
#include "cost/cost_model.h"
#include "cost/price_table.h"

namespace qs::cli {
namespace {

struct CostCliOptions {
    std::string prices, hardware, bench, baseline, name = "measured";
    double price_per_hour = -1, tps_gen = 0, tps_prompt = 0;
    double monthly_tokens = 0, input_share = 0.5, monthly_input = -1, monthly_output = -1;
    double one_time_cost = 0, min_retention = -1;
    std::vector<std::string> retention;  // PRECISION=PCT
    bool list = false, json = false;
};

std::string executable_path() {
    std::error_code ec;
    const auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : p.string();
}

PriceTable load_prices(const CostCliOptions& o) {
    const std::string path = o.prices.empty() ? price_table_default_path(executable_path()) : o.prices;
    if (path.empty())
        throw Error("cost: no price table found (resources/prices.json next to the executable or in the source tree); "
                    "pass --prices FILE or set QUANTSCOPE_PRICES");
    return price_table_load(path);
}

void apply_retention(std::vector<PrecisionSpeed>& speeds, const std::vector<std::string>& items) {
    for (const std::string& item : items) {
        const size_t eq = item.rfind('=');
        if (eq == std::string::npos || eq == 0) throw Error(fmt::format("cost: --retention '{}': expected PRECISION=PERCENT", item));
        const std::string name = item.substr(0, eq);
        double pct = 0;
        try {
            size_t used = 0;
            pct = std::stod(item.substr(eq + 1), &used);
            if (used != item.size() - eq - 1) throw std::invalid_argument("trailing text");
        } catch (const std::exception&) {
            throw Error(fmt::format("cost: --retention '{}': '{}' is not a number", item, item.substr(eq + 1)));
        }
        bool found = false;
        for (PrecisionSpeed& s : speeds)
            if (s.precision == name) s.retention_pct = pct, found = true;
        if (!found) throw Error(fmt::format("cost: --retention '{}': no measured precision '{}'", item, name));
    }
}

void print_list(const PriceTable& t) {
    fmt::print("price table {} (edit it, or pass --prices FILE)\n\n", t.path);
    fmt::print("| {:<22} | {:>9} | {:<10} | {}\n", "hardware", "USD/hour", "listed", "description / source");
    for (const HardwarePrice& h : t.hardware)
        fmt::print("| {:<22} | {:>9.4f} | {:<10} | {} ({})\n", h.name, h.usd_per_hour, h.listed, h.description, h.source);
    fmt::print("\n| {:<40} | {:>10} | {:>10} | {:<10} | source\n", "API", "in $/Mtok", "out $/Mtok", "listed");
    for (const ApiPrice& a : t.apis)
        fmt::print("| {:<40} | {:>10.3f} | {:>10.3f} | {:<10} | {}\n", a.label(), a.usd_per_mtok_input, a.usd_per_mtok_output,
                   a.listed, a.source);
}

void run(const CostCliOptions& o) {
    const bool need_table = o.list || !o.hardware.empty() || o.price_per_hour < 0 || !o.prices.empty();
    std::optional<PriceTable> table;
    // The API comparison always uses the table when one is found; only the hourly price may come from a flag.
    try {
        table = load_prices(o);
    } catch (const Error&) {
        if (need_table) throw;
    }
    if (o.list) {
        print_list(*table);
        return;
    }

    CostInputs in;
    std::string price_source;
    if (!o.hardware.empty()) {
        const HardwarePrice* h = table->find_hardware(o.hardware);
        if (!h) {
            std::string names;
            for (const HardwarePrice& x : table->hardware) names += (names.empty() ? "" : ", ") + x.name;
            throw Error(fmt::format("cost: --hardware '{}' is not in {} (known: {})", o.hardware, table->path, names));
        }
        in.usd_per_hour = h->usd_per_hour;
        price_source = fmt::format("{} at ${}/h (listed {}, {})", h->name, h->usd_per_hour, h->listed, h->source);
    } else if (o.price_per_hour >= 0) {
        in.usd_per_hour = o.price_per_hour;
        price_source = fmt::format("${}/h (--price-per-hour)", o.price_per_hour);
    } else {
        throw Error("cost: give --hardware NAME (see --list) or --price-per-hour USD");
    }

    if (o.monthly_input >= 0 || o.monthly_output >= 0) {
        in.volume.input_tokens = std::max(0.0, o.monthly_input);
        in.volume.output_tokens = std::max(0.0, o.monthly_output);
    } else {
        in.volume.input_tokens = o.monthly_tokens * o.input_share;
        in.volume.output_tokens = o.monthly_tokens * (1.0 - o.input_share);
    }
    in.baseline = o.baseline;
    in.one_time_cost_usd = o.one_time_cost;
    if (table) in.apis = table->apis;

    std::vector<PrecisionSpeed> speeds;
    if (!o.bench.empty()) {
        speeds = bench_speeds_load(o.bench);
    } else {
        if (o.tps_gen <= 0) throw Error("cost: give --tps-gen (generation tokens/s) or --bench FILE");
        speeds.push_back({o.name, o.tps_prompt, o.tps_gen});
    }
    apply_retention(speeds, o.retention);

    const std::vector<PrecisionCost> costs = cost_compare(speeds, in);
    std::optional<PrecisionPick> pick;
    if (o.min_retention >= 0) pick = cost_pick(speeds, costs, o.baseline, o.min_retention);
    const std::string baseline = o.baseline.empty() ? speeds.front().precision : o.baseline;

    if (o.json) {
        auto num_or_null = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
        nlohmann::json rows = nlohmann::json::array();
        for (size_t i = 0; i < costs.size(); ++i) {
            const PrecisionCost& c = costs[i];
            nlohmann::json apis = nlohmann::json::array();
            for (const ApiComparison& a : c.vs_api) apis.push_back({{"api", a.api}, {"monthly_usd", a.monthly_usd}, {"savings_usd", a.savings_usd}});
            rows.push_back({{"precision", c.precision},
                            {"pp_tps", speeds[i].pp_tps},
                            {"tg_tps", speeds[i].tg_tps},
                            {"retention_pct", num_or_null(speeds[i].retention_pct)},
                            {"cost_per_mtok_prompt", c.cost_per_mtok_prompt},
                            {"cost_per_mtok", c.cost_per_mtok_gen},
                            {"hours_per_month", c.hours_per_month},
                            {"machines", c.machines},
                            {"monthly_usd", c.monthly_usd},
                            {"savings_vs_baseline_usd", c.savings_vs_baseline_usd},
                            {"savings_vs_baseline_pct", c.savings_vs_baseline_pct},
                            {"payback_months", num_or_null(c.payback_months)},
                            {"vs_api", apis}});
        }
        nlohmann::json j = {{"usd_per_hour", in.usd_per_hour},
                            {"price_source", price_source},
                            {"prices_file", table ? table->path : ""},
                            {"monthly_input_tokens", in.volume.input_tokens},
                            {"monthly_output_tokens", in.volume.output_tokens},
                            {"one_time_cost_usd", in.one_time_cost_usd},
                            {"baseline", baseline},
                            {"precisions", rows}};
        if (pick) j["pick"] = {{"found", pick->found}, {"precision", pick->precision}, {"reason", pick->reason}, {"min_retention_pct", o.min_retention}};
        fmt::print("{}\n", j.dump(2));
        return;
    }

    fmt::print("price: {}\n", price_source);
    fmt::print("volume: {:.4g} input + {:.4g} output tokens a month; baseline {}\n\n", in.volume.input_tokens,
               in.volume.output_tokens, baseline);
    fmt::print("| {:<24} | {:>10} | {:>10} | {:>11} | {:>11} | {:>9} | {:>12} | {:>12} | {:>9} |\n", "precision", "pp t/s",
               "tg t/s", "$/Mtok in", "$/Mtok out", "hours/mo", "$/month", "saves/month", "payback");
    for (size_t i = 0; i < costs.size(); ++i) {
        const PrecisionCost& c = costs[i];
        const std::string payback = in.one_time_cost_usd == 0 ? "-" : std::isfinite(c.payback_months) ? fmt::format("{:.1f} mo", c.payback_months) : "never";
        fmt::print("| {:<24} | {:>10.1f} | {:>10.1f} | {:>11.4f} | {:>11.4f} | {:>9.2f} | {:>12.2f} | {:>12.2f} | {:>9} |\n",
                   c.precision, speeds[i].pp_tps, speeds[i].tg_tps, c.cost_per_mtok_prompt, c.cost_per_mtok_gen,
                   c.hours_per_month, c.monthly_usd, c.savings_vs_baseline_usd, payback);
    }
    if (!in.volume.empty() && !in.apis.empty()) {
        fmt::print("\nagainst API list prices (same monthly volume; positive = self-hosting saves):\n");
        for (size_t a = 0; a < in.apis.size(); ++a) {
            std::string line = fmt::format("  {:<40} ${:>10.2f}/month (listed {})", in.apis[a].label(), costs[0].vs_api[a].monthly_usd, in.apis[a].listed);
            for (const PrecisionCost& c : costs) line += fmt::format("  {} {:+.2f}", c.precision, c.vs_api[a].savings_usd);
            fmt::print("{}\n", line);
        }
    }
    if (pick) fmt::print("\npick: {}\n", pick->found ? pick->reason : "none: " + pick->reason);
}

}  // namespace

void add_cost_command(CLI::App& app, const GlobalOptions&) {
    auto opts = std::make_shared<CostCliOptions>();
    CLI::App* cmd = app.add_subcommand("cost", "Serving cost per precision from throughput and prices; savings, payback, the pick");
    cmd->add_option("--prices", opts->prices, "Price table JSON (default: the shipped resources/prices.json)");
    cmd->add_flag("--list", opts->list, "Print the price table and exit");
    auto* hw = cmd->add_option("--hardware", opts->hardware, "Hardware profile name from the price table");
    cmd->add_option("--price-per-hour", opts->price_per_hour, "USD per hour of the machine (instead of --hardware)")
        ->check(CLI::NonNegativeNumber)
        ->excludes(hw);
    auto* bench = cmd->add_option("--bench", opts->bench, "Throughput of every precision from a `quantscope-cli bench --json` file");
    cmd->add_option("--tps-gen", opts->tps_gen, "Generation throughput, tokens/s (one precision)")->check(CLI::PositiveNumber)->excludes(bench);
    cmd->add_option("--tps-prompt", opts->tps_prompt, "Prompt throughput, tokens/s (default: priced as generation)")
        ->check(CLI::NonNegativeNumber)
        ->excludes(bench);
    cmd->add_option("--name", opts->name, "Name of the precision given by --tps-gen")->capture_default_str();
    cmd->add_option("--monthly-tokens", opts->monthly_tokens, "Tokens a month, input and output together")->check(CLI::NonNegativeNumber);
    cmd->add_option("--input-share", opts->input_share, "Share of --monthly-tokens that are input (prompt) tokens")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--monthly-input", opts->monthly_input, "Input (prompt) tokens a month (overrides --monthly-tokens)")->check(CLI::NonNegativeNumber);
    cmd->add_option("--monthly-output", opts->monthly_output, "Output (generated) tokens a month")->check(CLI::NonNegativeNumber);
    cmd->add_option("--baseline", opts->baseline, "Precision the savings are measured against (default: the first)");
    cmd->add_option("--one-time-cost", opts->one_time_cost, "One-time cost in USD of adopting a precision (for the payback)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--retention", opts->retention, "PRECISION=PERCENT accuracy retention against the baseline, comma-separated")
        ->delimiter(',');
    cmd->add_option("--min-retention", opts->min_retention, "Pick the cheapest precision keeping at least this retention (%)")
        ->check(CLI::Range(0.0, 100.0));
    cmd->add_flag("--json", opts->json, "Print one JSON object on stdout");
    cmd->callback([opts] { run(*opts); });
}

}  // namespace qs::cli
