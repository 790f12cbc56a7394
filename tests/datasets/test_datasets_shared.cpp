// The real task files in ../shared: item counts equal the published sizes, and the first item's
// prompt equals what the test builds itself from the raw file with the lm-eval template.
#include <bzlib.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "test_support.h"

using namespace qs;

namespace {

std::string first_line(const std::string& path, int skip = 0) {
    std::ifstream in(path);
    std::string line;
    for (int i = 0; i <= skip; ++i) std::getline(in, line);
    return line;
}

// The first `n` lines of a .bz2 file, through libbz2's stdio interface (the loader uses the
// streaming one).
std::vector<std::string> bz2_head(const std::string& path, size_t n) {
    FILE* f = std::fopen(path.c_str(), "rb");
    EXPECT_NE(f, nullptr);
    int err = 0;
    BZFILE* bz = BZ2_bzReadOpen(&err, f, 0, 0, nullptr, 0);
    std::string text(1 << 16, '\0');
    const int got = BZ2_bzRead(&err, bz, text.data(), int(text.size()));
    text.resize(size_t(std::max(got, 0)));
    BZ2_bzReadClose(&err, bz);
    std::fclose(f);
    std::vector<std::string> lines;
    std::istringstream in(text);
    std::string line;
    while (lines.size() < n && std::getline(in, line)) lines.push_back(line);
    return lines;
}

}  // namespace

TEST(DatasetShared, HellaswagLlamacppBz2) {
    QS_REQUIRE_SHARED(path, "data/hellaswag/hellaswag_val_full.txt.bz2");
    const TaskDataset ds = dataset_load(dataset_detect_format(path), path);
    EXPECT_EQ(ds.format, "hellaswag-llamacpp");
    EXPECT_EQ(ds.items.size(), 10042u);
    EXPECT_EQ(ds.skipped, 0);
    const auto raw = bz2_head(path, 6);
    ASSERT_EQ(raw.size(), 6u);
    const TaskItem& first = ds.items[0];
    EXPECT_EQ(first.gold, std::stoi(raw[1]));
    for (int e = 0; e < 4; ++e) {
        EXPECT_EQ(first.choices[size_t(e)].context, raw[0]);
        EXPECT_EQ(first.choices[size_t(e)].context + first.choices[size_t(e)].continuation, raw[0] + " " + raw[2 + size_t(e)]);
    }
    EXPECT_EQ(ds.items.back().source_line, 60252 - 5);
}

TEST(DatasetShared, ArcEasy) {
    QS_REQUIRE_SHARED(test_path, "data/arc/ARC-Easy-Test.jsonl");
    QS_REQUIRE_SHARED(dev_path, "data/arc/ARC-Easy-Dev.jsonl");
    const TaskDataset ds = dataset_load(dataset_detect_format(test_path), test_path);
    EXPECT_EQ(ds.items.size(), 2376u);
    EXPECT_EQ(dataset_load("arc", dev_path).items.size(), 570u);
    // Item counts by number of choices: ARC-Easy has 3- and 5-choice questions besides 4.
    size_t not_four = 0;
    for (const auto& item : ds.items) not_four += item.choices.size() != 4;
    EXPECT_GT(not_four, 0u);

    const auto doc = nlohmann::json::parse(first_line(test_path));
    const std::string context = "Question: " + doc["question"]["stem"].get<std::string>() + "\nAnswer:";
    const auto& choices = doc["question"]["choices"];
    const TaskItem& first = ds.items[0];
    ASSERT_EQ(first.choices.size(), choices.size());
    for (size_t c = 0; c < choices.size(); ++c) {
        EXPECT_EQ(first.choices[c].context, context);
        EXPECT_EQ(first.choices[c].continuation, " " + choices[c]["text"].get<std::string>());
        if (choices[c]["label"] == doc["answerKey"]) { EXPECT_EQ(first.gold, int(c)); }
    }
    EXPECT_EQ(first.id, doc["id"].get<std::string>());
}

