// quantscope-cli history: what a results database holds, for scripts and CI. Lists the runs, shows
// one run exactly as `eval` printed it (same table, JSON keys and CSV columns), or deletes one.
//
//   quantscope-cli history --db results.db [--json]
//   quantscope-cli history --db results.db --run 3 [--json] [--csv run3.csv]
//   quantscope-cli history --db results.db --delete 3
//   quantscope-cli history --db results.db --run 3 --item 7     (a generation item's outputs, side by side)
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "core/error.h"
#include "eval_output.h"
#include "item_outputs.h"
#include "store/results_store.h"

namespace qs::cli {
namespace {

struct HistoryCliOptions {
    std::string db, csv;
    int64_t run_id = 0, delete_id = 0;
    int item = -1;
    bool json = false;
};

// {"runs": [{"id", "started_at", "finished_at", "model_name", "model_path", "model_hash",
//  "baseline", "note", "jobs_total", "jobs_done", "jobs_failed", "jobs_cancelled"}]}, newest first.
nlohmann::json runs_json(const std::vector<RunSummary>& runs) {
    nlohmann::json list = nlohmann::json::array();
    for (const RunSummary& s : runs)
        list.push_back({{"id", s.run.id},
                        {"started_at", s.run.started_at},
                        {"finished_at", s.run.finished_at},
                        {"model_name", s.run.model_name},
                        {"model_path", s.run.model_path},
                        {"model_hash", s.run.model_hash},
                        {"baseline", s.run.baseline},
                        {"note", s.run.note},
                        {"jobs_total", s.jobs_total},
                        {"jobs_done", s.jobs_done},
                        {"jobs_failed", s.jobs_failed},
                        {"jobs_cancelled", s.jobs_cancelled}});
    return {{"runs", list}};
}

void print_runs(const std::vector<RunSummary>& runs, const std::string& db) {
    if (runs.empty()) {
        fmt::print("{}: no runs\n", db);
        return;
    }
    fmt::print("{:>5}  {:<20}  {:<11}  {:>9}  {:>6}  {}\n", "run", "started (UTC)", "state", "jobs done", "failed", "model");
    for (const RunSummary& s : runs) {
        const std::string state = !s.run.finished_at.empty() ? "finished" : "unfinished";
        fmt::print("{:>5}  {:<20}  {:<11}  {:>4}/{:<4}  {:>6}  {}\n", s.run.id, s.run.started_at, state, s.jobs_done,
                   s.jobs_total, s.jobs_failed, s.run.model_name);
    }
}

void run(const HistoryCliOptions& o) {
    // Opening creates a database; a history of a file that does not exist is a typo, not an empty store.
    if (!std::filesystem::exists(o.db)) throw Error(fmt::format("{}: no such results database", o.db));
    ResultsStore store(o.db);
    if (o.delete_id > 0) {
        (void)store.load_run(o.delete_id);  // names the database when there is no such run
        store.delete_run(o.delete_id);
        fmt::print(stderr, "history: deleted run {} from {}\n", o.delete_id, o.db);
        return;
    }
    if (o.run_id > 0) {
        const RunRecord run = store.load_run(o.run_id);
        if (o.item >= 0) return print_item_outputs(run, o.item);
        if (!o.csv.empty()) eval_write_csv(run, o.csv);
        if (o.json) fmt::print("{}\n", eval_json(run, o.db, {}).dump(2));
        else eval_print_table(run);
        return;
    }
    if (!o.csv.empty()) throw Error("history: --csv needs --run (the CSV holds one run's jobs)");
    if (o.item >= 0) throw Error("history: --item needs --run");
    const std::vector<RunSummary> runs = store.list_runs();
    if (o.json) fmt::print("{}\n", runs_json(runs).dump(2));
    else print_runs(runs, o.db);
}

}  // namespace

void add_history_command(CLI::App& app, const GlobalOptions&) {
    auto o = std::make_shared<HistoryCliOptions>();
    CLI::App* cmd = app.add_subcommand("history", "List the runs of a results database, show one (as eval printed it) or delete one");
    cmd->add_option("--db", o->db, "SQLite results database written by eval or the workbench")->required();
    cmd->add_option("--run", o->run_id, "Show this run: its jobs and metrics")->check(CLI::PositiveNumber);
    cmd->add_option("--csv", o->csv, "With --run: also write the run as eval's CSV (- for stdout)");
    cmd->add_option("--item", o->item, "With --run: one generation item's outputs in every precision, differences from the baseline marked")->check(CLI::NonNegativeNumber);
    cmd->add_option("--delete", o->delete_id, "Delete this run with its jobs and results")->check(CLI::PositiveNumber);
    cmd->add_flag("--json", o->json, "Print JSON on stdout (the runs, or the run with eval's keys)");
    cmd->callback([o] { run(*o); });
}

}  // namespace qs::cli
