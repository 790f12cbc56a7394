// quantscope-cli cost: what serving costs per precision, from throughput and a price per hour
// (engine/cost/cost_model.h states the model), and which precision the evidence supports
// (engine/eval/decision.h). Throughput comes from flags (one precision), a bench file from the
// target machine (llama-bench -o json or `quantscope-cli bench --json`), a results database's bench
// jobs (--db/--run: measured here, priced only at a profile that is this machine), or the profile's
// roofline estimate (engine/cost/profile_speeds.h says which, and every figure is labelled).
//
//   quantscope-cli cost --hardware aws-c7a.large --tps-gen 2600 --tps-prompt 17000
//   quantscope-cli cost --bench llama-bench.json --price-per-hour 0.10 --monthly-input 2e9 --monthly-output 5e8
//   quantscope-cli cost --db results.db --run 3 --hardware aws-g6.xlarge --margin 1 --monthly-tokens 1e9 [--json]
//   quantscope-cli cost --list
#include <cmath>
#include <filesystem>
#include <optional>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "commands.h"
#include "core/error.h"
#include "cost/bench_speeds.h"
#include "cost/cost_model.h"
#include "cost/hardware_match.h"
#include "cost/price_table.h"
#include "cost/profile_speeds.h"
#include "cost/run_recommendation.h"
#include "cost_output.h"
#include "eval_output.h"
#include "store/results_store.h"