TEST(DatasetShared, MmluTestDevAndTwoShot) {
    QS_REQUIRE_SHARED(test_dir, "data/mmlu/test");
    QS_REQUIRE_SHARED(dev_dir, "data/mmlu/dev");
    const TaskDataset ds = dataset_load(dataset_detect_format(test_dir), test_dir);
    EXPECT_EQ(ds.items.size(), 14042u);
    EXPECT_EQ(ds.skipped, 0);
    EXPECT_EQ(dataset_load("mmlu", dev_dir).items.size(), 285u);

    // abstract_algebra_test.csv sorts first; its line 1 is
    // "Find the degree ... Q(sqrt(2), sqrt(3), sqrt(18)) over Q.",0,4,2,6,B
    const std::string desc = "The following are multiple choice questions (with answers) about abstract algebra.\n\n";
    const std::string q1 = "Find the degree for the given field extension Q(sqrt(2), sqrt(3), sqrt(18)) over Q.\nA. 0\nB. 4\nC. 2\nD. 6\nAnswer:";
    const TaskItem& first = ds.items[0];
    EXPECT_EQ(first.group, "abstract algebra");
    EXPECT_EQ(first.gold, 1);
    EXPECT_EQ(first.choices[0].context, desc + q1);
    EXPECT_EQ(first.choices[3].continuation, " D");
    // Line 3 has quoted fields with commas: ...,0,1,"0,1","0,4",D
    const std::string tail = "\nA. 0\nB. 1\nC. 0,1\nD. 0,4\nAnswer:";
    const std::string& ctx2 = ds.items[2].choices[0].context;
    ASSERT_GE(ctx2.size(), tail.size());
    EXPECT_EQ(ctx2.substr(ctx2.size() - tail.size()), tail);
    EXPECT_EQ(ds.items[2].gold, 3);

    // 2-shot: the first two rows of abstract_algebra_dev.csv (the second one fully quoted).
    DatasetOptions opt;
    opt.num_fewshot = 2;
    opt.fewshot_path = dev_dir;
    const TaskDataset k2 = dataset_load("mmlu", test_dir, opt);
    ASSERT_EQ(k2.items.size(), 14042u);
    const std::string shot1 = "Find all c in Z_3 such that Z_3[x]/(x^2 + c) is a field.\nA. 0\nB. 1\nC. 2\nD. 3\nAnswer: B";
    const std::string shot2 =
        "Statement 1 | If aH is an element of a factor group, then |aH| divides |a|. Statement 2 | If H and K are "
        "subgroups of G then HK is a subgroup of G.\nA. True, True\nB. False, False\nC. True, False\nD. False, True\nAnswer: B";
    EXPECT_EQ(k2.items[0].choices[2].context, desc + shot1 + "\n\n" + shot2 + "\n\n" + q1);
    // Every subject's prompt starts with its own description and has exactly 2 shots + question.
    for (const TaskItem& item : k2.items) {
        const std::string& ctx = item.choices[0].context;
        ASSERT_EQ(ctx.rfind("The following are multiple choice questions (with answers) about " + item.group + ".\n\n", 0), 0u);
        size_t answers = 0;
        for (size_t pos = ctx.find("\nAnswer:"); pos != std::string::npos; pos = ctx.find("\nAnswer:", pos + 1)) ++answers;
        ASSERT_EQ(answers, 3u) << item.id;
        ASSERT_EQ(ctx.substr(ctx.size() - 8), "\nAnswer:");
    }
}

TEST(DatasetShared, Winogrande) {
    QS_REQUIRE_SHARED(path, "data/winogrande_1.1/dev.jsonl");
    const TaskDataset ds = dataset_load(dataset_detect_format(path), path);
    EXPECT_EQ(ds.items.size(), 1267u);
    const auto doc = nlohmann::json::parse(first_line(path));
    const std::string sentence = doc["sentence"];
    const size_t blank = sentence.find('_');
    const int label = std::stoi(first_line(path.substr(0, path.size() - 6) + "-labels.lst"));
    const TaskItem& first = ds.items[0];
    EXPECT_EQ(first.gold, label - 1);
    EXPECT_EQ(first.choices[0].context, sentence.substr(0, blank) + doc["option1"].get<std::string>());
    EXPECT_EQ(first.choices[1].context, sentence.substr(0, blank) + doc["option2"].get<std::string>());
    // "Sarah was a much better surgeon than Maria so _ always got the easier cases."
    EXPECT_EQ(first.choices[0].continuation, " always got the easier cases.");
}

TEST(DatasetShared, Piqa) {
    QS_REQUIRE_SHARED(path, "data/piqa/valid.jsonl");
    const TaskDataset ds = dataset_load(dataset_detect_format(path), path);
    EXPECT_EQ(ds.items.size(), 1838u);
    const auto doc = nlohmann::json::parse(first_line(path));
    const std::string context = "Question: " + doc["goal"].get<std::string>() + "\nAnswer:";
    EXPECT_EQ(ds.items[0].choices[0].context, context);
    EXPECT_EQ(ds.items[0].choices[0].continuation, " " + doc["sol1"].get<std::string>());
    EXPECT_EQ(ds.items[0].choices[1].continuation, " " + doc["sol2"].get<std::string>());
    EXPECT_EQ(ds.items[0].gold, std::stoi(first_line(qs::test::shared_path("data/piqa/valid-labels.lst"))));
}

TEST(DatasetShared, Sst2) {
    QS_REQUIRE_SHARED(path, "data/sst2/dev.tsv");
    const TaskDataset ds = dataset_load(dataset_detect_format(path), path);
    EXPECT_EQ(ds.items.size(), 872u);
    const std::string row = first_line(path, 1);  // after the header
    const size_t tab = row.find('\t');
    EXPECT_EQ(ds.items[0].choices[1].context, row.substr(0, tab) + "\nQuestion: Is this sentence positive or negative?\nAnswer:");
    EXPECT_EQ(ds.items[0].gold, std::stoi(row.substr(tab + 1)));
    EXPECT_EQ(ds.items[0].source_line, 2);
}

TEST(DatasetShared, Lambada) {
    QS_REQUIRE_SHARED(path, "data/lambada/lambada_test_plain_text.txt");
    const TaskDataset ds = dataset_load(dataset_detect_format(path), path);
    EXPECT_EQ(ds.items.size(), 5153u);
    EXPECT_EQ(ds.kind, TaskKind::Completion);
    const std::string line = first_line(path);
    const size_t space = line.rfind(' ');
    EXPECT_EQ(ds.items[0].choices[0].context, line.substr(0, space));
    EXPECT_EQ(ds.items[0].choices[0].continuation, line.substr(space));
    EXPECT_EQ(ds.items[0].choices[0].context + ds.items[0].choices[0].continuation, line);
}
