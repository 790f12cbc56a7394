// quantscope-cli eval --model M --precisions F16,Q8_0,Q4_K_M,Q4_0 [--baseline F16] [--ppl FILE] [--kld]
//     [--task hellaswag=FILE]... [--limit N] [--db FILE] [--csv FILE] [--json] (more flags: --help)
//
// The whole matrix runs as jobs (engine/jobs); each finished job is in the database at once, so
// Ctrl-C (or a kill) loses only the jobs still running.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "commands.h"
#include "core/error.h"
#include "eval_output.h"
#include "eval_remote.h"
#include "jobs/job_runner.h"
#include "job_progress_observer.h"
#include "progress_bar.h"
#include "store/results_store.h"
#include "task_args.h"

namespace qs::cli {
namespace {

struct EvalCliOptions {
    EvalMatrix matrix;
    std::vector<std::string> task_args;    // NAME=FILE
    std::vector<std::string> format_args;  // NAME=FORMAT
    std::string db, csv, memory_budget, on_bad_line = "stop";
    int threads = 0, workers = 1;
    bool json = false;
    RemoteEvalArgs remote;  // --endpoint: the matrix runs through an endpoint (eval_remote.h)
};

// "8G", "512M", "1.5GiB", "1000000": bytes.
uint64_t parse_bytes(const std::string& s) {
    size_t used = 0;
    double v = 0;
    try {
        v = std::stod(s, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    std::string unit = s.substr(used);
    for (char& c : unit) c = char(std::toupper(static_cast<unsigned char>(c)));
    static const std::map<std::string, double> units = {
        {"", 1}, {"B", 1}, {"K", 1024.0}, {"KB", 1024.0}, {"KIB", 1024.0}, {"M", 1048576.0}, {"MB", 1048576.0},
        {"MIB", 1048576.0}, {"G", 1073741824.0}, {"GB", 1073741824.0}, {"GIB", 1073741824.0}};
    auto it = units.find(unit);
    if (used == 0 || it == units.end() || v <= 0) throw Error("eval: --memory-budget '" + s + "' is not a size (e.g. 8G, 512M)");
    return uint64_t(v * it->second);
}

// Ctrl-C: the handler only sets a flag (all it may do); a watcher thread turns it into cancel_all().
std::atomic<bool> g_interrupted{false};
extern "C" void on_sigint(int) {
    g_interrupted.store(true);
    std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

// How each task file is read, once per task: the format decides the prompt, so a person must see
// which one applied and why ("detected: question.stem with ids like '7-980'").
void print_task_formats(const std::vector<JobSpec>& jobs) {
    std::set<std::string> seen;
    for (const JobSpec& j : jobs) {
        if (j.evaluator != EvaluatorKind::Task || !seen.insert(j.dataset).second) continue;
        const nlohmann::json settings = nlohmann::json::parse(j.settings_json);
        std::fprintf(stderr, "eval: task %s: %s read as %s (%s)\n", j.dataset.c_str(), j.dataset_path.c_str(),
                     j.format.c_str(), settings.value("format_source", std::string("given")).c_str());
    }
}

void run(EvalCliOptions& o, const GlobalOptions& global) {
    o.matrix.tasks = parse_task_args(o.task_args, o.format_args, "eval");
    o.matrix.on_bad_line = o.on_bad_line == "skip" ? BadLinePolicy::Skip : BadLinePolicy::Stop;
    if (!o.remote.endpoint.url.empty() || !o.remote.endpoint.model.empty()) {
        if (const int failed = run_remote_eval(o.matrix, o.remote, o.db, o.csv, o.json, global))
            throw Error(fmt::format("eval: {} jobs failed (see above)", failed));
        return;
    }
    if (o.matrix.model_path.empty() || o.matrix.precisions.empty())
        throw Error("eval: --model and --precisions are required (or --endpoint and --api-model for a remote model)");

    // Jobs are numbered in plan order; the observer needs the count before the first callback.
    // Planning first also refuses a bad matrix before a database file is created.
    const size_t n_jobs = plan_jobs(o.matrix).size();
    ResultsStore store(o.db.empty() ? ":memory:" : o.db);
    JobProgressObserver observer(!global.quiet, n_jobs);
    RunnerOptions ropts;
    ropts.workers = o.workers;
    ropts.threads = o.threads;
    ropts.memory_budget = o.memory_budget.empty() ? 0 : parse_bytes(o.memory_budget);
    ropts.store = &store;
    ropts.observer = &observer;
    JobRunner runner(o.matrix, ropts);

    g_interrupted.store(false);
    std::signal(SIGINT, on_sigint);
    runner.start();
    if (!global.quiet) {
        std::fprintf(stderr, "eval: %zu jobs%s\n", n_jobs, o.db.empty() ? "" : (", results in " + o.db).c_str());
        print_task_formats(runner.jobs());
    }
    std::atomic<bool> done{false};
    std::thread watcher([&] {
        while (!done.load()) {
            if (g_interrupted.load()) {
                runner.cancel_all();
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    });
    const RunRecord result = runner.wait();
    done.store(true);
    watcher.join();
    std::signal(SIGINT, SIG_DFL);

    if (!o.csv.empty()) eval_write_csv(result, o.csv);
    if (o.json)
        fmt::print("{}\n", eval_json(result, o.db, observer.warnings()).dump(2));
    else
        eval_print_table(result);

    int failed = 0, cancelled = 0;
    for (const JobRecord& j : result.jobs) {
        failed += j.status == JobStatus::Failed;
        cancelled += j.status == JobStatus::Cancelled;
    }
    if (g_interrupted.load() || cancelled) throw Cancelled();
    if (failed) throw Error(fmt::format("eval: {} of {} jobs failed (see above)", failed, result.jobs.size()));
}

}  // namespace

void add_eval_command(CLI::App& app, const GlobalOptions& global) {
    auto o = std::make_shared<EvalCliOptions>();
    CLI::App* cmd = app.add_subcommand("eval", "Evaluate a model at several precisions (perplexity, KLD, tasks, speed); results to a database");
    cmd->add_option("-m,--model", o->matrix.model_path, "GGUF model file (or --endpoint)");
    cmd->add_option("-p,--precisions", o->matrix.precisions, "Comma-separated precision recipes (F16,Q8_0,Q4_K_M,...; 'file' = the file as is)")
        ->delimiter(',');
    add_endpoint_flags(cmd, o->remote.endpoint, false);
    cmd->add_option("--tokenizer", o->remote.tokenizer, "With --endpoint: a GGUF with the served model's vocabulary (requests are built as token ids)");
    cmd->add_option("--baseline", o->matrix.baseline, "Precision that KLD and comparisons use (default: the first)");
    cmd->add_option("--ppl", o->matrix.ppl_path, "Text for perplexity (and KLD), read as llama-perplexity -f");
    cmd->add_flag("--kld", o->matrix.kld, "KL divergence of each precision against the baseline (needs --ppl)");
    cmd->add_option("--task", o->task_args, "NAME=FILE task dataset; NAME picks the format when it is one (hellaswag-jsonl, arc, mmlu, ...), else it is detected");
    cmd->add_option("--format", o->format_args, "NAME=FORMAT: the dataset format of task NAME when detection is ambiguous");
    cmd->add_flag("--bench", o->matrix.bench, "Speed and memory of each precision (llama-bench pp/tg)");
    cmd->add_option("--limit", o->matrix.task_limit, "Items per task, a fixed-seed sample (0: all)")->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_option("--seed", o->matrix.seed, "Seed of the task sample")->capture_default_str();
    cmd->add_option("--fewshot", o->matrix.num_fewshot, "Few-shot examples per task item")->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_option("-c,--ctx", o->matrix.n_ctx, "Perplexity/KLD tokens per chunk")->capture_default_str()->check(CLI::Range(8, 1 << 20));
    cmd->add_option("--chunks", o->matrix.max_chunks, "Perplexity/KLD chunks (-1: all)")->capture_default_str();
    cmd->add_option("--gen-samples", o->matrix.gen_samples, "Generation tasks: samples per item (1: greedy; n > 1: pass@k)")->capture_default_str()->check(CLI::Range(1, 1000));
    cmd->add_option("--gen-temp", o->matrix.gen_temperature, "Generation tasks: temperature of the samples when --gen-samples > 1")->capture_default_str();
    cmd->add_option("--gen-max-tokens", o->matrix.gen_max_tokens, "Generation tasks: cap on tokens per answer (0: the task's own)")->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_option("--gen-parallel", o->matrix.gen_parallel, "Generation tasks: items decoded together in one KV cache")->capture_default_str()->check(CLI::Range(1, 64));
    cmd->add_option("--chat-template", o->matrix.chat_template, "Generation tasks: none (base models), auto (the model's), or chatml, llama3, gemma, phi3, mistral-v7, llama2, zephyr, ...")->capture_default_str();
    cmd->add_option("--code-timeout", o->matrix.code_timeout, "Generation tasks: wall-clock seconds per program in the sandbox")->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--task-ctx", o->matrix.task_n_ctx, "Task context (0: the model's, at most 2048)")->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_option("--bench-prompt", o->matrix.bench_prompt, "Bench prompt tokens (pp)")->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_option("--bench-gen", o->matrix.bench_gen, "Bench generated tokens (tg)")->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_option("--bench-reps", o->matrix.bench_repetitions, "Bench repetitions")->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--on-bad-line", o->on_bad_line, "Malformed dataset line: stop (error FILE:LINE) or skip (reported)")
        ->capture_default_str()->check(CLI::IsMember({"stop", "skip"}));
    cmd->add_flag("--until-decided", o->matrix.until_decided,
                  "Chunks and items in a seeded random order; each precision stops as soon as its comparison with the baseline is decided");
    cmd->add_option("--margin", o->matrix.decision_margin,
                    "Decision margin for --until-decided: accuracy points, or % of perplexity")->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--db", o->db, "SQLite results database (created if missing); default: not saved");
    cmd->add_option("--csv", o->csv, "Write one row per job x metric to this CSV file (- for stdout)");
    cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
    cmd->add_option("-t,--threads", o->threads, "Threads in total (0: every core)")->capture_default_str()->check(CLI::Range(0, 1024));
    cmd->add_option("-w,--workers", o->workers, "Jobs run at once (threads are split between them)")->capture_default_str()->check(CLI::Range(1, 64));
    cmd->add_option("--memory-budget", o->memory_budget, "Memory the running jobs may use (8G, 512M; default 80 % of available)");
    cmd->add_option("--note", o->matrix.note, "Free text stored with the run");
    cmd->add_option("--imatrix", o->matrix.imatrix_path,
                    "Importance matrix (GGUF) every quantized precision is made with (llama-quantize --imatrix); "
                    "recorded with the run");
    cmd->callback([o, &global] { run(*o, global); });
}

}  // namespace qs::cli
