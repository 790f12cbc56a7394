// Generation task formats (GSM8K, HumanEval, MBPP, generate-jsonl): lm-eval's prompts rebuilt here
// from the raw records with the templates of its task YAMLs, compared with what the loaders build.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "datasets/task_dataset.h"
#include "test_support.h"

namespace qs::test {
namespace {

std::vector<nlohmann::json> read_jsonl(const std::string& path, size_t max = SIZE_MAX) {
    std::ifstream in(path);
    std::vector<nlohmann::json> out;
    for (std::string line; out.size() < max && std::getline(in, line);)
        if (!line.empty()) out.push_back(nlohmann::json::parse(line));
    return out;
}

TEST(GenerationFormats, Gsm8kFiveShotPromptIsLmEvals) {
    QS_REQUIRE_SHARED(test_path, "data/gsm8k/test.jsonl");
    QS_REQUIRE_SHARED(train_path, "data/gsm8k/train.jsonl");
    DatasetOptions o;
    o.num_fewshot = 5;
    const TaskDataset d = dataset_load("", test_path, o);  // detected, train.jsonl found beside it
    EXPECT_EQ(d.format, "gsm8k");
    EXPECT_EQ(d.kind, TaskKind::Generation);
    ASSERT_EQ(d.items.size(), 1319u);
    const auto train = read_jsonl(train_path, 5);
    const auto test = read_jsonl(test_path, 1);
    std::string expected;
    for (const auto& s : train)
        expected += "Question: " + s["question"].get<std::string>() + "\nAnswer: " + s["answer"].get<std::string>() + "\n\n";
    expected += "Question: " + test[0]["question"].get<std::string>() + "\nAnswer:";
    const GenerationSpec& g = d.items[0].generation;
    EXPECT_EQ(g.prompt, expected);
    EXPECT_EQ(g.until, (std::vector<std::string>{"Question:", "</s>", "<|im_end|>"}));
    EXPECT_EQ(g.scoring, GenerationScoring::Gsm8k);
    EXPECT_EQ(g.targets.at(0), test[0]["answer"].get<std::string>());
}

TEST(GenerationFormats, HumanEvalProgramIsHumanEvalsCheckProgram) {
    QS_REQUIRE_SHARED(path, "data/humaneval/HumanEval.jsonl.gz");
    const TaskDataset d = dataset_load("", path);
    EXPECT_EQ(d.format, "humaneval");
    ASSERT_EQ(d.items.size(), 164u);
    const TaskItem& first = d.items[0];
    EXPECT_EQ(first.id, "HumanEval/0");
    EXPECT_EQ(first.generation.prompt.rfind("from typing import List\n\n\ndef has_close_elements", 0), 0u);
    EXPECT_EQ(first.generation.until, (std::vector<std::string>{"\nclass", "\ndef", "\n#", "\nif", "\nprint"}));
    EXPECT_EQ(first.generation.program_prefix, first.generation.prompt);
    const std::string& suffix = first.generation.program_suffix;
    EXPECT_EQ(suffix.rfind("\n\n\nMETADATA = {", 0), 0u);
    EXPECT_EQ(suffix.substr(suffix.size() - 26), "\ncheck(has_close_elements)");
    EXPECT_EQ(d.items[163].id, "HumanEval/163");
}

std::string mbpp_text(const nlohmann::json& doc) {
    const auto& t = doc["test_list"];
    return "You are an expert Python programmer, and here is your task: " + doc["text"].get<std::string>() +
           " Your code should pass these tests:\n\n" + t[0].get<std::string>() + "\n" + t[1].get<std::string>() + "\n" +
           t[2].get<std::string>() + "\n[BEGIN]\n";
}

TEST(GenerationFormats, MbppThreeShotPromptAndSplits) {
    QS_REQUIRE_SHARED(path, "data/mbpp/mbpp.jsonl");
    DatasetOptions o;
    o.num_fewshot = 3;
    const TaskDataset test = dataset_load("", path, o);
    EXPECT_EQ(test.format, "mbpp");
    ASSERT_EQ(test.items.size(), 500u);  // lm-eval's test split: task ids 11-510
    EXPECT_EQ(test.items.front().id, "11");
    EXPECT_EQ(test.items.back().id, "510");

    const auto docs = read_jsonl(path, 11);
    std::string expected;
    for (int id : {2, 3, 4}) expected += mbpp_text(docs[size_t(id - 1)]) + docs[size_t(id - 1)]["code"].get<std::string>() + "\n[DONE]\n\n";
    expected += mbpp_text(docs[10]);
    EXPECT_EQ(test.items.front().generation.prompt, expected);
    EXPECT_EQ(test.items.front().generation.until, std::vector<std::string>{"[DONE]"});
    EXPECT_EQ(test.items.front().generation.reference, docs[10]["code"].get<std::string>());

    DatasetOptions all;
    all.split = "all";
    EXPECT_EQ(dataset_load("mbpp", path, all).items.size(), 974u);
    all.split = "validation";
    EXPECT_EQ(dataset_load("mbpp", path, all).items.size(), 90u);
    all.split = "nonsense";
    EXPECT_CONTAINS(load_error("mbpp", path, all), "unknown MBPP split 'nonsense'");
    o.num_fewshot = 4;
    EXPECT_CONTAINS(load_error("mbpp", path, o), "at most 3 shots");
}

TEST(GenerationFormats, GenerateJsonlFieldsAndErrors) {
    const std::string path = write_file("gen.jsonl",
                                        "{\"id\": \"cap\", \"prompt\": \"Capital of France:\", \"target\": \"Paris\"}\n"
                                        "{\"prompt\": \"2+2=\", \"targets\": [\"4\", \"four\"], \"scoring\": \"contains\", "
                                        "\"until\": [\"\\n\"], \"max_tokens\": 8}\n");
    const TaskDataset d = dataset_load("", path);
    EXPECT_EQ(d.format, "generate-jsonl");
    ASSERT_EQ(d.items.size(), 2u);
    EXPECT_EQ(d.items[0].id, "cap");
    EXPECT_EQ(d.items[0].generation.scoring, GenerationScoring::ExactMatch);
    EXPECT_EQ(d.items[1].generation.targets, (std::vector<std::string>{"4", "four"}));
    EXPECT_EQ(d.items[1].generation.scoring, GenerationScoring::Contains);
    EXPECT_EQ(d.items[1].generation.until, std::vector<std::string>{"\n"});
    EXPECT_EQ(d.items[1].generation.max_tokens, 8);

    EXPECT_CONTAINS(load_error("generate-jsonl", write_file("g1.jsonl", "{\"prompt\": \"x\"}\n")), "g1.jsonl:1: missing field 'target'");
    EXPECT_CONTAINS(load_error("generate-jsonl", write_file("g2.jsonl", "{\"prompt\": \"x\", \"target\": \"y\", \"scoring\": \"fuzzy\"}\n")),
                    "g2.jsonl:1: scoring 'fuzzy' is not one of exact, regex, contains");
    EXPECT_CONTAINS(load_error("generate-jsonl", write_file("g3.jsonl", "{\"prompt\": \"x\", \"targets\": []}\n")),
                    "'targets' is not a non-empty array");
    EXPECT_CONTAINS(load_error("gsm8k", write_file("g4.jsonl", "{\"question\": \"q\", \"answer\": \"no marker\"}\n")),
                    "g4.jsonl:1: answer has no final '#### N' line");
    EXPECT_CONTAINS(load_error("humaneval", write_file("g5.jsonl", "{\"task_id\": \"x\", \"prompt\": \"p\"}\n")), "missing field");
    DatasetOptions split;
    split.split = "test";
    EXPECT_CONTAINS(load_error("generate-jsonl", path, split), "has no split 'test'");
}

TEST(GenerationFormats, CorruptGzipIsAnErrorNamingTheFile) {
    const std::string path = write_file("broken.jsonl.gz", std::string("\x1f\x8b\x08\x00garbage", 12));
    EXPECT_CONTAINS(load_error("humaneval", path), "broken.jsonl.gz: gzip:");
}

}  // namespace
}  // namespace qs::test

