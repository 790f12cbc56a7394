// OpenAI GSM8K jsonl ({"question", "answer"}, the answer's last line "#### N"), prompted like
// lm-eval's gsm8k (v3): k shots from the train file, each "Question: {q}\nAnswer: {answer}",
// joined by "\n\n", then "Question: {q}\nAnswer:"; generation until "Question:", "</s>" or
// "<|im_end|>"; scored by strict-match and flexible-extract (engine/eval/generation_scoring.h).
#include <filesystem>

#include "datasets/formats.h"

namespace qs::datasets {

namespace {

struct Gsm8kDoc {
    std::string question, answer;
};

std::vector<Gsm8kDoc> read_docs(TaskDataset& dataset, const std::string& path, BadLinePolicy policy,
                                std::vector<std::pair<std::string, int64_t>>* where = nullptr) {
    std::vector<Gsm8kDoc> docs;
    jsonl_for_each(dataset, path, policy, [&](const nlohmann::json& doc, const TextLine& line, size_t) {
        Gsm8kDoc d{json_string(doc, "question", path, line.number), json_string(doc, "answer", path, line.number)};
        if (d.answer.find("#### ") == std::string::npos) fail_line(path, line.number, "answer has no final '#### N' line");
        docs.push_back(std::move(d));
        if (where) where->emplace_back(json_optional_id(doc, "id"), line.number);
    });
    return docs;
}

std::string doc_to_text(const Gsm8kDoc& d) { return "Question: " + d.question + "\nAnswer:"; }

// lm-eval's default for gsm8k; a sibling train.jsonl when no few-shot file is named.
std::string fewshot_source(const TaskDataset& dataset, const DatasetOptions& options) {
    if (!options.fewshot_path.empty()) return options.fewshot_path;
    const std::filesystem::path sibling = std::filesystem::path(dataset.path).parent_path() / "train.jsonl";
    if (std::filesystem::exists(sibling)) return sibling.string();
    fail_file(dataset.path, "{}-shot GSM8K needs the train file: none named and no train.jsonl beside it", options.num_fewshot);
}

}  // namespace

void load_gsm8k(TaskDataset& dataset, const DatasetOptions& options) {
    const std::string& path = dataset.path;
    std::string prefix;
    if (options.num_fewshot > 0) {
        const std::string source = fewshot_source(dataset, options);
        TaskDataset shots_file;
        shots_file.path = source;
        const std::vector<Gsm8kDoc> shots = read_docs(shots_file, source, BadLinePolicy::Stop);
        if (shots.size() < size_t(options.num_fewshot))
            fail_file(source, "{} shots asked for, the file has {}", options.num_fewshot, shots.size());
        for (int i = 0; i < options.num_fewshot; ++i) prefix += doc_to_text(shots[size_t(i)]) + " " + shots[size_t(i)].answer + "\n\n";
    }
    std::vector<std::pair<std::string, int64_t>> where;
    const std::vector<Gsm8kDoc> docs = read_docs(dataset, path, options.on_bad_line, &where);
    for (size_t i = 0; i < docs.size(); ++i) {
        TaskItem item;
        item.source_file = path;
        item.source_line = where[i].second;
        item.id = where[i].first.empty() ? default_item_id(path, item.source_line) : where[i].first;
        GenerationSpec& g = item.generation;
        g.prompt = prefix + doc_to_text(docs[i]);
        g.until = {"Question:", "</s>", "<|im_end|>"};
        g.max_tokens = 256;
        g.scoring = GenerationScoring::Gsm8k;
        g.targets = {docs[i].answer};
        g.reference = docs[i].answer;
        dataset.items.push_back(std::move(item));
    }
}

}  // namespace qs::datasets
