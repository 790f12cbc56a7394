// BoolQ: SuperGLUE jsonl ({"question", "passage", "label": true|false, "idx"}; Hugging Face and
// other distributions write the label as 0/1 or "true"/"false") or Google's original jsonl, whose
// label is "answer" (with a "title"). Prompted like lm-eval's boolq:
// "{passage}\nQuestion: {question}?\nAnswer:", choices " no" (false) and " yes" (true).
#include "datasets/formats.h"

namespace qs::datasets {

void load_boolq(TaskDataset& dataset, const DatasetOptions& options) {
    const std::string& path = dataset.path;
    jsonl_for_each(dataset, path, options.on_bad_line, [&](const nlohmann::json& doc, const TextLine& line, size_t) {
        const std::string context = json_string(doc, "passage", path, line.number) + "\nQuestion: " +
                                    json_string(doc, "question", path, line.number) + "?\nAnswer:";
        const char* label_field = !doc.contains("label") && doc.contains("answer") ? "answer" : "label";
        TaskItem item;
        item.choices.push_back(make_choice(context, "no"));
        item.choices.push_back(make_choice(context, "yes"));
        item.gold = json_two_way_label(doc, label_field, path, line.number, /*accept_bool=*/true, "false", "true");
        set_item_origin(item, doc, "idx", path, line);
        dataset.items.push_back(std::move(item));
    });
}

}  // namespace qs::datasets