namespace qs::cli {
namespace {

struct CostCliOptions {
    std::string prices, hardware, bench, baseline, name = "measured", db, csv;
    int64_t run_id = 0;  // 0: the newest run in --db
    double price_per_hour = -1, tps_gen = 0, tps_prompt = 0;
    double monthly_tokens = 0, input_share = 0.5, monthly_input = -1, monthly_output = -1;
    double one_time_cost = 0, min_retention = -1;
    double margin = 1.0, kld_max = -1, ppl_ratio_max = -1;
    std::vector<std::string> retention;  // PRECISION=PCT
    bool list = false, json = false, estimate = false, margin_given = false;
};

PriceTable load_prices(const CostCliOptions& o) { return price_table_load(price_table_path(o.prices, "cost")); }

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
    fmt::print("| {:<22} | {:>9} | {:<10} | {:<4} | {:>8} | {:<33} | {}\n", "hardware", "USD/hour", "listed", "kind", "GB/s",
               "speed here comes from", "description / source");
    const MeasuringMachine here = measuring_machine_this();
    for (const HardwarePrice& h : t.hardware) {
        const std::string from = hardware_matches(h, here) ? "measured (this machine)"
                                 : h.memory_bandwidth_gbs > 0 ? "estimated (or --bench import)"
                                                              : "--bench import only";
        fmt::print("| {:<22} | {:>9.4f} | {:<10} | {:<4} | {:>8} | {:<33} | {} ({})\n", h.name, h.usd_per_hour, h.listed,
                   hardware_kind_name(h.kind), h.memory_bandwidth_gbs > 0 ? fmt::format("{:g}", h.memory_bandwidth_gbs) : "—", from,
                   h.description, h.source);
    }
    fmt::print("\nthis machine: {}\n", here.text());
    fmt::print("\n| {:<40} | {:>10} | {:>10} | {:<10} | source\n", "API", "in $/Mtok", "out $/Mtok", "listed");
    for (const ApiPrice& a : t.apis)
        fmt::print("| {:<40} | {:>10.3f} | {:>10.3f} | {:<10} | {}\n", a.label(), a.usd_per_mtok_input, a.usd_per_mtok_output,
                   a.listed, a.source);
}

// One row per precision with where its speed comes from and its verdict (when judged).
void write_csv(const std::string& path, const std::vector<PrecisionSpeed>& speeds, const std::vector<PrecisionCost>& costs,
               const Decision* decision) {
    std::ostringstream out;
    out << "precision,speed_source,speed_source_detail,pp_tps,pp_tps_sd,tg_tps,tg_tps_sd,cost_per_mtok_prompt,cost_per_mtok,"
           "hours_per_month,monthly_usd,savings_vs_baseline_usd,payback_months,verdict,verdict_reason\n";
    for (size_t i = 0; i < costs.size(); ++i) {
        const PrecisionSpeed& s = speeds[i];
        const PrecisionCost& c = costs[i];
        std::string verdict, reason;
        if (decision)
            for (const CandidateDecision& d : decision->candidates)
                if (d.precision == c.precision) verdict = verdict_name(d.verdict), reason = d.reason;
        out << csv_field(c.precision) << ',' << speed_source_name(s.source) << ',' << csv_field(s.source_detail) << ','
            << csv_number(s.pp_tps) << ',' << csv_number(s.pp_tps_sd) << ',' << csv_number(s.tg_tps) << ',' << csv_number(s.tg_tps_sd) << ','
            << csv_number(c.cost_per_mtok_prompt) << ',' << csv_number(c.cost_per_mtok_gen) << ',' << csv_number(c.hours_per_month) << ','
            << csv_number(c.monthly_usd) << ',' << csv_number(c.savings_vs_baseline_usd) << ','
            << (std::isfinite(c.payback_months) ? csv_number(c.payback_months) : std::string()) << ',' << csv_field(verdict) << ','
            << csv_field(reason) << '\n';
    }
    write_csv_output(path, out.str());
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

    // Evidence and measured speeds from a stored run.
    std::optional<RunEvidence> stored;
    if (!o.db.empty()) {
        if (!std::filesystem::exists(o.db)) throw Error(fmt::format("{}: no such results database", o.db));
        ResultsStore store(o.db);
        int64_t id = o.run_id;
        if (id == 0) {
            const auto runs = store.list_runs();
            if (runs.empty()) throw Error(fmt::format("{}: the database holds no run", o.db));
            id = runs.front().run.id;
        }
        stored = run_evidence(store.load_run(id), o.baseline);
    }
    std::optional<ImportedSpeeds> imported;
    if (!o.bench.empty()) imported = bench_speeds_load(o.bench);

    // The speeds: given on the command line, or the profile's own (imported / measured / estimated).
    const HardwarePrice* profile = o.hardware.empty() ? nullptr : table->find_hardware(o.hardware);
    ProfileSpeeds chosen;
    if (o.tps_gen > 0) {
        PrecisionSpeed s;
        s.precision = o.name;
        s.pp_tps = o.tps_prompt;
        s.tg_tps = o.tps_gen;
        s.source = SpeedSource::Imported;
        s.source_detail = "given on the command line (--tps-gen/--tps-prompt)";
        chosen.ok = true;
        chosen.source = SpeedSource::Imported;
        chosen.speeds = {s};
        chosen.why = s.source_detail;
    } else {
        if (!stored && !imported) throw Error("cost: give --tps-gen (generation tokens/s), --bench FILE or --db FILE");
        if (o.estimate && !profile) throw Error("cost: --estimate needs --hardware NAME (a profile with memory bandwidth figures)");
        chosen = profile_speeds(profile, table ? table->roofline : RooflineParams{}, stored ? &stored->measured : nullptr,
                                imported ? &*imported : nullptr, o.estimate);
        if (!chosen.ok) throw Error("cost: " + chosen.why);
    }
    std::vector<PrecisionSpeed>& speeds = chosen.speeds;
    apply_retention(speeds, o.retention);
    if (!o.baseline.empty() && std::none_of(speeds.begin(), speeds.end(), [&](const PrecisionSpeed& s) { return s.precision == o.baseline; }))
        throw Error(fmt::format("cost: --baseline '{}' has no speed (precisions with one: {})", o.baseline, [&] {
            std::string n;
            for (const PrecisionSpeed& s : speeds) n += (n.empty() ? "" : ", ") + s.precision;
            return n;
        }()));
    if (stored && in.baseline.empty()) {
        // The run's baseline, when it has a speed; the savings are then against the precision the evidence compares with.
        for (const PrecisionSpeed& s : speeds)
            if (s.precision == stored->baseline) in.baseline = stored->baseline;
    }

    const std::vector<PrecisionCost> costs = cost_compare(speeds, in);
    const std::string baseline = in.baseline.empty() ? speeds.front().precision : in.baseline;

    // The recommendation, whenever there is something to judge or the user asked for one.
    std::optional<Decision> decision;
    const bool judge = stored || o.min_retention >= 0 || o.margin_given || o.kld_max > 0 || o.ppl_ratio_max > 0;
    if (judge) {
        DecisionOptions dopt;
        dopt.margin_pp = o.margin;
        if (o.kld_max > 0) dopt.kld_max = o.kld_max;
        if (o.ppl_ratio_max > 0) dopt.ppl_ratio_max = o.ppl_ratio_max;
        if (o.min_retention >= 0) dopt.min_retention_pct = o.min_retention;
        std::vector<CandidateEvidence> evidence = stored ? stored->evidence : evidence_from_speeds(speeds);
        for (const PrecisionSpeed& s : speeds) {  // --retention figures and precisions only the bench file has
            auto it = std::find_if(evidence.begin(), evidence.end(), [&](const CandidateEvidence& e) { return e.precision == s.precision; });
            if (it == evidence.end()) {
                evidence.push_back({});
                it = evidence.end() - 1;
                it->precision = s.precision;
            }
            if (!std::isnan(s.retention_pct)) it->retention_pct = s.retention_pct;
        }
        // The evidence compares with the run's baseline, whether or not that one has a speed.
        decision = recommend_servable(evidence, costs, chosen, profile, stored ? stored->baseline : baseline, dopt);
    }

    if (!o.csv.empty()) write_csv(o.csv, speeds, costs, decision ? &*decision : nullptr);

    if (o.json) {
        auto num_or_null = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
        nlohmann::json rows = nlohmann::json::array();
        for (size_t i = 0; i < costs.size(); ++i) {
            const PrecisionCost& c = costs[i];
            const PrecisionSpeed& s = speeds[i];
            nlohmann::json apis = nlohmann::json::array();
            for (const ApiComparison& a : c.vs_api) apis.push_back({{"api", a.api}, {"monthly_usd", a.monthly_usd}, {"savings_usd", a.savings_usd}});
            rows.push_back({{"precision", c.precision},
                            {"pp_tps", s.pp_tps},
                            {"tg_tps", s.tg_tps},
                            {"pp_tps_sd", num_or_null(s.pp_tps_sd)},
                            {"tg_tps_sd", num_or_null(s.tg_tps_sd)},
                            {"speed_source", speed_source_name(s.source)},
                            {"speed_source_detail", s.source_detail},
                            {"model_file", s.model_file},
                            {"retention_pct", num_or_null(s.retention_pct)},
                            {"cost_per_mtok_prompt", c.cost_per_mtok_prompt},
                            {"cost_per_mtok", c.cost_per_mtok_gen},
                            {"hours_per_month", c.hours_per_month},
                            {"machines", c.machines},
                            {"monthly_usd", c.monthly_usd},
                            {"savings_vs_baseline_usd", c.savings_vs_baseline_usd},
                            {"savings_vs_baseline_pct", c.savings_vs_baseline_pct},
                            {"savings_text", savings_text(c.savings_vs_baseline_usd)},
                            {"payback_months", num_or_null(c.payback_months)},
                            {"payback_text", payback_text(c.payback_months, in.one_time_cost_usd > 0)},
                            {"vs_api", apis}});
            if (const ServingCapacity* cap = chosen.capacity_of(c.precision); cap && cap->known)
                rows.back()["capacity"] = {{"fits", cap->fits},
                                           {"usable_bytes", cap->usable_bytes},
                                           {"weight_bytes", cap->weight_bytes},
                                           {"kv_bytes_per_position", cap->kv_bytes_per_position},
                                           {"context_tokens", cap->context_tokens},
                                           {"max_sequences", cap->max_sequences},
                                           {"max_context_tokens", cap->max_context},
                                           {"text", serving_capacity_text(*cap)}};
        }
        nlohmann::json j = {{"usd_per_hour", in.usd_per_hour},
                            {"price_source", price_source},
                            {"prices_file", table ? table->path : ""},
                            {"hardware", profile ? profile->name : ""},
                            {"speed_source", speed_source_name(chosen.source)},
                            {"speed_source_detail", chosen.why},
                            {"monthly_input_tokens", in.volume.input_tokens},
                            {"monthly_output_tokens", in.volume.output_tokens},
                            {"one_time_cost_usd", in.one_time_cost_usd},
                            {"baseline", baseline},
                            {"precisions", rows}};
        if (imported) {
            j["bench_format"] = imported->format;
            j["bench_device"] = imported->device;
            j["bench_notes"] = imported->notes;
        }
        if (decision) j["decision"] = decision_json(*decision);
        if (o.min_retention >= 0)
            j["pick"] = {{"found", decision->decided && !decision->picked.empty()},
                         {"precision", decision->picked},
                         {"reason", decision->reason},
                         {"min_retention_pct", o.min_retention}};
        fmt::print("{}\n", j.dump(2));
        return;
    }

    fmt::print("price: {}\n", price_source);
    fmt::print("speed: {} — {}\n", speed_source_name(chosen.source), chosen.why);
    if (imported)
        for (const std::string& note : imported->notes) fmt::print("  note: {}\n", note);
    for (const PrecisionSpeed& s : speeds)
        if (s.tg_tps_sd > 0.25 * s.tg_tps)
            fmt::print("  note: {}'s generation speed varies by ±{:.0f} % between repetitions: its costs are that uncertain (measure on an idle machine)\n",
                       s.precision, 100 * s.tg_tps_sd / s.tg_tps);
    fmt::print("volume: {:.4g} input + {:.4g} output tokens a month; baseline {}\n\n", in.volume.input_tokens,
               in.volume.output_tokens, baseline);
    fmt::print("| {:<24} | {:<9} | {:>18} | {:>16} | {:>11} | {:>11} | {:>9} | {:>12} | {:>22} | {:>19} |\n", "precision", "speed",
               "pp t/s", "tg t/s", "$/Mtok in", "$/Mtok out", "hours/mo", "$/month", "vs baseline, a month", "payback");
    for (size_t i = 0; i < costs.size(); ++i) {
        const PrecisionCost& c = costs[i];
        const PrecisionSpeed& s = speeds[i];
        fmt::print("| {:<24} | {:<9} | {:>18} | {:>16} | {:>11.4f} | {:>11.4f} | {:>9.2f} | {:>12.2f} | {:>22} | {:>19} |\n", c.precision,
                   speed_source_name(s.source), speed_text(s.pp_tps, s.pp_tps_sd), speed_text(s.tg_tps, s.tg_tps_sd), c.cost_per_mtok_prompt,
                   c.cost_per_mtok_gen, c.hours_per_month, c.monthly_usd,
                   c.precision == baseline ? std::string("(baseline)") : savings_text(c.savings_vs_baseline_usd),
                   payback_text(c.payback_months, in.one_time_cost_usd > 0 && c.precision != baseline));
    }
    if (!chosen.capacity.empty()) {
        fmt::print("\non {} ({:g} GB, {:.0f} % usable for weights and KV cache; {}-token sequences):\n", profile->name,
                   profile->memory_gb, 100 * (table ? table->roofline.memory_usable_fraction : 0.9),
                   chosen.capacity.front().context_tokens);
        for (const ServingCapacity& cap : chosen.capacity) fmt::print("  {:<24} {}\n", cap.precision, serving_capacity_text(cap));
    }
    if (!in.volume.empty() && !in.apis.empty()) {
        fmt::print("\nagainst API list prices (same monthly volume):\n");
        for (size_t a = 0; a < in.apis.size(); ++a) {
            std::string line = fmt::format("  {:<40} ${:>10.2f}/month (listed {})", in.apis[a].label(), costs[0].vs_api[a].monthly_usd, in.apis[a].listed);
            for (const PrecisionCost& c : costs) line += fmt::format("  {} {}", c.precision, savings_text(c.vs_api[a].savings_usd));
            fmt::print("{}\n", line);
        }
    }
    if (decision) fmt::print("\n{}", decision_text(*decision));
}

}  // namespace

