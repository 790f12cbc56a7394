// QuantScope's own multiple-choice JSONL, for tasks we have no dedicated loader for:
// {"context": str, "choices": [str, ...], "gold": int, "id": str|int (optional),
//  "delimiter": str (optional, default " ")}; each choice is scored as context + delimiter + choice.
#include "datasets/formats.h"

namespace qs::datasets {

void load_generic_jsonl(TaskDataset& dataset, const DatasetOptions& options) {
    const std::string& path = dataset.path;
    jsonl_for_each(dataset, path, options.on_bad_line, [&](const nlohmann::json& doc, const TextLine& line, size_t) {
        const std::string context = json_string(doc, "context", path, line.number);
        const auto& choices = json_field(doc, "choices", path, line.number);
        if (!choices.is_array() || choices.empty()) fail_line(path, line.number, "field 'choices' is not a non-empty array");
        std::string delimiter = " ";
        if (doc.contains("delimiter")) delimiter = json_string(doc, "delimiter", path, line.number);
        const int64_t gold = json_integer(doc, "gold", path, line.number);
        if (gold < 0 || gold >= int64_t(choices.size()))
            fail_line(path, line.number, "gold index {} out of range for {} choices", gold, choices.size());
        TaskItem item;
        for (size_t c = 0; c < choices.size(); ++c) {
            if (!choices[c].is_string()) fail_line(path, line.number, "choices[{}] is not a string", c);
            item.choices.push_back(make_choice(context, choices[c].get<std::string>(), delimiter));
        }
        item.gold = int(gold);
        set_item_origin(item, doc, "id", path, line);
        dataset.items.push_back(std::move(item));
    });
}

}  // namespace qs::datasets
