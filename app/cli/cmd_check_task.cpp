// quantscope-cli check-task --task NAME=FILE [--task ...] [--format NAME=FORMAT] [--split S]
//     [--limit N] [--timeout S] [--workers N] [--isolation auto|bubblewrap|kernel|none] [--json]
// quantscope-cli check-task --task NAME=FILE --show-prompt N [--chat-template T]
//
// Checks a generation task's own answers through the same sandbox and scorer a model's answers go
// through: HumanEval's canonical solutions and MBPP's reference code must pass their tests, GSM8K's
// reference answers must survive the answer extraction. A dataset, sandbox or scorer problem shows
// here before any model is blamed for it. Exits 1 when some reference fails (after printing).
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "core/error.h"
#include "datasets/task_dataset.h"
#include "eval/generation_eval.h"
#include "progress_bar.h"
#include "sandbox/sandbox.h"

namespace qs::cli {
namespace {

struct CheckTaskCliOptions {
    std::vector<std::string> task_args, format_args;
    std::string split = "all", isolation = "auto", chat_template = "none";
    int show_prompt = -1;
    int64_t limit = 0;
    double timeout = 10;
    int workers = 2;
    bool json = false;
};

SandboxIsolation isolation_from_name(const std::string& name) {
    for (SandboxIsolation i : {SandboxIsolation::Auto, SandboxIsolation::Bubblewrap, SandboxIsolation::Kernel, SandboxIsolation::None})
        if (name == sandbox_isolation_name(i)) return i;
    throw Error("check-task: --isolation must be auto, bubblewrap, kernel or none (got '" + name + "')");
}

nlohmann::json sandbox_json(const Sandbox& box) {
    const SandboxGuarantees& g = box.guarantees();
    return {{"isolation", sandbox_isolation_name(g.isolation)},
            {"network", g.network},
            {"network_how", g.network_how},
            {"filesystem", g.filesystem},
            {"filesystem_how", g.filesystem_how},
            {"processes", g.processes},
            {"processes_how", g.processes_how},
            {"timeout_seconds", box.options().timeout_seconds},
            {"python", box.python()}};
}

struct TaskOutcome {
    nlohmann::json json;
    int64_t failed = 0;
};

TaskOutcome check_one(const std::string& name, const std::string& path, const std::string& format_arg,
                      const CheckTaskCliOptions& o, const Sandbox& box, bool quiet) {
    std::string format = format_arg;
    if (format.empty()) {
        const auto& known = dataset_formats();
        if (std::find(known.begin(), known.end(), name) != known.end()) format = name;
    }
    DatasetOptions dopts;
    dopts.split = o.split;
    const TaskDataset dataset = dataset_load(format, path, dopts);
    GenerationEvalOptions gopts;
    gopts.limit = o.limit;
    ProgressBar bar(!quiet);
    Progress progress(bar.callback());
    const GenerationResult r = generation_check_references(dataset, gopts, &box, o.workers, progress);
    bar.finish();

    int64_t counts[4] = {0, 0, 0, 0};
    int64_t flexible = 0;
    nlohmann::json failures = nlohmann::json::array();
    for (const GenerationItemResult& ir : r.items) {
        const GenerationCheck& c = ir.checks.front();
        ++counts[int(c.verdict)];
        flexible += c.flexible_pass;
        if (!c.pass() || (r.scoring == GenerationScoring::Gsm8k && !c.flexible_pass))
            failures.push_back({{"id", dataset.items[ir.item_index].id},
                                {"verdict", generation_verdict_name(c.verdict)},
                                {"detail", c.detail},
                                {"extracted", c.extracted},
                                {"flexible_extracted", c.flexible_extracted},
                                {"flexible_pass", c.flexible_pass}});
    }
    nlohmann::json metrics = nlohmann::json::object();
    for (const Metric& m : r.metrics) metrics[m.key] = m.value;
    TaskOutcome out;
    out.failed = int64_t(r.items.size()) - counts[int(GenerationVerdict::Pass)];
    if (r.scoring == GenerationScoring::Gsm8k) out.failed += int64_t(r.items.size()) - flexible;
    out.json = {{"name", name},
                {"path", path},
                {"format", dataset.format},
                {"scoring", generation_scoring_name(r.scoring)},
                {"items", r.items.size()},
                {"pass", counts[int(GenerationVerdict::Pass)]},
                {"fail", counts[int(GenerationVerdict::Fail)]},
                {"timeout", counts[int(GenerationVerdict::Timeout)]},
                {"error", counts[int(GenerationVerdict::Error)]},
                {"metrics", metrics},
                {"seconds", r.check_seconds},
                {"failures", failures}};
    if (r.scoring == GenerationScoring::Gsm8k) out.json["pass_flexible"] = flexible;
    return out;
}

// --show-prompt N: what the model is given for item N of the first task (chat template applied),
// its stop strings and token limit, exactly; nothing is run.
void show_prompt(const CheckTaskCliOptions& o, const std::string& name, const std::string& path, const std::string& format_arg) {
    std::string format = format_arg;
    const auto& known = dataset_formats();
    if (format.empty() && std::find(known.begin(), known.end(), name) != known.end()) format = name;
    DatasetOptions dopts;
    dopts.split = o.split;
    const TaskDataset d = dataset_load(format, path, dopts);
    if (size_t(o.show_prompt) >= d.items.size())
        throw Error(fmt::format("check-task: --show-prompt {}: {} has {} items", o.show_prompt, path, d.items.size()));
    const TaskItem& item = d.items[size_t(o.show_prompt)];
    if (d.kind != TaskKind::Generation) throw Error("check-task: " + path + " is not a generation task");
    fmt::print("item {} ({}), {} tokens at most, stop at:", o.show_prompt, item.id, item.generation.max_tokens);
    for (const std::string& u : item.generation.until) fmt::print(" {}", nlohmann::json(u).dump());
    fmt::print("\n--- prompt ({}) ---\n{}\n--- end of prompt ---\n", o.chat_template,
               generation_prompt(item, chat_template_from_name(o.chat_template)));
}

void run(const CheckTaskCliOptions& o, const GlobalOptions& global) {
    if (o.task_args.empty()) throw Error("check-task: give at least one --task NAME=FILE");
    if (o.show_prompt >= 0) {
        const std::string& arg = o.task_args.front();
        const size_t eq = arg.find('=');
        if (eq == std::string::npos) throw Error("check-task: --task expects NAME=FILE, got '" + arg + "'");
        std::string format;
        for (const std::string& f : o.format_args)
            if (f.rfind(arg.substr(0, eq) + "=", 0) == 0) format = f.substr(eq + 1);
        return show_prompt(o, arg.substr(0, eq), arg.substr(eq + 1), format);
    }
    SandboxOptions sopts;
    sopts.timeout_seconds = o.timeout;
    sopts.isolation = isolation_from_name(o.isolation);
    const Sandbox box(sopts);
    nlohmann::json tasks = nlohmann::json::array();
    int64_t failed = 0, total = 0;
    for (const std::string& arg : o.task_args) {
        const size_t eq = arg.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size())
            throw Error("check-task: --task expects NAME=FILE, got '" + arg + "'");
        const std::string name = arg.substr(0, eq), path = arg.substr(eq + 1);
        std::string format;
        for (const std::string& f : o.format_args)
            if (f.rfind(name + "=", 0) == 0) format = f.substr(name.size() + 1);
        TaskOutcome t = check_one(name, path, format, o, box, global.quiet || o.json);
        failed += t.failed;
        total += t.json["items"].get<int64_t>();
        tasks.push_back(std::move(t.json));
    }
    if (o.json) {
        fmt::print("{}\n", nlohmann::json{{"sandbox", sandbox_json(box)}, {"tasks", tasks}}.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
        fmt::print("sandbox: {}", box.guarantees().summary());
        for (const auto& t : tasks) {
            fmt::print("{} ({}, {} items, {}): {} pass, {} fail, {} timeout, {} error", t["name"].get<std::string>(),
                       t["format"].get<std::string>(), t["items"].get<int64_t>(), t["scoring"].get<std::string>(),
                       t["pass"].get<int64_t>(), t["fail"].get<int64_t>(), t["timeout"].get<int64_t>(), t["error"].get<int64_t>());
            if (t.contains("pass_flexible")) fmt::print("; flexible-extract {} pass", t["pass_flexible"].get<int64_t>());
            fmt::print(" ({:.1f} s)\n", t["seconds"].get<double>());
            for (const auto& f : t["failures"])
                fmt::print("  {} {}: {}{}\n", f["id"].get<std::string>(), f["verdict"].get<std::string>(), f["detail"].get<std::string>(),
                           f["extracted"].get<std::string>().empty() ? "" : " (extracted '" + f["extracted"].get<std::string>() + "')");
        }
    }
    if (failed > 0) throw Error(fmt::format("check-task: {} of {} reference checks failed", failed, total));
}

}  // namespace

void add_check_task_command(CLI::App& app, const GlobalOptions& global) {
    auto o = std::make_shared<CheckTaskCliOptions>();
    CLI::App* cmd = app.add_subcommand("check-task", "Run a generation task's own answers through the sandbox and scorer (all must pass)");
    cmd->add_option("--task", o->task_args, "NAME=FILE generation task (humaneval, mbpp, gsm8k, generate-jsonl); NAME picks the format when it is one")->required();
    cmd->add_option("--format", o->format_args, "NAME=FORMAT when the format cannot be detected");
    cmd->add_option("--split", o->split, "MBPP split: all, test, train, validation, prompt")->capture_default_str();
    cmd->add_option("--limit", o->limit, "Items per task, a fixed-seed sample (0: all)")->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_option("--timeout", o->timeout, "Wall-clock seconds per program")->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--workers", o->workers, "Programs run at once")->capture_default_str()->check(CLI::Range(1, 64));
    cmd->add_option("--isolation", o->isolation, "Sandbox isolation: auto, bubblewrap, kernel, none")->capture_default_str();
    cmd->add_option("--show-prompt", o->show_prompt, "Print item N's prompt as the model gets it (with --chat-template), its stop strings and limit; run nothing")->check(CLI::NonNegativeNumber);
    cmd->add_option("--chat-template", o->chat_template, "With --show-prompt: none, chatml, llama3, gemma, phi3, mistral-v7, llama2, zephyr, ...")->capture_default_str();
    cmd->add_flag("--json", o->json, "Print one JSON object (sandbox guarantees, per task counts and failures)");
    cmd->callback([o, &global] { run(*o, global); });
}

}  // namespace qs::cli
