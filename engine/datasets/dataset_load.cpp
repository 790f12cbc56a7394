// dataset_load: picks the format's loader, then applies what every format shares (kind, the
// "no item" check, first_n few-shot for the formats that do not build their own).
#include <algorithm>
#include <filesystem>

#include "datasets/fewshot.h"
#include "datasets/formats.h"

namespace qs {

namespace {

using Loader = void (*)(TaskDataset&, const DatasetOptions&);

struct FormatEntry {
    const char* name;
    Loader load;
    TaskKind kind;
    bool own_fewshot;  // the loader builds its own few-shot prompts (MMLU: per-subject dev shots)
};

constexpr FormatEntry kFormats[] = {
    {"hellaswag-llamacpp", datasets::load_hellaswag_llamacpp, TaskKind::MultipleChoice, false},
    {"hellaswag-jsonl", datasets::load_hellaswag_jsonl, TaskKind::MultipleChoice, false},
    {"arc", datasets::load_arc, TaskKind::MultipleChoice, false},
    {"mmlu", datasets::load_mmlu, TaskKind::MultipleChoice, true},
    {"winogrande", datasets::load_winogrande, TaskKind::MultipleChoice, false},
    {"piqa", datasets::load_piqa, TaskKind::MultipleChoice, false},
    {"sst2", datasets::load_sst2, TaskKind::MultipleChoice, false},
    {"lambada", datasets::load_lambada, TaskKind::Completion, false},
    {"openbookqa", datasets::load_openbookqa, TaskKind::MultipleChoice, false},
    {"commonsense_qa", datasets::load_commonsense_qa, TaskKind::MultipleChoice, false},
    {"copa", datasets::load_copa, TaskKind::MultipleChoice, false},
    {"boolq", datasets::load_boolq, TaskKind::MultipleChoice, false},
    {"rte", datasets::load_rte, TaskKind::MultipleChoice, false},
    {"jsonl", datasets::load_generic_jsonl, TaskKind::MultipleChoice, false},
    {"gsm8k", datasets::load_gsm8k, TaskKind::Generation, true},
    {"humaneval", datasets::load_humaneval, TaskKind::Generation, true},
    {"mbpp", datasets::load_mbpp, TaskKind::Generation, true},
    {"generate-jsonl", datasets::load_generate_jsonl, TaskKind::Generation, true},
};

const FormatEntry& find_format(const std::string& format, const std::string& path) {
    for (const FormatEntry& f : kFormats)
        if (format == f.name) return f;
    std::string known;
    for (const FormatEntry& f : kFormats) known += (known.empty() ? "" : ", ") + std::string(f.name);
    fail_file(path, "unknown dataset format '{}' (known: {})", format, known);
}

// The generic k-shot prefix: the first k items of options.fewshot_path, read with the same loader.
void apply_generic_fewshot(TaskDataset& dataset, const FormatEntry& format, const DatasetOptions& options) {
    if (options.fewshot_path.empty())
        fail_file(dataset.path, "{}-shot prompting for format '{}' needs a few-shot source file", options.num_fewshot, format.name);
    if (!std::filesystem::exists(options.fewshot_path)) fail_file(options.fewshot_path, "few-shot source not found");
    TaskDataset shots;
    shots.path = options.fewshot_path;
    format.load(shots, DatasetOptions{});  // Stop: a bad shot would spoil every prompt
    datasets::require_items(shots);
    const std::string prefix = datasets::fewshot_prefix("", shots.items, size_t(options.num_fewshot), shots.path);
    for (TaskItem& item : dataset.items) datasets::prepend_to_contexts(item, prefix);
}

}  // namespace

const char* generation_scoring_name(GenerationScoring s) {
    switch (s) {
        case GenerationScoring::ExactMatch: return "exact";
        case GenerationScoring::Regex: return "regex";
        case GenerationScoring::Contains: return "contains";
        case GenerationScoring::Gsm8k: return "gsm8k";
        case GenerationScoring::PythonTests: return "python-tests";
    }
    return "?";
}

const std::vector<std::string>& dataset_formats() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
        for (const FormatEntry& f : kFormats) v.emplace_back(f.name);
        return v;
    }();
    return names;
}

TaskDataset dataset_load(const std::string& format_name, const std::string& path, const DatasetOptions& options) {
    if (!std::filesystem::exists(path)) fail_file(path, "dataset not found");
    const bool detect = format_name.empty() || format_name == "auto";
    const FormatDetection detection = detect ? dataset_detect(path) : FormatDetection{format_name, ""};
    const FormatEntry& format = find_format(detection.format, path);
    if (options.num_fewshot < 0) fail_file(path, "num_fewshot must be >= 0 (got {})", options.num_fewshot);
    if (format.name != std::string("mmlu") && std::filesystem::is_directory(path))
        fail_file(path, "is a directory; format '{}' reads a single file", format.name);

    TaskDataset dataset;
    dataset.name = datasets::path_basename(path);
    dataset.format = format.name;
    dataset.format_source = detect ? "detected: " + detection.evidence : "given";
    dataset.path = path;
    dataset.kind = format.kind;
    if (!options.split.empty() && options.split != "all" && format.name != std::string("mbpp"))
        fail_file(path, "format '{}' has no split '{}' (only MBPP's full file has splits)", format.name, options.split);
    format.load(dataset, options);
    datasets::require_items(dataset);
    if (options.num_fewshot > 0 && !format.own_fewshot) apply_generic_fewshot(dataset, format, options);
    return dataset;
}

TaskDataset dataset_load_task(const std::string& name, const std::string& format, const std::string& path,
                              const DatasetOptions& options) {
    const auto& known = dataset_formats();
    const bool from_name = format.empty() && std::find(known.begin(), known.end(), name) != known.end();
    TaskDataset dataset = dataset_load(from_name ? name : format, path, options);
    if (from_name) dataset.format_source = "given as the task name";
    return dataset;
}

}  // namespace qs
