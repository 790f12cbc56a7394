// SuperGLUE RTE jsonl ({"premise", "hypothesis", "label": "entailment"|"not_entailment", "idx"};
// Hugging Face `super_glue/rte` writes the label as 0 = entailment, 1 = not_entailment), prompted
// like lm-eval's sglue_rte: "{premise}\nQuestion: {hypothesis} True or False?\nAnswer:", choices
// " True" (entailment) and " False".
#include "datasets/formats.h"

namespace qs::datasets {

void load_rte(TaskDataset& dataset, const DatasetOptions& options) {
    const std::string& path = dataset.path;
    jsonl_for_each(dataset, path, options.on_bad_line, [&](const nlohmann::json& doc, const TextLine& line, size_t) {
        const std::string context = json_string(doc, "premise", path, line.number) + "\nQuestion: " +
                                    json_string(doc, "hypothesis", path, line.number) + " True or False?\nAnswer:";
        TaskItem item;
        item.choices.push_back(make_choice(context, "True"));
        item.choices.push_back(make_choice(context, "False"));
        item.gold = json_two_way_label(doc, "label", path, line.number, /*accept_bool=*/false, "entailment",
                                       "not_entailment");
        set_item_origin(item, doc, "idx", path, line);
        dataset.items.push_back(std::move(item));
    });
}

}  // namespace qs::datasets
