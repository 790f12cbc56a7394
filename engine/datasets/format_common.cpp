// Helpers shared by the loaders of JSONL-with-labels formats.
#include "datasets/formats.h"

namespace qs::datasets {

void jsonl_for_each(TaskDataset& dataset, const std::string& path, BadLinePolicy policy,
                    const std::function<void(const nlohmann::json&, const TextLine&, size_t)>& parse) {
    const std::string text = dataset_read_text(path);
    size_t ordinal = 0;
    for (const TextLine& line : split_lines(text)) {
        if (strip(line.text).empty()) continue;
        const size_t this_ordinal = ordinal++;
        guard_item(dataset, policy, [&] { parse(parse_json_object(path, line), line, this_ordinal); });
    }
}

std::vector<LabelLine> read_labels(const std::string& path) {
    const std::string text = dataset_read_text(path);
    std::vector<LabelLine> labels;
    for (const TextLine& line : split_lines(text)) {
        const std::string_view label = strip(line.text);
        if (!label.empty()) labels.push_back({std::string(label), line.number});
    }
    return labels;
}

std::string labels_path_for(const std::string& data_path) {
    std::string stem = data_path;
    const size_t slash = stem.find_last_of('/');
    const size_t dot = stem.find_last_of('.');
    if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) stem.erase(dot);
    return stem + "-labels.lst";
}

std::string default_item_id(const std::string& file, int64_t line) {
    return path_basename(file) + ":" + std::to_string(line);
}

void set_item_source(TaskItem& item, const nlohmann::json& doc, const char* id_field, const std::string& file, int64_t line) {
    item.source_file = file;
    item.source_line = line;
    item.id = json_optional_id(doc, id_field);
    if (item.id.empty()) item.id = default_item_id(file, line);
}

}  // namespace qs::datasets
