// quantscope-cli report: the stakeholder report of stored runs, as the workbench exports it.
//
//   quantscope-cli report --db results.db [--run ID]... --out report.pdf|report.html
//                         [--baseline P] [--reference LABEL]
//
// Without --run, the newest run. Several --run of different models make a cross-model report
// (each model against its own baseline unless --reference names the row to compare with).
#include <filesystem>
#include <fmt/format.h>

#include "commands.h"
#include "core/error.h"
#include "report_render.h"
#include "store/results_store.h"

namespace qs::cli {
namespace {

struct ReportCliOptions {
    std::string db, out, baseline, reference;
    std::vector<int64_t> runs;
};

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
    cmd->callback([o, &global] { run(*o, global); });
}

}  // namespace qs::cli
