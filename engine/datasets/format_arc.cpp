// AI2 ARC jsonl (question.stem, question.choices[].text/label, answerKey), prompted like lm-eval's
// arc_easy/arc_challenge: "Question: {stem}\nAnswer:" and " " + choice text; the gold choice is
// the one whose label equals answerKey (labels may be letters or digits, 3 to 5 choices).
#include "datasets/formats.h"

namespace qs::datasets {

void load_arc(TaskDataset& dataset, const DatasetOptions& options) {
    const std::string& path = dataset.path;
    jsonl_for_each(dataset, path, options.on_bad_line, [&](const nlohmann::json& doc, const TextLine& line, size_t) {
        const auto& question = json_field(doc, "question", path, line.number);
        if (!question.is_object()) fail_line(path, line.number, "field 'question' is not an object");
        const std::string stem = json_string(question, "stem", path, line.number);
        const auto& choices = json_field(question, "choices", path, line.number);
        if (!choices.is_array() || choices.empty())
            fail_line(path, line.number, "field 'question.choices' is not a non-empty array");
        const std::string answer_key = json_string(doc, "answerKey", path, line.number);

        const std::string context = "Question: " + stem + "\nAnswer:";
        TaskItem item;
        item.gold = -1;
        std::string labels;
        for (size_t c = 0; c < choices.size(); ++c) {
            if (!choices[c].is_object()) fail_line(path, line.number, "question.choices[{}] is not an object", c);
            const std::string label = json_string(choices[c], "label", path, line.number);
            if (label == answer_key) item.gold = int(c);
            labels += (c ? "," : "") + label;
            item.choices.push_back(make_choice(context, json_string(choices[c], "text", path, line.number)));
        }
        if (item.gold < 0)
            fail_line(path, line.number, "answerKey '{}' is not one of the choice labels {}", answer_key, labels);
        set_item_origin(item, doc, "id", path, line);
        dataset.items.push_back(std::move(item));
    });
}

}  // namespace qs::datasets
