// CommonsenseQA, as its authors ship it ({"answerKey", "id", "question": {"question_concept",
// "choices": [{"label", "text"}] x5, "stem"}}) or as Hugging Face `tau/commonsense_qa` stores it
// ({"id", "question", "question_concept", "choices": {"label": [...], "text": [...]}, "answerKey"}),
// prompted like lm-eval's commonsense_qa: the five texts are listed in the context,
//   "Question: {question.strip()}\nA. {text0}\nB. {text1}\nC. {text2}\nD. {text3}\nE. {text4}\nAnswer:"
// and the model scores the letters " A" .. " E"; gold = the index of answerKey in A..E.
#include "datasets/formats.h"

namespace qs::datasets {

namespace {

constexpr const char* kLetters[] = {"A", "B", "C", "D", "E"};

}  // namespace

void load_commonsense_qa(TaskDataset& dataset, const DatasetOptions& options) {
    const std::string& path = dataset.path;
    jsonl_for_each(dataset, path, options.on_bad_line, [&](const nlohmann::json& doc, const TextLine& line, size_t) {
        const auto& question = json_field(doc, "question", path, line.number);
        std::string stem;
        std::vector<LabeledChoice> choices;
        if (question.is_object()) {
            stem = json_string(question, "stem", path, line.number);
            choices = labeled_choices(json_field(question, "choices", path, line.number), "question.choices", path,
                                      line.number);
        } else {
            stem = json_string(doc, "question", path, line.number);
            choices = labeled_choices(json_field(doc, "choices", path, line.number), "choices", path, line.number);
        }
        // lm-eval lists choices['text'][0..4] by position and scores the letters: a file whose
        // labels are not A..E in order would be scored against the wrong texts.
        if (choices.size() != 5) fail_line(path, line.number, "{} choices; CommonsenseQA has 5 (A to E)", choices.size());
        for (size_t c = 0; c < 5; ++c)
            if (choices[c].label != kLetters[c])
                fail_line(path, line.number, "choice {} is labelled '{}'; the labels must be A, B, C, D, E in this order",
                          c + 1, choices[c].label);
        const std::string answer_key = json_string(doc, "answerKey", path, line.number);

        std::string context = "Question: " + std::string(strip(stem));
        for (size_t c = 0; c < 5; ++c) context += fmt::format("\n{}. {}", kLetters[c], choices[c].text);
        context += "\nAnswer:";

        TaskItem item;
        item.gold = -1;
        for (size_t c = 0; c < 5; ++c) {
            if (answer_key == kLetters[c]) item.gold = int(c);
            item.choices.push_back(make_choice(context, kLetters[c]));
        }
        if (item.gold < 0)
            fail_line(path, line.number, "answerKey '{}' is not one of A, B, C, D, E{}", answer_key,
                      answer_key.empty() ? " (the test split ships without answers)" : "");
        set_item_origin(item, doc, "id", path, line);
        dataset.items.push_back(std::move(item));
    });
}

}  // namespace qs::datasets
