// QuantScope's generic generation JSONL: {"prompt": str, "target": str | "targets": [str],
// "scoring": "exact" | "regex" | "contains" (default "exact"), "until": [str] (optional),
// "max_tokens": int (optional, default 256), "id": str|int (optional)}.
#include "datasets/formats.h"

namespace qs::datasets {

void load_generate_jsonl(TaskDataset& dataset, const DatasetOptions& options) {
    const std::string& path = dataset.path;
    if (options.num_fewshot > 0) fail_file(path, "generate-jsonl has no few-shot source: put the examples in the prompt");
    jsonl_for_each(dataset, path, options.on_bad_line, [&](const nlohmann::json& doc, const TextLine& line, size_t) {
        TaskItem item;
        GenerationSpec& g = item.generation;
        g.prompt = json_string(doc, "prompt", path, line.number);
        if (doc.contains("targets")) {
            const auto& t = doc["targets"];
            if (!t.is_array() || t.empty()) fail_line(path, line.number, "field 'targets' is not a non-empty array");
            for (size_t i = 0; i < t.size(); ++i) {
                if (!t[i].is_string()) fail_line(path, line.number, "targets[{}] is not a string", i);
                g.targets.push_back(t[i].get<std::string>());
            }
        } else {
            g.targets = {json_string(doc, "target", path, line.number)};
        }
        const std::string scoring = doc.contains("scoring") ? json_string(doc, "scoring", path, line.number) : "exact";
        if (scoring == "exact") g.scoring = GenerationScoring::ExactMatch;
        else if (scoring == "regex") g.scoring = GenerationScoring::Regex;
        else if (scoring == "contains") g.scoring = GenerationScoring::Contains;
        else fail_line(path, line.number, "scoring '{}' is not one of exact, regex, contains", scoring);
        if (doc.contains("until")) {
            const auto& u = doc["until"];
            if (!u.is_array()) fail_line(path, line.number, "field 'until' is not an array of strings");
            for (size_t i = 0; i < u.size(); ++i) {
                if (!u[i].is_string()) fail_line(path, line.number, "until[{}] is not a string", i);
                g.until.push_back(u[i].get<std::string>());
            }
        }
        if (doc.contains("max_tokens")) {
            const int64_t n = json_integer(doc, "max_tokens", path, line.number);
            if (n < 1 || n > 1 << 20) fail_line(path, line.number, "max_tokens {} is not in [1, 1048576]", n);
            g.max_tokens = int(n);
        }
        g.reference = g.targets.front();
        set_item_origin(item, doc, "id", path, line);
        dataset.items.push_back(std::move(item));
    });
}

}  // namespace qs::datasets
