// Helpers shared by the JSONL loaders: records, labels files, item origins, AI2-style choice
// lists and two-way labels in the spellings the distributions use.
#include "datasets/formats.h"

#include <cctype>

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

void set_item_origin(TaskItem& item, const nlohmann::json& doc, const char* id_field, const std::string& path,
                     const TextLine& line) {
    item.source_file = path;
    item.source_line = line.number;
    item.id = json_optional_id(doc, id_field);
    if (item.id.empty()) item.id = default_item_id(path, line.number);
}

std::vector<LabeledChoice> labeled_choices(const nlohmann::json& choices, const char* where, const std::string& path,
                                           int64_t line) {
    std::vector<LabeledChoice> out;
    if (choices.is_array()) {
        for (size_t c = 0; c < choices.size(); ++c) {
            if (!choices[c].is_object()) fail_line(path, line, "{}[{}] is not an object", where, c);
            out.push_back({json_string(choices[c], "label", path, line), json_string(choices[c], "text", path, line)});
        }
    } else if (choices.is_object()) {
        const auto& labels = json_field(choices, "label", path, line);
        const auto& texts = json_field(choices, "text", path, line);
        if (!labels.is_array() || !texts.is_array() || labels.size() != texts.size())
            fail_line(path, line, "{}.label and {}.text are not two arrays of the same length", where, where);
        for (size_t c = 0; c < labels.size(); ++c) {
            if (!labels[c].is_string() || !texts[c].is_string())
                fail_line(path, line, "{}.label[{}] or {}.text[{}] is not a string", where, c, where, c);
            out.push_back({labels[c].get<std::string>(), texts[c].get<std::string>()});
        }
    } else {
        fail_line(path, line, "field '{}' is neither a list of {{label, text}} nor {{label: [...], text: [...]}}", where);
    }
    if (out.empty()) fail_line(path, line, "field '{}' has no choice", where);
    return out;
}

namespace {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
    return true;
}

}  // namespace

int json_two_way_label(const nlohmann::json& doc, const char* field, const std::string& path, int64_t line,
                       bool accept_bool, const char* name0, const char* name1) {
    const auto it = doc.find(field);
    if (it == doc.end() || it->is_null())
        fail_line(path, line, "missing field '{}' (a test split ships without labels)", field);
    const nlohmann::json& v = *it;
    int64_t number = -2;
    if (v.is_number_integer()) number = v.get<int64_t>();
    else if (v.is_string()) parse_int(v.get_ref<const std::string&>(), number);  // leaves -2 when not digits
    if (number == 0 || number == 1) return int(number);
    if (number == -1) fail_line(path, line, "{} is -1: this split has no labels (a test split)", field);
    if (accept_bool && v.is_boolean()) return v.get<bool>() ? 1 : 0;
    if (name0 && v.is_string()) {
        if (equals_ignoring_case(v.get_ref<const std::string&>(), name0)) return 0;
        if (equals_ignoring_case(v.get_ref<const std::string&>(), name1)) return 1;
    }
    std::string accepted = "0, 1";
    if (accept_bool) accepted += ", true, false";
    if (name0) accepted += fmt::format(", \"{}\", \"{}\"", name0, name1);
    fail_line(path, line, "{} {} is not one of {}", field, v.dump(), accepted);
}

}  // namespace qs::datasets
