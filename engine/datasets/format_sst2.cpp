// GLUE SST-2 TSV (header line naming the columns, then sentence<TAB>label), prompted like
// lm-eval's sst2: "{sentence}\nQuestion: Is this sentence positive or negative?\nAnswer:" with
// choices " negative" (label 0) and " positive" (label 1). The sentence is used verbatim
// (GLUE sentences end with " " and HF keeps it).
#include "datasets/formats.h"

namespace qs::datasets {

namespace {

std::vector<std::string_view> split_tabs(std::string_view s) {
    std::vector<std::string_view> cols;
    size_t start = 0;
    while (true) {
        const size_t tab = s.find('\t', start);
        cols.push_back(s.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
        if (tab == std::string_view::npos) return cols;
        start = tab + 1;
    }
}

}  // namespace

void load_sst2(TaskDataset& dataset, const DatasetOptions& options) {
    const std::string& path = dataset.path;
    const std::string text = dataset_read_text(path);
    const std::vector<TextLine> lines = split_lines(text);

    const std::vector<std::string_view> header = split_tabs(lines.front().text);
    size_t sentence_col = header.size(), label_col = header.size();
    for (size_t c = 0; c < header.size(); ++c) {
        if (header[c] == "sentence") sentence_col = c;
        if (header[c] == "label") label_col = c;
    }
    if (sentence_col == header.size() || label_col == header.size())
        fail_line(path, 1, "header must name the columns 'sentence' and 'label' (found '{}')", lines.front().text);

    for (size_t i = 1; i < lines.size(); ++i) {
        const TextLine& line = lines[i];
        if (line.text.empty()) continue;
        guard_item(dataset, options.on_bad_line, [&] {
            const std::vector<std::string_view> cols = split_tabs(line.text);
            if (cols.size() != header.size())
                fail_line(path, line.number, "wrong column count: expected {} tab-separated columns, found {}", header.size(), cols.size());
            int64_t gold = -1;
            if (!parse_int(strip(cols[label_col]), gold) || gold < 0 || gold > 1)
                fail_line(path, line.number, "label '{}' is not 0 or 1", cols[label_col]);
            const std::string context =
                std::string(cols[sentence_col]) + "\nQuestion: Is this sentence positive or negative?\nAnswer:";
            TaskItem item;
            item.choices.push_back(make_choice(context, "negative"));
            item.choices.push_back(make_choice(context, "positive"));
            item.gold = int(gold);
            item.source_file = path;
            item.source_line = line.number;
            item.id = default_item_id(path, line.number);
            dataset.items.push_back(std::move(item));
        });
    }
}

}  // namespace qs::datasets
