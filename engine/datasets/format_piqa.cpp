// PIQA (valid.jsonl with goal/sol1/sol2, labels in valid-labels.lst next to it), prompted like
// lm-eval's piqa: "Question: {goal}\nAnswer:" and " " + sol1 / " " + sol2.
#include "datasets/formats.h"

#include <filesystem>

namespace qs::datasets {

void load_piqa(TaskDataset& dataset, const DatasetOptions& options) {
    const std::string& path = dataset.path;
    const std::string labels_path = labels_path_for(path);
    if (!std::filesystem::exists(labels_path))
        fail_file(path, "PIQA labels file {} not found (PIQA ships the answers of a split separately)", labels_path);
    const std::vector<LabelLine> labels = read_labels(labels_path);

    size_t records = 0;
    jsonl_for_each(dataset, path, options.on_bad_line, [&](const nlohmann::json& doc, const TextLine& line, size_t ordinal) {
        records = ordinal + 1;
        if (ordinal >= labels.size())
            fail_line(path, line.number, "no label for this record: {} has only {} labels", labels_path, labels.size());
        const LabelLine& label = labels[ordinal];
        int64_t gold = -1;
        if (!parse_int(label.text, gold) || gold < 0 || gold > 1)
            fail_line(labels_path, label.number, "label '{}' is not 0 or 1", label.text);
        const std::string context = "Question: " + json_string(doc, "goal", path, line.number) + "\nAnswer:";
        TaskItem item;
        item.choices.push_back(make_choice(context, json_string(doc, "sol1", path, line.number)));
        item.choices.push_back(make_choice(context, json_string(doc, "sol2", path, line.number)));
        item.gold = int(gold);
        item.source_file = path;
        item.source_line = line.number;
        item.id = default_item_id(path, line.number);
        dataset.items.push_back(std::move(item));
    });
    if (records != 0 && records != labels.size())
        fail_file(path, "{} records but {} has {} labels: the files do not belong together", records, labels_path, labels.size());
}

}  // namespace qs::datasets
