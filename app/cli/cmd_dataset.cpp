// quantscope-cli dataset --task NAME=FILE [--format NAME=FORMAT] [--show N] [--model M] [--json]
//
// How a task file is read before any run: its format and why (given or detected, with the
// evidence), item count, skipped lines, and with --show N the first N items exactly as `eval`
// scores them: each context and continuation, the gold choice, and the token counts of the
// model's tokenizer (--model; without it, characters). Token counts are the scorer's own
// (task_item_requests: lm-eval's _encode_pair, or llama.cpp's for hellaswag-llamacpp), before
// the cut to the task context.
#include <algorithm>
#include <cctype>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "core/error.h"
#include "datasets/task_dataset.h"
#include "eval/task_eval.h"
#include "gguf/gguf_file.h"
#include "hf/hf_checkpoint.h"
#include "task_args.h"
#include "tokenizer/tokenizer.h"

namespace qs::cli {
namespace {

struct DatasetCliOptions {
    std::vector<std::string> task_args, format_args;
    std::string model, on_bad_line = "stop";
    int show = 0, fewshot = 0;
    bool json = false;
};

// Longer than any context a task file holds: token counts before the cut to the task context.
constexpr int kNoCut = 1 << 28;

struct ChoiceView {
    const TaskChoice* choice;
    int context_tokens = -1, continuation_tokens = -1;  // -1 without a tokenizer
};

std::vector<ChoiceView> choice_views(const TaskItem& item, const Tokenizer* tokenizer, TaskTokenization tokenization) {
    std::vector<ChoiceView> views;
    for (const TaskChoice& c : item.choices) views.push_back({&c});
    if (!tokenizer) return views;
    const std::vector<TaskRequest> requests = task_item_requests(*tokenizer, item, tokenization, kNoCut);
    for (size_t i = 0; i < views.size(); ++i) {
        views[i].continuation_tokens = requests[i].n_scored;
        views[i].context_tokens = int(requests[i].tokens.size()) - requests[i].n_scored;
    }
    return views;
}

size_t code_points(const std::string& s) { return choice_char_length(TaskChoice{"", "", s}); }

std::string count_text(int tokens, const std::string& s) {
    const size_t n = tokens >= 0 ? size_t(tokens) : code_points(s);
    return fmt::format("{} {}{}", n, tokens >= 0 ? "token" : "char", n == 1 ? "" : "s");
}

bool shares_context(const TaskItem& item) {
    for (const TaskChoice& c : item.choices)
        if (c.context != item.choices.front().context) return false;
    return true;
}

// The context as it is, each line behind a bar so that leading and trailing spaces stay visible
// against it; a context ending in whitespace is flagged (the scorer moves that to the continuation).
void print_context(const std::string& context, const std::string& counts) {
    fmt::print("    context ({}):\n", counts);
    size_t start = 0;
    while (true) {
        const size_t nl = context.find('\n', start);
        fmt::print("    │{}\n", context.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
        if (nl == std::string::npos) break;
        start = nl + 1;
    }
    if (!context.empty() && std::isspace(static_cast<unsigned char>(context.back())))
        fmt::print("    (ends in whitespace: the scorer moves it to the front of the continuation)\n");
}

void print_item(const TaskItem& item, size_t index, size_t n_items, const std::vector<ChoiceView>& views) {
    fmt::print("  item {} of {}: id {} ({}:{}), gold {}\n", index + 1, n_items, item.id, item.source_file, item.source_line,
               item.gold);
    const bool shared = shares_context(item);
    if (shared) print_context(item.choices.front().context, count_text(views.front().context_tokens, item.choices.front().context));
    fmt::print("    continuations (the scored text; ✔ = gold):\n");
    for (size_t c = 0; c < views.size(); ++c) {
        const TaskChoice& choice = *views[c].choice;
        if (!shared) print_context(choice.context, count_text(views[c].context_tokens, choice.context));
        fmt::print("    {} {:>2} {}  ({})\n", int(c) == item.gold ? "✔" : " ", c, nlohmann::json(choice.continuation).dump(),
                   count_text(views[c].continuation_tokens, choice.continuation));
    }
}

nlohmann::json item_json(const TaskItem& item, size_t index, const std::vector<ChoiceView>& views) {
    nlohmann::json choices = nlohmann::json::array();
    for (const ChoiceView& v : views) {
        nlohmann::json c = {{"context", v.choice->context},
                            {"continuation", v.choice->continuation},
                            {"text", v.choice->text},
                            {"context_chars", code_points(v.choice->context)},
                            {"continuation_chars", code_points(v.choice->continuation)}};
        if (v.context_tokens >= 0) c["context_tokens"] = v.context_tokens, c["continuation_tokens"] = v.continuation_tokens;
        choices.push_back(std::move(c));
    }
    return {{"index", index}, {"id", item.id}, {"source_file", item.source_file}, {"source_line", item.source_line},
            {"gold", item.gold}, {"choices", choices}};
}

void run(const DatasetCliOptions& o) {
    const std::vector<TaskSpec> tasks = parse_task_args(o.task_args, o.format_args, "dataset");
    if (tasks.empty()) throw Error("dataset: give at least one --task NAME=FILE");
    std::unique_ptr<Tokenizer> tokenizer;
    if (!o.model.empty()) tokenizer = Tokenizer::from_gguf(model_file_open(o.model));

    DatasetOptions dopts;
    dopts.on_bad_line = o.on_bad_line == "skip" ? BadLinePolicy::Skip : BadLinePolicy::Stop;
    dopts.num_fewshot = o.fewshot;
    nlohmann::json out = {{"datasets", nlohmann::json::array()}};
    if (!o.model.empty()) out["model"] = o.model;
    for (const TaskSpec& t : tasks) {
        const TaskDataset ds = dataset_load_task(t.name, t.format, t.path, dopts);  // as eval reads it
        const TaskTokenization tokenization = task_resolve_tokenization(ds, TaskTokenization::Auto);
        const size_t n_show = std::min(ds.items.size(), size_t(std::max(0, o.show)));

        if (o.json) {
            nlohmann::json shown = nlohmann::json::array();
            for (size_t i = 0; i < n_show; ++i)
                shown.push_back(item_json(ds.items[i], i, choice_views(ds.items[i], tokenizer.get(), tokenization)));
            out["datasets"].push_back({{"name", t.name}, {"path", t.path}, {"format", ds.format},
                                       {"format_source", ds.format_source}, {"items", ds.items.size()},
                                       {"skipped", ds.skipped}, {"warnings", ds.warnings},
                                       {"tokenization", task_tokenization_name(tokenization)}, {"shown", shown}});
            continue;
        }
        fmt::print("{}: {}\n  format {} ({}), {} item{}{}, {} tokenization\n", t.name, t.path, ds.format, ds.format_source,
                   ds.items.size(), ds.items.size() == 1 ? "" : "s",
                   ds.skipped ? fmt::format(", {} malformed skipped", ds.skipped) : "",
                   task_tokenization_name(tokenization));
        for (const std::string& w : ds.warnings) fmt::print("  skipped {}\n", w);
        for (size_t i = 0; i < n_show; ++i)
            print_item(ds.items[i], i, ds.items.size(), choice_views(ds.items[i], tokenizer.get(), tokenization));
        if (n_show > 0 && !tokenizer) fmt::print("  (counts in characters: --model M gives the scorer's token counts)\n");
    }
    if (o.json) fmt::print("{}\n", out.dump(2));
}

}  // namespace

void add_dataset_command(CLI::App& app, const GlobalOptions&) {
    auto o = std::make_shared<DatasetCliOptions>();
    CLI::App* cmd = app.add_subcommand("dataset", "How a task file is read: its format (given or detected, and why), items, and the first items as scored");
    cmd->add_option("--task", o->task_args, "NAME=FILE task dataset, as eval takes it")->required();
    cmd->add_option("--format", o->format_args, "NAME=FORMAT: the dataset format of task NAME");
    cmd->add_option("--show", o->show, "Print the first N items: context, continuations, gold, counts")->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_option("-m,--model", o->model, "GGUF model whose tokenizer counts the tokens (default: characters)");
    cmd->add_option("--fewshot", o->fewshot, "Few-shot examples per item, as eval --fewshot")->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_option("--on-bad-line", o->on_bad_line, "Malformed dataset line: stop (error FILE:LINE) or skip (listed)")
        ->capture_default_str()->check(CLI::IsMember({"stop", "skip"}));
    cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
    cmd->callback([o] { run(*o); });
}

}  // namespace qs::cli
