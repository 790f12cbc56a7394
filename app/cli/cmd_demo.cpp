// quantscope-cli demo [--out DIR] [--headless] [--quick] [--threads T]
//
// The whole workbench on the built-in demo, with nothing to download: the project's own small
// llama (resources/demo) at seven precisions (F32, F16, Q8_0, Q4_K_M, Q4_0, Q2_K and QuantScope's
// in-memory NF4), measured for perplexity on the held-out King James books, KL divergence against
// F32, accuracy and calibration on the next-word task, speed, and cost on the price table's first
// hardware profile. Everything goes into one folder: results.db (the GUI opens it), results.csv,
// results.json, summary.md and, in a GUI build, charts/*.png|svg and report.html|pdf.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include "commands.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "cost/price_table.h"
#include "demo/demo_assets.h"
#include "demo/demo_matrix.h"
#include "cost_output.h"
#include "report_render.h"
#include "demo_summary.h"
#include "eval_output.h"
#include "jobs/job_runner.h"
#include "job_progress_observer.h"
#include "progress_bar.h"
#include "store/results_store.h"

namespace qs::cli {
namespace {
namespace fs = std::filesystem;

struct DemoCliOptions {
    std::string out = "quantscope-demo";
    std::string prices;        // price table; "" = the shipped one
    std::string hardware;      // profile name; "" = the table's first
    bool headless = false, quick = false;
    int threads = 0;
    double min_retention = -1;  // % (extra requirement; < 0: none)
    double margin = 1.0;        // non-inferiority margin, accuracy points
};


void write_text(const fs::path& path, const std::string& text) { qs::write_file_atomic(path.string(), text); }

bool has_display() {
    const char* x = std::getenv("DISPLAY");
    const char* wl = std::getenv("WAYLAND_DISPLAY");
    return (x && *x) || (wl && *wl);
}

void run(const DemoCliOptions& o, const GlobalOptions& global) {
    const auto started = std::chrono::steady_clock::now();
    const fs::path out = fs::absolute(o.out).lexically_normal();
    std::error_code ec;
    fs::create_directories(out, ec);
    if (ec) fail_file(out.string(), "cannot create the output folder: {}", ec.message());

    // Prices first: a bad table should stop the demo before minutes of work.
    const std::string prices_path = price_table_path(o.prices, "demo");
    const PriceTable prices = price_table_load(prices_path);
    const HardwarePrice* hw = o.hardware.empty() ? (prices.hardware.empty() ? nullptr : &prices.hardware.front())
                                                 : prices.find_hardware(o.hardware);
    if (!hw) throw Error(fmt::format("demo: {}: no hardware profile '{}'", prices_path, o.hardware));

    DemoAssets assets;
    {
        ProgressBar bar(!global.quiet);
        Progress progress(bar.callback());
        assets = demo_prepare((out / "data").string(), progress);
    }
    const EvalMatrix matrix = demo_matrix(assets, o.quick);
    const size_t n_jobs = plan_jobs(matrix).size();
    if (!global.quiet)
        std::fprintf(stderr, "demo: %s, %zu precisions, %zu jobs; results in %s\n", assets.model_path.c_str(),
                     matrix.precisions.size(), n_jobs, out.c_str());

    const fs::path db_path = out / "results.db";
    fs::remove(db_path, ec);  // one run per folder: the report shows this run only
    fs::remove(out / "results.db-wal", ec);
    fs::remove(out / "results.db-shm", ec);
    ResultsStore store(db_path.string());
    JobProgressObserver observer(!global.quiet, n_jobs);
    RunnerOptions ropts;
    ropts.threads = o.threads;
    ropts.store = &store;
    ropts.observer = &observer;
    JobRunner runner(matrix, ropts);
    RunRecord result = runner.run();

    // What the evidence supports, priced at the profile with the speed that belongs to it. Cost
    // joins the bench jobs' metrics (and the database, where the GUI's ROI page and charts find
    // it) only when the profile is this machine: a measured speed at its own price.
    const DemoVerdict verdict = demo_recommendation(result, *hw, prices.roofline, o.margin,
                                                    o.min_retention >= 0 ? o.min_retention : std::nan(""));
    const bool measured_here = verdict.speeds.ok && verdict.speeds.source == SpeedSource::Measured;
    if (measured_here)
        for (size_t i : demo_add_cost_metrics(result, hw->usd_per_hour)) store.finish_job(result.jobs[i]);
    const std::string& recommendation = verdict.text;

    eval_write_csv(result, (out / "results.csv").string());
    write_text(out / "results.json", eval_json(result, db_path.string(), {}).dump(2) + "\n");
    const std::string table = demo_figures_markdown(demo_figures(result), *hw, verdict);
    write_text(out / "summary.md", fmt::format("# QuantScope demo\n\nModel: {}\n\n{}\n{}\n", assets.model_path, table,
                                               recommendation.empty() ? "" : recommendation + "\n"));

    std::vector<std::string> files = {(out / "results.db").string(), (out / "results.csv").string(),
                                      (out / "results.json").string(), (out / "summary.md").string()};
    if (report_render_available()) {
        ReportRenderInputs render;
        render.runs = {result};
        render.baseline = result.baseline;
        // Costs at the profile's price with the speeds that belong to it (measured here only when
        // the profile is this machine), labelled with where they come from.
        for (const PrecisionCost& c : verdict.costs) render.cost_per_mtok.push_back({c.precision, c.cost_per_mtok_gen});
        render.cost_where = run_verdict_where(verdict, hw);
        if (!verdict.costs.empty()) render.cost_note = render.cost_where;
        render.decision = verdict.decision;
        render.costs = verdict.costs;
        for (const ApiPrice& a : prices.apis) render.api_prices.push_back({a.label(), a.usd_per_mtok_output});
        render.offscreen = o.headless || !has_display();
        for (std::string& f : charts_render(render, (out / "charts").string())) files.push_back(std::move(f));
        for (const char* name : {"report.html", "report.pdf"}) {
            report_render(render, (out / name).string());
            files.push_back((out / name).string());
        }
    }

    fmt::print("\n{}\n", table);
    if (!recommendation.empty()) fmt::print("{}\n\n", recommendation);
    for (const std::string& f : files) fmt::print("wrote {}\n", f);
    if (!report_render_available())
        fmt::print("charts and the report need the GUI build (configure with -DQS_BUILD_GUI=ON)\n");
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    fmt::print("demo: {} jobs in {:.0f} s; outputs in {}\n", result.jobs.size(), seconds, out.string());

    int failed = 0;
    for (const JobRecord& j : result.jobs) failed += j.status != JobStatus::Done;
    if (failed) throw Error(fmt::format("demo: {} of {} jobs did not finish (see above)", failed, result.jobs.size()));
}

}  // namespace

void add_demo_command(CLI::App& app, const GlobalOptions& global) {
    auto o = std::make_shared<DemoCliOptions>();
    CLI::App* cmd = app.add_subcommand("demo", "Run the built-in demo (7 precisions: quality, speed, cost) and write the report, CSV and charts");
    cmd->add_option("-o,--out", o->out, "Output folder (created; its results.db is replaced)")->capture_default_str();
    cmd->add_flag("--headless", o->headless, "Draw charts and the report off screen even when a display is present");
    cmd->add_flag("--quick", o->quick, "A seconds-long version (short chunks, few items, tiny bench) for tests");
    cmd->add_option("-t,--threads", o->threads, "Threads in total (0: every core)")->capture_default_str()->check(CLI::Range(0, 1024));
    cmd->add_option("--prices", o->prices, "Price table JSON (default: the shipped resources/prices.json)");
    cmd->add_option("--hardware", o->hardware, "Hardware profile of the price table (default: its first)");
    cmd->add_option("--margin", o->margin, "Non-inferiority margin for the recommendation, accuracy points")
        ->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--min-retention", o->min_retention, "Also require this accuracy retention (%) of the recommended precision")
        ->check(CLI::Range(0.0, 100.0));
    cmd->callback([o, &global] { run(*o, global); });
}

}  // namespace qs::cli
