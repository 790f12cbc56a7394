// HellaSwag as distributed (rowanz/hellaswag jsonl, HF Rowan/hellaswag), prompted like
// lm-eval's hellaswag task: query = preprocess(activity_label + ": " + ctx_a + " " +
// ctx_b.capitalize()), choices = preprocess(ending), target delimiter " ".
#include "datasets/formats.h"
#include "datasets/text_rules.h"

namespace qs::datasets {

void load_hellaswag_jsonl(TaskDataset& dataset, const DatasetOptions& options) {
    const std::string& path = dataset.path;
    jsonl_for_each(dataset, path, options.on_bad_line, [&](const nlohmann::json& doc, const TextLine& line, size_t) {
        const std::string ctx = json_string(doc, "ctx_a", path, line.number) + " " +
                                python_capitalize(json_string(doc, "ctx_b", path, line.number));
        const std::string query = hellaswag_preprocess(json_string(doc, "activity_label", path, line.number) + ": " + ctx);
        const auto& endings = json_field(doc, "endings", path, line.number);
        if (!endings.is_array() || endings.empty())
            fail_line(path, line.number, "field 'endings' is not a non-empty array");
        const int64_t gold = json_integer(doc, "label", path, line.number);
        if (gold < 0 || gold >= int64_t(endings.size()))
            fail_line(path, line.number, "gold index {} out of range for {} choices", gold, endings.size());
        TaskItem item;
        for (size_t e = 0; e < endings.size(); ++e) {
            if (!endings[e].is_string()) fail_line(path, line.number, "endings[{}] is not a string", e);
            item.choices.push_back(make_choice(query, hellaswag_preprocess(endings[e].get<std::string>())));
        }
        item.gold = int(gold);
        item.source_file = path;
        item.source_line = line.number;
        item.id = json_optional_id(doc, "ind");
        if (item.id.empty()) item.id = default_item_id(path, line.number);
        dataset.items.push_back(std::move(item));
    });
}

}  // namespace qs::datasets
