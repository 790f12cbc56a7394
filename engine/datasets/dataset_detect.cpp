// dataset_detect: the extension narrows the candidates, the first record's fields decide, and
// where two formats fit the same fields (ARC and OpenBookQA share AI2's question.stem layout) the
// ids and the file name must agree on one; otherwise detection refuses and names the candidates.
#include <algorithm>
#include <cctype>
#include <filesystem>

#include "datasets/dataset_io.h"

namespace qs {

namespace fs = std::filesystem;

namespace {

bool has_suffix(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool has_string(const nlohmann::json& doc, const char* key) { return doc.contains(key) && doc[key].is_string(); }
bool has_object(const nlohmann::json& doc, const char* key) { return doc.contains(key) && doc[key].is_object(); }

// AI2's layout: "question": {"stem": ...} (ARC, OpenBookQA, CommonsenseQA).
bool has_question_stem(const nlohmann::json& doc) { return has_object(doc, "question") && doc["question"].contains("stem"); }
bool has_question_concept(const nlohmann::json& doc) {
    return doc.contains("question_concept") || (has_question_stem(doc) && doc["question"].contains("question_concept"));
}

// The fields that identify each JSONL format. A record may fit several; detection never picks
// among them by order.
struct JsonlSignature {
    const char* format;
    const char* fields;  // for messages
    bool (*fits)(const nlohmann::json&);
};

const JsonlSignature kSignatures[] = {
    {"arc", "question.stem", [](const nlohmann::json& d) { return has_question_stem(d) && !has_question_concept(d); }},
    {"openbookqa", "question.stem or question_stem",
     [](const nlohmann::json& d) { return d.contains("question_stem") || (has_question_stem(d) && !has_question_concept(d)); }},
    {"commonsense_qa", "question + question_concept",
     [](const nlohmann::json& d) { return has_question_concept(d) && (has_question_stem(d) || has_string(d, "question")); }},
    {"hellaswag-jsonl", "ctx_a + endings", [](const nlohmann::json& d) { return d.contains("ctx_a") && d.contains("endings"); }},
    {"winogrande", "sentence + option1", [](const nlohmann::json& d) { return d.contains("sentence") && d.contains("option1"); }},
    {"piqa", "goal + sol1", [](const nlohmann::json& d) { return d.contains("goal") && d.contains("sol1"); }},
    {"copa", "premise + choice1 + choice2",
     [](const nlohmann::json& d) { return d.contains("premise") && d.contains("choice1") && d.contains("choice2"); }},
    {"boolq", "passage + question", [](const nlohmann::json& d) { return has_string(d, "passage") && has_string(d, "question"); }},
    {"rte", "premise + hypothesis", [](const nlohmann::json& d) { return d.contains("premise") && d.contains("hypothesis"); }},
    {"jsonl", "context + choices", [](const nlohmann::json& d) { return d.contains("context") && d.contains("choices"); }},
    // Generation tasks. GSM8K's answer is a string (BoolQ's, with the same "question", a boolean).
    {"humaneval", "canonical_solution + entry_point",
     [](const nlohmann::json& d) { return d.contains("canonical_solution") && d.contains("entry_point"); }},
    {"mbpp", "code + test_list", [](const nlohmann::json& d) { return d.contains("code") && d.contains("test_list"); }},
    {"gsm8k", "question + answer (strings)",
     [](const nlohmann::json& d) { return has_string(d, "question") && has_string(d, "answer") && !d.contains("passage"); }},
    {"generate-jsonl", "prompt + target or targets",
     [](const nlohmann::json& d) { return d.contains("prompt") && (d.contains("target") || d.contains("targets")); }},
};

std::string lower(std::string s) {
    for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// `word` in `text` with no letter right before or after it ("arc" in "ARC-Easy-Dev", not in "search").
bool contains_word(const std::string& text, const std::string& word) {
    for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
        const bool letter_before = at > 0 && std::isalpha(static_cast<unsigned char>(text[at - 1]));
        const size_t end = at + word.size();
        const bool letter_after = end < text.size() && std::isalpha(static_cast<unsigned char>(text[end]));
        if (!letter_before && !letter_after) return true;
    }
    return false;
}

// OpenBookQA ids are digits, mostly "<digit>-<number>" ("7-980", "8-343"), some a plain number
// ("1129"); ARC ids start with the source's letters ("Mercury_7175875", "MCAS_2000_4_6", "CSZ10052").
bool looks_like_obqa_id(const std::string& id) {
    if (id.empty() || id.front() == '-' || id.back() == '-' || std::count(id.begin(), id.end(), '-') > 1) return false;
    return std::all_of(id.begin(), id.end(), [](char c) { return c == '-' || std::isdigit(static_cast<unsigned char>(c)); });
}
bool looks_like_arc_id(const std::string& id) { return !id.empty() && std::isalpha(static_cast<unsigned char>(id[0])); }

// ARC or OpenBookQA, for a record in AI2's question.stem layout: by the ids (and OpenBookQA's
// "Additional" fields), then by the file name; refuses when they disagree or say nothing.
FormatDetection arc_or_openbookqa(const std::string& path, const nlohmann::json& doc) {
    const std::string id = datasets::json_optional_id(doc, "id");
    const char* by_content = nullptr;
    std::string content_evidence;
    if (looks_like_obqa_id(id)) by_content = "openbookqa", content_evidence = "ids like '" + id + "'";
    else if (doc.contains("fact1")) by_content = "openbookqa", content_evidence = "a 'fact1' field";
    else if (looks_like_arc_id(id)) by_content = "arc", content_evidence = "ids like '" + id + "'";

    const std::string name = lower(path);
    const bool name_obqa = name.find("openbookqa") != std::string::npos || contains_word(name, "obqa");
    const bool name_arc = contains_word(name, "arc");
    const char* by_name = name_obqa == name_arc ? nullptr : name_obqa ? "openbookqa" : "arc";

    if (by_content && by_name && std::string(by_content) != by_name)
        fail_file(path, "its records fit both 'arc' and 'openbookqa' (question.stem); its {} say '{}' but its name says "
                        "'{}': name the format",
                  content_evidence, by_content, by_name);
    if (by_content) return {by_content, "question.stem with " + content_evidence};
    if (by_name) return {by_name, std::string("question.stem in a file named like ") + by_name};
    fail_file(path, "its records fit both 'arc' and 'openbookqa' (question.stem, no id or file name that tells them "
                    "apart): name the format (arc prompts \"Question: {{stem}}\\nAnswer:\", openbookqa the bare stem)");
}

// RTE's two labels, not the three of CommitmentBank or MNLI, which share premise + hypothesis.
void require_two_way_entailment(const std::string& path, const std::vector<datasets::TextLine>& lines) {
    for (const datasets::TextLine& line : lines) {
        if (datasets::strip(line.text).empty()) continue;
        const nlohmann::json doc = nlohmann::json::parse(line.text, nullptr, false);
        if (!doc.is_object() || !doc.contains("label")) continue;
        const nlohmann::json& label = doc["label"];
        if ((label.is_number_integer() && label.get<int64_t>() == 2) ||
            (label.is_string() && (label == "contradiction" || label == "neutral" || label == "2")))
            datasets::fail_line(path, line.number,
                                "premise + hypothesis with a third label ({}): a three-way entailment set such as "
                                "CommitmentBank or MNLI, which no format reads (rte has two labels)",
                                label.dump());
    }
}

// JSONL formats are told apart by the fields of their first non-blank line.
FormatDetection detect_jsonl(const std::string& path, const std::string& text) {
    const std::vector<datasets::TextLine> lines = datasets::split_lines(text);
    for (const datasets::TextLine& line : lines) {
        if (datasets::strip(line.text).empty()) continue;
        const nlohmann::json doc = datasets::parse_json_object(path, line);
        std::vector<const JsonlSignature*> fits;
        for (const JsonlSignature& s : kSignatures)
            if (s.fits(doc)) fits.push_back(&s);
        if (fits.empty())
            datasets::fail_line(path, line.number, "cannot tell the dataset format from this JSON object's fields; pass the format explicitly");
        const bool ai2_pair = fits.size() == 2 && fits[0]->format == std::string("arc") &&
                              fits[1]->format == std::string("openbookqa");
        if (ai2_pair) return arc_or_openbookqa(path, doc);
        if (fits.size() > 1) {
            std::string names;
            for (const JsonlSignature* s : fits) names += fmt::format("{}'{}' ({})", names.empty() ? "" : ", ", s->format, s->fields);
            datasets::fail_line(path, line.number, "this record's fields fit more than one format: {}; name the format", names);
        }
        if (fits[0]->format == std::string("rte")) require_two_way_entailment(path, lines);
        return {fits[0]->format, std::string("fields ") + fits[0]->fields};
    }
    fail_file(path, "no JSON line");
}

// llama.cpp's HellaSwag file: 6-line tasks whose second line is a gold index 0..3 (checked on
// the complete tasks of the head of the file).
bool looks_like_hellaswag_llamacpp(const std::string& head) {
    const auto lines = datasets::split_lines(head);
    if (lines.size() < 6) return false;
    for (size_t i = 1; i + 4 < lines.size() && i < 60; i += 6) {
        int64_t gold = -1;
        if (!datasets::parse_int(lines[i].text, gold) || gold < 0 || gold > 3) return false;
    }
    return true;
}

}  // namespace

FormatDetection dataset_detect(const std::string& path) {
    if (!fs::exists(path)) fail_file(path, "dataset not found");
    if (fs::is_directory(path)) {
        for (const auto& entry : fs::directory_iterator(path))
            if (entry.path().extension() == ".csv") return {"mmlu", "a directory of .csv files"};
        fail_file(path, "cannot tell the dataset format: a directory without .csv files (MMLU is a directory of CSVs)");
    }
    std::string name = datasets::path_basename(path);
    if (has_suffix(name, ".bz2")) name.erase(name.size() - 4);
    if (has_suffix(name, ".gz")) name.erase(name.size() - 3);
    if (has_suffix(name, ".csv")) return {"mmlu", "a .csv file"};
    if (has_suffix(name, ".tsv")) return {"sst2", "a .tsv file"};

    // The head is enough to recognise a format, and spares decompressing all of a large .bz2.
    const std::string text = datasets::dataset_read_head(path, 64 * 1024);
    if (has_suffix(name, ".jsonl") || has_suffix(name, ".json")) return detect_jsonl(path, text);
    if (has_suffix(name, ".txt")) {
        if (looks_like_hellaswag_llamacpp(text)) return {"hellaswag-llamacpp", "6-line tasks with a gold index 0..3"};
        if (name.find("lambada") != std::string::npos) return {"lambada", "a .txt file named like lambada"};
    }
    fail_file(path, "cannot tell the dataset format from the name and content; pass it explicitly (see docs/datasets.md)");
}

std::string dataset_detect_format(const std::string& path) { return dataset_detect(path).format; }

}  // namespace qs
