// WinoGrande jsonl (sentence with one "_", option1, option2, answer "1"/"2"), scored like
// lm-eval's winogrande ("partial evaluation"): the two choices are the *contexts*
// sentence[:idx("_")] + option, and the continuation " " + sentence[idx+1:].strip() is shared.
// Labels come from the 'answer' field, or from "<stem>-labels.lst" next to the file when present.
#include "datasets/formats.h"

#include <filesystem>
#include <optional>

namespace qs::datasets {

void load_winogrande(TaskDataset& dataset, const DatasetOptions& options) {
    const std::string& path = dataset.path;
    const std::string labels_path = labels_path_for(path);
    std::optional<std::vector<LabelLine>> labels;
    if (std::filesystem::exists(labels_path)) labels = read_labels(labels_path);

    size_t records = 0;
    jsonl_for_each(dataset, path, options.on_bad_line, [&](const nlohmann::json& doc, const TextLine& line, size_t ordinal) {
        records = ordinal + 1;
        const std::string sentence = json_string(doc, "sentence", path, line.number);
        const std::string option1 = json_string(doc, "option1", path, line.number);
        const std::string option2 = json_string(doc, "option2", path, line.number);

        std::string answer;
        std::string answer_where;  // for error messages: which file:line gave the answer
        if (labels) {
            if (ordinal >= labels->size())
                fail_line(path, line.number, "no label for this record: {} has only {} labels", labels_path, labels->size());
            answer = (*labels)[ordinal].text;
            answer_where = fmt::format("{}:{}", labels_path, (*labels)[ordinal].number);
            const auto it = doc.find("answer");
            if (it != doc.end() && it->is_string() && !it->get<std::string>().empty() && it->get<std::string>() != answer)
                fail_line(path, line.number, "answer '{}' disagrees with {} ('{}')", it->get<std::string>(), answer_where, answer);
        } else {
            if (!doc.contains("answer"))
                fail_line(path, line.number, "missing field 'answer' and no labels file {}", labels_path);
            answer = json_string(doc, "answer", path, line.number);
            answer_where = fmt::format("{}:{}", path, line.number);
        }
        if (answer != "1" && answer != "2") throw Error(fmt::format("{}: answer '{}' is not 1 or 2", answer_where, answer));

        const size_t blank = sentence.find('_');
        if (blank == std::string::npos) fail_line(path, line.number, "sentence has no '_' to fill");
        const std::string prefix = sentence.substr(0, blank);
        const std::string target(strip(std::string_view(sentence).substr(blank + 1)));

        TaskItem item;
        for (const std::string* option : {&option1, &option2}) {
            // lm-eval's acc_norm would divide by len(choice), and for this multiple-input task the
            // choices are the contexts: keep that string as `text`.
            const std::string context = prefix + *option;
            item.choices.push_back(TaskChoice{context, " " + target, context});
        }
        item.gold = answer == "1" ? 0 : 1;
        item.source_file = path;
        item.source_line = line.number;
        item.id = json_optional_id(doc, "qID");
        if (item.id.empty()) item.id = default_item_id(path, line.number);
        dataset.items.push_back(std::move(item));
    });
    if (labels && records != 0 && records != labels->size())
        fail_file(path, "{} records but {} has {} labels: the files do not belong together", records, labels_path, labels->size());
}

}  // namespace qs::datasets