// The generation formats joined main's detection table, where a record fitting two formats is
// refused: GSM8K's "question" + string "answer" must not catch Hugging Face BoolQ's records
// (question, passage, boolean answer), and each generation format is told by its own fields.
TEST(GenerationFormats, DetectedByTheirFieldsBesideTheOtherFormats) {
    const auto detect = [](const char* name, const char* line) {
        return qs::dataset_detect(qs::test::write_file(name, std::string(line) + "\n")).format;
    };
    EXPECT_EQ(detect("g.jsonl", R"({"question": "2 + 2?", "answer": "2 + 2 = 4\n#### 4"})"), "gsm8k");
    EXPECT_EQ(detect("b.jsonl", R"({"question": "is it?", "answer": true, "passage": "It is."})"), "boolq");
    EXPECT_EQ(detect("h.jsonl", R"({"task_id": "H/0", "prompt": "def f():\n", "canonical_solution": "  return 1\n", "test": "", "entry_point": "f"})"),
              "humaneval");
    EXPECT_EQ(detect("m.jsonl", R"({"task_id": 1, "text": "t", "code": "x = 1", "test_list": ["assert x == 1"]})"), "mbpp");
    EXPECT_EQ(detect("p.jsonl", R"({"prompt": "Q: 1 + 1?\nA:", "target": "2"})"), "generate-jsonl");
}
