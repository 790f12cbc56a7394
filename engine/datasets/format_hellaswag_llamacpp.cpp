// llama.cpp's `--hellaswag` text format: 6 lines per task (context, gold index, 4 endings), the
// fields already preprocessed as lm-eval does. llama.cpp scores context + " " + ending.
#include "datasets/formats.h"

namespace qs::datasets {

void load_hellaswag_llamacpp(TaskDataset& dataset, const DatasetOptions& options) {
    constexpr size_t kLinesPerTask = 6;
    constexpr int kEndings = 4;
    const std::string& path = dataset.path;
    const std::string text = dataset_read_text(path);
    const std::vector<TextLine> lines = split_lines(text);

    // Blank lines are data here (position matters), so a task is always 6 consecutive lines.
    for (size_t first = 0; first < lines.size(); first += kLinesPerTask) {
        guard_item(dataset, options.on_bad_line, [&] {
            const TextLine& context = lines[first];
            if (first + kLinesPerTask > lines.size())
                fail_line(path, context.number, "incomplete task: {} of 6 lines (context, gold index, 4 endings)",
                          lines.size() - first);
            const TextLine& gold_line = lines[first + 1];
            int64_t gold = -1;
            if (!parse_int(strip(gold_line.text), gold))
                fail_line(path, gold_line.number, "gold index '{}' is not an integer", gold_line.text);
            if (gold < 0 || gold >= kEndings)
                fail_line(path, gold_line.number, "gold index {} out of range for {} endings", gold, kEndings);
            TaskItem item;
            item.gold = int(gold);
            item.source_file = path;
            item.source_line = context.number;
            item.id = default_item_id(path, context.number);
            for (int e = 0; e < kEndings; ++e)
                item.choices.push_back(make_choice(std::string(context.text), std::string(lines[first + 2 + e].text)));
            dataset.items.push_back(std::move(item));
        });
    }
}

}  // namespace qs::datasets
