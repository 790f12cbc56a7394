// quantscope-cli report: the stakeholder report of stored runs, as the workbench exports it.
//
//   quantscope-cli report --db results.db [--run ID]... --out report.pdf|report.html
//                         [--baseline P] [--reference LABEL] [--hardware NAME] [--prices FILE] [--margin PP]
//
// Without --run, the newest run. Several --run of different models make a cross-model report
// (each model against its own baseline unless --reference names the row to compare with).
// The recommendation is the decision rule's (engine/eval/decision.h) on the first run, priced at
// the --hardware profile with the speeds that belong to it (engine/cost/run_recommendation.h);
// without --hardware, at the profile that matches the machine the run measured on, else ranked by
// bits per weight with no cost figures.
#include <filesystem>
#include <fmt/format.h>

#include "commands.h"
#include "core/error.h"
#include "cost/hardware_match.h"
#include "cost/price_table.h"
#include "cost/run_recommendation.h"
#include "cost_output.h"
#include "report_render.h"
#include "store/results_store.h"

namespace qs::cli {
namespace {

struct ReportCliOptions {
    std::string db, out, baseline, reference, hardware, prices;
    std::vector<int64_t> runs;
    double margin = 1.0;
};

// The profile to price with: the one named, else the one the run's own measurements belong to.
const HardwarePrice* report_profile(const PriceTable& prices, const std::string& name, const RunRecord& run) {
    if (!name.empty()) {
        const HardwarePrice* h = prices.find_hardware(name);
        if (!h) throw Error(fmt::format("report: --hardware '{}' is not in {}", name, prices.path));
        return h;
    }
    const MeasuringMachine here = measuring_machine_parse(run.machine);
    for (const HardwarePrice& h : prices.hardware)
        if (hardware_matches(h, here)) return &h;
    return nullptr;
}

void run(const ReportCliOptions& o, const GlobalOptions& global) {
    if (!report_render_available()) throw Error(o.out + ": reports need the GUI build (configure with -DQS_BUILD_GUI=ON)");
    if (!std::filesystem::exists(o.db)) throw Error(fmt::format("{}: no such results database", o.db));
    const ResultsStore store(o.db);
    ReportRenderInputs in;
    if (o.runs.empty()) {
        const auto list = store.list_runs();
        if (list.empty()) throw Error(fmt::format("{}: the database holds no run", o.db));
        in.runs.push_back(store.load_run(list.front().run.id));  // newest first
    }
    for (int64_t id : o.runs) in.runs.push_back(store.load_run(id));
    in.baseline = o.baseline;
    in.reference = o.reference;

    const std::string prices_path = price_table_path(o.prices, "report");
    const PriceTable prices = price_table_load(prices_path);
    const HardwarePrice* profile = report_profile(prices, o.hardware, in.runs.front());
    DecisionOptions dopt;
    dopt.margin_pp = o.margin;
    const RunVerdict verdict = run_verdict(in.runs.front(), profile, prices.roofline, dopt, o.baseline);
    for (const PrecisionCost& c : verdict.costs) in.cost_per_mtok.push_back({c.precision, c.cost_per_mtok_gen});
    in.cost_where = run_verdict_where(verdict, profile);
    if (!verdict.costs.empty()) in.cost_note = in.cost_where;
    in.decision = verdict.decision;
    in.costs = verdict.costs;
    for (const ApiPrice& a : prices.apis) in.api_prices.push_back({a.label(), a.usd_per_mtok_output});
    report_render(in, o.out);
    if (!global.quiet) fmt::print(stderr, "report: {} run(s) from {}\n", in.runs.size(), o.db);
    fmt::print("wrote {}\n", o.out);
}

}  // namespace

void add_report_command(CLI::App& app, const GlobalOptions& global) {
    auto o = std::make_shared<ReportCliOptions>();
    CLI::App* cmd = app.add_subcommand("report", "Write the report of stored runs (PDF or HTML, as the workbench exports it)");
    cmd->add_option("--db", o->db, "Results database (eval --db)")->required();
    cmd->add_option("--run", o->runs, "Run id (repeat to compare runs or models; default: the newest run)");
    cmd->add_option("-o,--out", o->out, "Output file: .pdf or .html")->required();
    cmd->add_option("--baseline", o->baseline, "Precision each model is compared with (default: the run's baseline)");
    cmd->add_option("--reference", o->reference,
                    "Compare every row with this one instead (a row label as the report shows it, e.g. \"m1 · F16\")");
    cmd->add_option("--hardware", o->hardware, "Hardware profile the costs are priced at (default: the one matching the machine the run measured on)");
    cmd->add_option("--prices", o->prices, "Price table JSON (default: the shipped resources/prices.json)");
    cmd->add_option("--margin", o->margin, "Non-inferiority margin for the recommendation, accuracy points")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->callback([o, &global] { run(*o, global); });
}

}  // namespace qs::cli
