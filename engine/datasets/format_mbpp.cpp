// Google MBPP jsonl (task_id, text, code, test_setup_code, test_list), as lm-eval's mbpp: the
// prompt "You are an expert Python programmer, and here is your task: {text} Your code should pass
// these tests:\n\n{test_list[0]}\n{test_list[1]}\n{test_list[2]}\n[BEGIN]\n", after k <= 3 shots
// (tasks 2, 3 and 4, each prompt + code + "\n[DONE]", joined by "\n\n"); generation until
// "[DONE]"; the program run is completion + "\n" + test_setup_code + tests, one per line.
// The split follows the task ids of the full release: prompt 1-10, test 11-510, validation
// 511-600, train 601-974 (lm-eval evaluates test).
#include <algorithm>

#include "datasets/formats.h"

namespace qs::datasets {

namespace {

struct MbppDoc {
    int64_t task_id = 0;
    std::string text, code, setup;
    std::vector<std::string> tests;
    int64_t line = 0;
};

const char* split_of(int64_t task_id) {
    if (task_id <= 10) return "prompt";
    if (task_id <= 510) return "test";
    if (task_id <= 600) return "validation";
    return "train";
}

std::string doc_to_text(const MbppDoc& d) {
    std::string s = "You are an expert Python programmer, and here is your task: " + d.text +
                    " Your code should pass these tests:\n\n";
    for (size_t i = 0; i < 3 && i < d.tests.size(); ++i) s += d.tests[i] + "\n";
    return s + "[BEGIN]\n";
}

}  // namespace

void load_mbpp(TaskDataset& dataset, const DatasetOptions& options) {
    const std::string& path = dataset.path;
    const std::string split = options.split.empty() ? "test" : options.split;
    if (split != "all" && split != "test" && split != "train" && split != "validation" && split != "prompt")
        fail_file(path, "unknown MBPP split '{}' (test, train, validation, prompt or all)", split);
    if (options.num_fewshot > 3) fail_file(path, "lm-eval's MBPP prompt has at most 3 shots (asked for {})", options.num_fewshot);

    std::vector<MbppDoc> docs;
    jsonl_for_each(dataset, path, options.on_bad_line, [&](const nlohmann::json& doc, const TextLine& line, size_t) {
        MbppDoc d;
        d.task_id = json_integer(doc, "task_id", path, line.number);
        d.text = json_string(doc, "text", path, line.number);
        d.code = json_string(doc, "code", path, line.number);
        if (doc.contains("test_setup_code")) d.setup = json_string(doc, "test_setup_code", path, line.number);
        const auto& tests = json_field(doc, "test_list", path, line.number);
        if (!tests.is_array() || tests.size() < 3) fail_line(path, line.number, "field 'test_list' is not an array of at least 3 tests");
        for (size_t i = 0; i < tests.size(); ++i) {
            if (!tests[i].is_string()) fail_line(path, line.number, "test_list[{}] is not a string", i);
            d.tests.push_back(tests[i].get<std::string>());
        }
        d.line = line.number;
        docs.push_back(std::move(d));
    });

    std::string prefix;
    for (int64_t shot = 2; shot < 2 + options.num_fewshot; ++shot) {
        const auto it = std::find_if(docs.begin(), docs.end(), [&](const MbppDoc& d) { return d.task_id == shot; });
        if (it == docs.end()) fail_file(path, "{}-shot MBPP needs task {} (the prompt split) in the file", options.num_fewshot, shot);
        prefix += doc_to_text(*it) + it->code + "\n[DONE]\n\n";
    }
    for (const MbppDoc& d : docs) {
        if (split != "all" && split != split_of(d.task_id)) continue;
        TaskItem item;
        item.id = std::to_string(d.task_id);
        item.source_file = path;
        item.source_line = d.line;
        item.group = split_of(d.task_id);
        GenerationSpec& g = item.generation;
        g.prompt = prefix + doc_to_text(d);
        g.until = {"[DONE]"};
        g.max_tokens = 256;
        g.scoring = GenerationScoring::PythonTests;
        g.program_suffix = "\n" + d.setup + (d.setup.empty() ? "" : "\n");
        for (const std::string& t : d.tests) g.program_suffix += t + "\n";
        g.reference = d.code;
        dataset.items.push_back(std::move(item));
    }
    if (dataset.items.empty() && dataset.skipped == 0)
        fail_file(path, "no MBPP task in split '{}' (task ids: prompt 1-10, test 11-510, validation 511-600, train 601-974); "
                        "choose another split", split);
}

}  // namespace qs::datasets
