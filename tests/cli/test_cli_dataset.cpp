// quantscope-cli dataset: the format and why (detected with its evidence, or given), a file whose
// fields fit two formats refused naming both, and --show's items exactly as scored; eval's
// progress line and stored settings say the same. The token
// counts are checked against `tokenize` on the same strings: the context's own encoding (BOS
// included), and the continuation = the rest of the whole string's encoding.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_run.h"

namespace {

std::string write(const std::string& name, const std::string& content) {
    const std::string path = qs::test::temp_dir() + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
}

const char* kObqa =
    R"({"id": "7-980", "question": {"stem": "The sun is responsible for", "choices": [{"text": "puppies learning new tricks", "label": "A"}, {"text": "plants sprouting", "label": "B"}]}, "answerKey": "B"})" "\n";

TEST(CliDataset, ShowsTheDetectedFormatAndItemsAsScored) {
    const std::string obqa = write("cli-obqa-dev.jsonl", kObqa);
    const auto r = qs::test::run_cli("dataset --task obqa=" + obqa + " --show 1 --json", "dataset-obqa");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    const auto& d = j["datasets"][0];
    EXPECT_EQ(d["format"], "openbookqa");
    EXPECT_EQ(d["format_source"], "detected: question.stem with ids like '7-980'");
    EXPECT_EQ(d["items"], 1);
    const auto& item = d["shown"][0];
    EXPECT_EQ(item["gold"], 1);
    EXPECT_EQ(item["choices"][1]["context"], "The sun is responsible for");  // OpenBookQA's bare stem
    EXPECT_EQ(item["choices"][1]["continuation"], " plants sprouting");
    EXPECT_EQ(item["choices"][1]["context_chars"], 26);
    EXPECT_EQ(item["choices"][1]["continuation_chars"], 17);
    EXPECT_FALSE(item["choices"][1].contains("context_tokens"));  // no --model: characters only

    const auto text = qs::test::run_cli("dataset --task obqa=" + obqa + " --show 1", "dataset-obqa-text");
    ASSERT_EQ(text.exit_code, 0) << text.err;
    EXPECT_NE(text.out.find("│The sun is responsible for\n"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("✔  1 \" plants sprouting\"  (17 chars)"), std::string::npos) << text.out;
}

TEST(CliDataset, RefusesAFileThatFitsTwoFormatsUntilOneIsNamed) {
    const std::string neutral = write("cli-questions.jsonl",
        R"({"question": {"stem": "Which?", "choices": [{"text": "a", "label": "A"}, {"text": "b", "label": "B"}]}, "answerKey": "A"})" "\n");
    const auto refused = qs::test::run_cli("dataset --task q=" + neutral, "dataset-refused");
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.err.find("fit both 'arc' and 'openbookqa'"), std::string::npos) << refused.err;
    const auto named = qs::test::run_cli("dataset --task q=" + neutral + " --format q=arc --show 1 --json", "dataset-named");
    ASSERT_EQ(named.exit_code, 0) << named.err;
    const auto d = nlohmann::json::parse(named.out)["datasets"][0];
    EXPECT_EQ(d["format"], "arc");
    EXPECT_EQ(d["format_source"], "given");
    EXPECT_EQ(d["shown"][0]["choices"][0]["context"], "Question: Which?\nAnswer:");
}

TEST(CliDataset, TokenCountsAreTheScorersSplit) {
    QS_REQUIRE_SHARED(model, "models/stories260K.gguf");
    const std::string csqa = write("cli-csqa.jsonl",
        R"({"id": "x", "question": "Where would you find magazines?", "question_concept": "magazines", "choices": {"label": ["A", "B", "C", "D", "E"], "text": ["doctor", "bookstore", "market", "train station", "mortuary"]}, "answerKey": "B"})" "\n");
    const auto r = qs::test::run_cli("dataset --task csqa=" + csqa + " --show 1 --json --model " + model, "dataset-csqa");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto choices = nlohmann::json::parse(r.out)["datasets"][0]["shown"][0]["choices"];
    ASSERT_EQ(choices.size(), 5u);
    const std::string context = choices[0]["context"];
    auto token_count = [&](const std::string& text, const std::string& tag) {
        const std::string path = write("cli-" + tag + ".txt", text);
        const auto t = qs::test::run_cli("tokenize --model " + model + " --text " + path + " --json", "dataset-tok-" + tag);
        EXPECT_EQ(t.exit_code, 0) << t.err;
        return nlohmann::json::parse(t.out)["count"].get<int>();  // BOS included, as the scorer's
    };
    const int context_tokens = token_count(context, "ctx");
    for (size_t c = 0; c < choices.size(); ++c) {
        EXPECT_EQ(choices[c]["context_tokens"], context_tokens) << "choice " << c;
        const std::string whole = context + choices[c]["continuation"].get<std::string>();
        EXPECT_EQ(choices[c]["context_tokens"].get<int>() + choices[c]["continuation_tokens"].get<int>(),
                  token_count(whole, "whole" + std::to_string(c)))
            << "choice " << c;
    }
}

TEST(CliDataset, EvalSaysHowEachTaskFileIsReadAndStoresIt) {
    QS_REQUIRE_SHARED(model, "models/stories260K.gguf");
    const std::string obqa = write("cli-eval-obqa.jsonl", kObqa);
    const auto r = qs::test::run_cli("eval --model " + model + " --precisions F32 --task obqa=" + obqa +
                                         " --task-ctx 128 --threads 1 --json",
                                     "dataset-eval");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("eval: task obqa: " + obqa + " read as openbookqa (detected: question.stem with ids like '7-980')"),
              std::string::npos)
        << r.err;
    const auto settings = nlohmann::json::parse(r.out)["jobs"][0]["settings"];
    EXPECT_EQ(settings["format"], "openbookqa");
    EXPECT_EQ(settings["format_source"], "detected: question.stem with ids like '7-980'");
}

}  // namespace
