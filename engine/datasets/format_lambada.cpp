// LAMBADA, one passage per line; the task is to predict the last word. Like lm-eval's
// lambada_openai: context = text.split(' ')[:-1] joined by ' ', continuation = " " + last word,
// scored by greedy match (acc) and exp(-mean log-likelihood) (perplexity).
#include "datasets/formats.h"

namespace qs::datasets {

void load_lambada(TaskDataset& dataset, const DatasetOptions& options) {
    const std::string& path = dataset.path;
    const std::string text = dataset_read_text(path);
    for (const TextLine& line : split_lines(text)) {
        if (strip(line.text).empty()) continue;
        guard_item(dataset, options.on_bad_line, [&] {
            // Python's split(' ') splits on every single space, so the last word is what follows the
            // last space; a trailing space would make it empty.
            const size_t space = line.text.rfind(' ');
            if (space == std::string_view::npos) fail_line(path, line.number, "passage has a single word: nothing to predict from");
            const std::string_view word = line.text.substr(space + 1);
            if (word.empty()) fail_line(path, line.number, "passage ends with a space: the last word is empty");
            TaskItem item;
            std::string continuation = " ";
            continuation.append(word);
            item.choices.push_back(TaskChoice{std::string(line.text.substr(0, space)), std::move(continuation), std::string(word)});
            item.gold = 0;
            item.source_file = path;
            item.source_line = line.number;
            item.id = default_item_id(path, line.number);
            dataset.items.push_back(std::move(item));
        });
    }
}

}  // namespace qs::datasets
