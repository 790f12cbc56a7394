// dataset_detect_format: the extension narrows the candidates, the first record decides.
#include <filesystem>

#include "datasets/dataset_io.h"

namespace qs {

namespace fs = std::filesystem;

namespace {

bool has_suffix(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// JSONL formats are told apart by the fields of their first non-blank line.
std::string detect_jsonl(const std::string& path, const std::string& text) {
    for (const datasets::TextLine& line : datasets::split_lines(text)) {
        if (datasets::strip(line.text).empty()) continue;
        const nlohmann::json doc = datasets::parse_json_object(path, line);
        if (doc.contains("question") && doc["question"].is_object() && doc["question"].contains("stem")) return "arc";
        if (doc.contains("ctx_a") && doc.contains("endings")) return "hellaswag-jsonl";
        if (doc.contains("sentence") && doc.contains("option1")) return "winogrande";
        if (doc.contains("goal") && doc.contains("sol1")) return "piqa";
        if (doc.contains("context") && doc.contains("choices")) return "jsonl";
        if (doc.contains("canonical_solution") && doc.contains("entry_point")) return "humaneval";
        if (doc.contains("code") && doc.contains("test_list")) return "mbpp";
        if (doc.contains("question") && doc["question"].is_string() && doc.contains("answer")) return "gsm8k";
        if (doc.contains("prompt") && (doc.contains("target") || doc.contains("targets"))) return "generate-jsonl";
        datasets::fail_line(path, line.number, "cannot tell the dataset format from this JSON object's fields; pass the format explicitly");
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

std::string dataset_detect_format(const std::string& path) {
    if (!fs::exists(path)) fail_file(path, "dataset not found");
    if (fs::is_directory(path)) {
        for (const auto& entry : fs::directory_iterator(path))
            if (entry.path().extension() == ".csv") return "mmlu";
        fail_file(path, "cannot tell the dataset format: a directory without .csv files (MMLU is a directory of CSVs)");
    }
    std::string name = datasets::path_basename(path);
    if (has_suffix(name, ".bz2")) name.erase(name.size() - 4);
    if (has_suffix(name, ".gz")) name.erase(name.size() - 3);
    if (has_suffix(name, ".csv")) return "mmlu";
    if (has_suffix(name, ".tsv")) return "sst2";

    // The head is enough to recognise a format, and spares decompressing all of a large .bz2.
    const std::string text = datasets::dataset_read_head(path, 64 * 1024);
    if (has_suffix(name, ".jsonl") || has_suffix(name, ".json")) return detect_jsonl(path, text);
    if (has_suffix(name, ".txt")) {
        if (looks_like_hellaswag_llamacpp(text)) return "hellaswag-llamacpp";
        if (name.find("lambada") != std::string::npos) return "lambada";
    }
    fail_file(path, "cannot tell the dataset format from the name and content; pass it explicitly (see docs/datasets.md)");
}

}  // namespace qs
