// OpenBookQA, as AI2 ships it ({"id", "question": {"stem", "choices": [{"text", "label"}]},
// "answerKey"}) or as Hugging Face `allenai/openbookqa` stores it ({"id", "question_stem",
// "choices": {"text": [...], "label": [...]}, "answerKey"}), prompted like lm-eval's openbookqa:
// the context is the stem as it is (no "Question:" and no "Answer:"), each choice " " + text, and
// the gold choice the one whose label is answerKey.lstrip().
#include "datasets/formats.h"

namespace qs::datasets {

void load_openbookqa(TaskDataset& dataset, const DatasetOptions& options) {
    const std::string& path = dataset.path;
    jsonl_for_each(dataset, path, options.on_bad_line, [&](const nlohmann::json& doc, const TextLine& line, size_t) {
        std::string stem;
        std::vector<LabeledChoice> choices;
        if (doc.contains("question_stem")) {
            stem = json_string(doc, "question_stem", path, line.number);
            choices = labeled_choices(json_field(doc, "choices", path, line.number), "choices", path, line.number);
        } else {
            const auto& question = json_field(doc, "question", path, line.number);
            if (!question.is_object()) fail_line(path, line.number, "field 'question' is not an object");
            stem = json_string(question, "stem", path, line.number);
            choices = labeled_choices(json_field(question, "choices", path, line.number), "question.choices", path,
                                      line.number);
        }
        const std::string answer_key(lstrip(json_string(doc, "answerKey", path, line.number)));

        TaskItem item;
        item.gold = -1;
        std::string labels;
        for (size_t c = 0; c < choices.size(); ++c) {
            if (item.gold < 0 && choices[c].label == answer_key) item.gold = int(c);  // list.index: the first
            labels += (c ? "," : "") + choices[c].label;
            item.choices.push_back(make_choice(stem, choices[c].text));
        }
        if (item.gold < 0)
            fail_line(path, line.number, "answerKey '{}' is not one of the choice labels {}", answer_key, labels);
        set_item_origin(item, doc, "id", path, line);
        dataset.items.push_back(std::move(item));
    });
}

}  // namespace qs::datasets
