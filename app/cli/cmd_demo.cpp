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
#include "demo_render.h"
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
    double min_retention = 99.0;
};

std::string executable_path() {
    std::error_code ec;
    const fs::path p = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : p.string();
}

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
    const std::string prices_path = o.prices.empty() ? price_table_default_path(executable_path()) : o.prices;
    if (prices_path.empty()) throw Error("demo: no price table found (resources/prices.json); pass one with --prices");
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

    // Cost is derived from the measured throughput, so it joins the bench jobs' metrics (and the
    // database, where the GUI's ROI page and charts find it).
    for (size_t i : demo_add_cost_metrics(result, hw->usd_per_hour)) store.finish_job(result.jobs[i]);
    const std::string recommendation = demo_recommendation(result, hw->usd_per_hour, o.min_retention);

    eval_write_csv(result, (out / "results.csv").string());
    write_text(out / "results.json", eval_json(result, db_path.string(), {}).dump(2) + "\n");
    const std::string hw_label = fmt::format("{}, ${}/h", hw->name, hw->usd_per_hour);
    const std::string table = demo_figures_markdown(demo_figures(result), hw_label);
    write_text(out / "summary.md", fmt::format("# QuantScope demo\n\nModel: {}\n\n{}\n{}\n", assets.model_path, table,
                                               recommendation.empty() ? "" : recommendation + "\n"));

    std::vector<std::string> files = {(out / "results.db").string(), (out / "results.csv").string(),
                                      (out / "results.json").string(), (out / "summary.md").string()};
    if (demo_render_available()) {
        DemoRenderInputs render;
        render.run = &result;
        render.out_dir = out.string();
        render.usd_per_hour = hw->usd_per_hour;
        for (const ApiPrice& a : prices.apis) render.api_prices.push_back({a.label(), a.usd_per_mtok_output});
        render.recommendation = recommendation;
        render.offscreen = o.headless || !has_display();
        for (std::string& f : demo_render(render)) files.push_back(std::move(f));
    }

    fmt::print("\n{}\n", table);
    if (!recommendation.empty()) fmt::print("{}\n\n", recommendation);
    for (const std::string& f : files) fmt::print("wrote {}\n", f);
    if (!demo_render_available())
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
    cmd->add_option("--min-retention", o->min_retention, "Accuracy retention (%) the recommended precision must keep")
        ->capture_default_str()->check(CLI::Range(0.0, 100.0));
    cmd->callback([o, &global] { run(*o, global); });
}

}  // namespace qs::cli