void add_cost_command(CLI::App& app, const GlobalOptions&) {
    auto opts = std::make_shared<CostCliOptions>();
    CLI::App* cmd = app.add_subcommand("cost", "Serving cost per precision from labelled throughput and prices; savings, payback, the recommendation");
    cmd->add_option("--prices", opts->prices, "Price table JSON (default: the shipped resources/prices.json)");
    cmd->add_flag("--list", opts->list, "Print the price table and exit");
    auto* hw = cmd->add_option("--hardware", opts->hardware, "Hardware profile name from the price table");
    cmd->add_option("--price-per-hour", opts->price_per_hour, "USD per hour of the machine (instead of --hardware)")
        ->check(CLI::NonNegativeNumber)
        ->excludes(hw);
    auto* bench = cmd->add_option("--bench", opts->bench,
                                  "Throughput measured on the target machine: llama-bench's -o json (or jsonl) output as it is, or `quantscope-cli bench --json`");
    auto* db = cmd->add_option("--db", opts->db, "Results database: the run's bench jobs (measured here) and its task/KLD jobs (the evidence)");
    cmd->add_option("--run", opts->run_id, "Run id in --db (default: the newest)")->needs(db)->check(CLI::PositiveNumber);
    cmd->add_flag("--estimate", opts->estimate, "Use the --hardware profile's roofline estimate even when a measured or imported speed exists");
    cmd->add_option("--margin", opts->margin, "Non-inferiority margin for accuracy, percentage points (default 1)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--kld-max", opts->kld_max, "Non-inferior when mean KLD's 95 % upper bound is below this (nats); for perplexity/KLD-only runs")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--ppl-ratio-max", opts->ppl_ratio_max, "Non-inferior when PPL(Q)/PPL(base)'s 95 % upper bound is below this (e.g. 1.01)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--csv", opts->csv, "Also write one row per precision (speed source, costs, verdict) to this CSV file (- for stdout)");
    cmd->add_option("--tps-gen", opts->tps_gen, "Generation throughput, tokens/s (one precision)")->check(CLI::PositiveNumber)->excludes(bench)->excludes(db);
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
    cmd->add_option("--retention", opts->retention, "PRECISION=PERCENT accuracy retention against the baseline, comma-separated (a point estimate: never enough for a pick)")
        ->delimiter(',');
    cmd->add_option("--min-retention", opts->min_retention,
                    "Also require at least this accuracy retention (%); a pick still needs the interval evidence (--db)")
        ->check(CLI::Range(0.0, 100.0));
    cmd->add_flag("--json", opts->json, "Print one JSON object on stdout");
    cmd->callback([opts, cmd] {
        opts->margin_given = cmd->count("--margin") > 0;
        run(*opts);
    });
}

}  // namespace qs::cli
