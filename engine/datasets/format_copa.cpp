// SuperGLUE COPA jsonl ({"premise", "choice1", "choice2", "question": "cause"|"effect", "label":
// 0|1, "idx"}), prompted like lm-eval's copa: the premise stripped and without its last character
// (the full stop), then " because" (cause) or " therefore" (effect); each choice is scored as
// " " + the choice with its first character lower-cased, so the two read as one sentence.
#include "datasets/formats.h"
#include "datasets/text_rules.h"

namespace qs::datasets {

namespace {

// Python's s[:-1]: all but the last code point.
std::string drop_last_code_point(std::string_view s) {
    size_t end = s.size();
    while (end > 0 && (static_cast<unsigned char>(s[end - 1]) & 0xC0) == 0x80) --end;  // continuation bytes
    return std::string(s.substr(0, end == 0 ? 0 : end - 1));
}

}  // namespace

void load_copa(TaskDataset& dataset, const DatasetOptions& options) {
    const std::string& path = dataset.path;
    jsonl_for_each(dataset, path, options.on_bad_line, [&](const nlohmann::json& doc, const TextLine& line, size_t) {
        const std::string premise = json_string(doc, "premise", path, line.number);
        const std::string question = json_string(doc, "question", path, line.number);
        const char* connector = question == "cause" ? " because" : question == "effect" ? " therefore" : nullptr;
        if (!connector) fail_line(path, line.number, "question '{}' is neither 'cause' nor 'effect'", question);
        const std::string context = drop_last_code_point(strip(premise)) + connector;

        TaskItem item;
        for (const char* field : {"choice1", "choice2"}) {
            const std::string choice = json_string(doc, field, path, line.number);
            if (choice.empty()) fail_line(path, line.number, "field '{}' is empty", field);
            item.choices.push_back(make_choice(context, python_lower_first(choice)));
        }
        item.gold = json_two_way_label(doc, "label", path, line.number, /*accept_bool=*/false);
        set_item_origin(item, doc, "idx", path, line);
        dataset.items.push_back(std::move(item));
    });
}

}  // namespace qs::datasets
