// Every format on small files written here: the exact lm-eval / llama.cpp prompts, gold indices,
// few-shot prefixes, bzip2 input and format detection. Needs nothing from ../shared.
#include <bzlib.h>

#include <filesystem>

#include "test_support.h"

using namespace qs;
using qs::test::write_file;

TEST(DatasetFormats, HellaswagLlamacppScoresContextSpaceEnding) {
    const auto path = write_file("hs.txt", "Ctx one: a man. he\n2\ne0\ne1\ne2\ne3\nCtx two\n0\nf0\nf1\nf2\nf3\n");
    const TaskDataset ds = dataset_load("hellaswag-llamacpp", path);
    ASSERT_EQ(ds.items.size(), 2u);
    EXPECT_EQ(ds.kind, TaskKind::MultipleChoice);
    const TaskItem& a = ds.items[0];
    EXPECT_EQ(a.gold, 2);
    EXPECT_EQ(a.source_line, 1);
    ASSERT_EQ(a.choices.size(), 4u);
    EXPECT_EQ(a.choices[3].context, "Ctx one: a man. he");
    EXPECT_EQ(a.choices[3].continuation, " e3");
    EXPECT_EQ(a.choices[3].text, "e3");
    EXPECT_EQ(ds.items[1].source_line, 7);
    EXPECT_EQ(ds.items[1].choices[0].continuation, " f0");
}

TEST(DatasetFormats, HellaswagBz2IsReadDirectly) {
    const std::string plain = "Some context\n1\nA\nB\nC\nD\n";
    std::string packed(1024, '\0');
    unsigned packed_len = unsigned(packed.size());
    ASSERT_EQ(BZ2_bzBuffToBuffCompress(packed.data(), &packed_len, const_cast<char*>(plain.data()), unsigned(plain.size()), 9, 0, 0), BZ_OK);
    packed.resize(packed_len);
    // Two concatenated streams, as pbzip2 writes them, must both be decoded.
    const auto path = write_file("hs2.txt.bz2", packed + packed);
    const TaskDataset ds = dataset_load("hellaswag-llamacpp", path);
    ASSERT_EQ(ds.items.size(), 2u);
    EXPECT_EQ(ds.items[1].gold, 1);
    EXPECT_EQ(ds.items[1].choices[2].continuation, " C");
    EXPECT_EQ(dataset_detect_format(path), "hellaswag-llamacpp");

    const auto corrupt = write_file("bad.txt.bz2", packed.substr(0, packed.size() / 2));
    EXPECT_CONTAINS(qs::test::load_error("hellaswag-llamacpp", corrupt), "bad.txt.bz2: bzip2");
}

TEST(DatasetFormats, HellaswagJsonlAppliesLmEvalPreprocess) {
    // ctx_b.capitalize() lower-cases the rest; " [title]" -> ". "; "[...]" removed; "  " -> " ".
    const auto path = write_file("hs.jsonl",
        R"({"ind": 24, "activity_label": "Roof shingle removal", "ctx_a": "A man is sitting on a roof.", "ctx_b": "he STARTS", "endings": [" is using [header] wrap.", "is ripping  tiles.", "x [title] y", "z"], "label": 3})" "\n"
        R"({"activity_label": "A", "ctx_a": "b", "ctx_b": "", "endings": ["e"], "label": "0"})" "\n");
    const TaskDataset ds = dataset_load("hellaswag-jsonl", path);
    ASSERT_EQ(ds.items.size(), 2u);
    const TaskItem& a = ds.items[0];
    EXPECT_EQ(a.id, "24");
    EXPECT_EQ(a.gold, 3);
    EXPECT_EQ(a.choices[0].context, "Roof shingle removal: A man is sitting on a roof. He starts");
    EXPECT_EQ(a.choices[0].continuation, " is using wrap.");  // strip, then "[header]" gone, "  " -> " "
    EXPECT_EQ(a.choices[1].text, "is ripping tiles.");
    EXPECT_EQ(a.choices[2].text, "x. y");  // " [title]" -> ". ", then "  " -> " "
    // An empty ctx_b leaves "b " which strip() trims: "A: b".
    EXPECT_EQ(ds.items[1].choices[0].context, "A: b");
    EXPECT_EQ(dataset_detect_format(path), "hellaswag-jsonl");
}

TEST(DatasetFormats, ArcDigitLabelsAndFiveChoices) {
    const auto path = write_file("arc.jsonl",
        R"({"id":"q1","question":{"stem":"Which?","choices":[{"text":"one","label":"1"},{"text":"two","label":"2"},{"text":"three","label":"3"}]},"answerKey":"3"})" "\n"
        R"({"id":"q2","question":{"stem":"Five","choices":[{"text":"a","label":"A"},{"text":"b","label":"B"},{"text":"c","label":"C"},{"text":"d","label":"D"},{"text":"e","label":"E"}]},"answerKey":"E"})" "\n");
    const TaskDataset ds = dataset_load("arc", path);
    ASSERT_EQ(ds.items.size(), 2u);
    EXPECT_EQ(ds.items[0].choices.size(), 3u);
    EXPECT_EQ(ds.items[0].gold, 2);
    EXPECT_EQ(ds.items[0].choices[1].context, "Question: Which?\nAnswer:");
    EXPECT_EQ(ds.items[0].choices[1].continuation, " two");
    EXPECT_EQ(ds.items[1].choices.size(), 5u);
    EXPECT_EQ(ds.items[1].gold, 4);
    EXPECT_EQ(ds.items[1].id, "q2");
    EXPECT_EQ(dataset_detect_format(path), "arc");
}

TEST(DatasetFormats, MmluCsvQuotingSubjectAndPrompt) {
    const std::string dir = qs::test::temp_dir() + "/mmlu_small";
    std::filesystem::create_directories(dir + "/test");
    std::filesystem::create_directories(dir + "/dev");
    // Quoted commas, an embedded newline, doubled quotes, and no final newline.
    write_file("mmlu_small/test/high_school_math_test.csv",
               "\"What is 1,2?\",\"a \"\"b\"\"\",\"line1\nline2\",c,d,C\n  Second?  ,w,x,y,z,A");
    write_file("mmlu_small/test/anatomy_test.csv", "Q?,1,2,3,4,D\n");
    write_file("mmlu_small/dev/high_school_math_dev.csv", "S1,a1,b1,c1,d1,B\nS2,a2,b2,c2,d2,D\nS3,a3,b3,c3,d3,A\n");
    write_file("mmlu_small/dev/anatomy_dev.csv", "T1,p,q,r,s,A\nT2,p,q,r,s,C\n");

    const TaskDataset ds = dataset_load("mmlu", dir + "/test");
    ASSERT_EQ(ds.items.size(), 3u);
    // Subjects in file-name order: anatomy first.
    EXPECT_EQ(ds.items[0].group, "anatomy");
    const std::string math = "The following are multiple choice questions (with answers) about high school math.\n\n";
    const TaskItem& q = ds.items[1];
    EXPECT_EQ(q.group, "high school math");
    EXPECT_EQ(q.gold, 2);
    EXPECT_EQ(q.source_line, 1);
    EXPECT_EQ(q.choices[0].context, math + "What is 1,2?\nA. a \"b\"\nB. line1\nline2\nC. c\nD. d\nAnswer:");
    EXPECT_EQ(q.choices[2].continuation, " C");
    EXPECT_EQ(q.choices[2].text, "C");
    // The record after a quoted newline starts on line 3; question.strip() trims the blanks.
    EXPECT_EQ(ds.items[2].source_line, 3);
    EXPECT_EQ(ds.items[2].choices[0].context, math + "Second?\nA. w\nB. x\nC. y\nD. z\nAnswer:");

    // k = 2: description, the first two dev rows with their answers, then the question.
    DatasetOptions two_shot;
    two_shot.num_fewshot = 2;
    const TaskDataset k2 = dataset_load("mmlu", dir + "/test", two_shot);  // dev found beside test
    EXPECT_EQ(k2.items[2].choices[1].context,
              math + "S1\nA. a1\nB. b1\nC. c1\nD. d1\nAnswer: B\n\n" + "S2\nA. a2\nB. b2\nC. c2\nD. d2\nAnswer: D\n\n" +
                  "Second?\nA. w\nB. x\nC. y\nD. z\nAnswer:");
    DatasetOptions three_shot;
    three_shot.num_fewshot = 3;
    three_shot.fewshot_path = dir + "/dev";
    EXPECT_CONTAINS(qs::test::load_error("mmlu", dir + "/test", three_shot), "anatomy_dev.csv: 3-shot prompting needs 3 examples, the file has 2");
    EXPECT_EQ(dataset_detect_format(dir + "/test"), "mmlu");
}

TEST(DatasetFormats, WinograndePartialScoring) {
    const auto path = write_file("wg.jsonl",
        R"({"qID": "a-1", "sentence": "Sarah was better than Maria so _ got  the easier cases. ", "option1": "Sarah", "option2": "Maria", "answer": "2"})" "\n");
    const TaskDataset ds = dataset_load("winogrande", path);
    ASSERT_EQ(ds.items.size(), 1u);
    const TaskItem& it = ds.items[0];
    EXPECT_EQ(it.gold, 1);
    EXPECT_EQ(it.id, "a-1");
    EXPECT_EQ(it.choices[0].context, "Sarah was better than Maria so Sarah");
    EXPECT_EQ(it.choices[1].context, "Sarah was better than Maria so Maria");
    EXPECT_EQ(it.choices[0].continuation, " got  the easier cases.");
    EXPECT_EQ(it.choices[1].continuation, it.choices[0].continuation);
    EXPECT_EQ(dataset_detect_format(path), "winogrande");

    // Labels from the -labels.lst file when there is no answer field.
    const auto unlabeled = write_file("wgu.jsonl", R"({"sentence": "A _ b", "option1": "x", "option2": "y", "answer": ""})" "\n");
    write_file("wgu-labels.lst", "1\n");
    EXPECT_EQ(dataset_load("winogrande", unlabeled).items[0].gold, 0);
}

TEST(DatasetFormats, PiqaWithLabelsFile) {
    const auto path = write_file("pq.jsonl", R"({"goal": "Open a jar", "sol1": "twist", "sol2": "smash"})" "\n\n"
                                             R"({"goal": "g2", "sol1": "s1", "sol2": "s2"})" "\n");
    write_file("pq-labels.lst", "0\n1\n");
    const TaskDataset ds = dataset_load("piqa", path);
    ASSERT_EQ(ds.items.size(), 2u);
    EXPECT_EQ(ds.items[0].choices[1].context, "Question: Open a jar\nAnswer:");
    EXPECT_EQ(ds.items[0].choices[1].continuation, " smash");
    EXPECT_EQ(ds.items[0].gold, 0);
    EXPECT_EQ(ds.items[1].gold, 1);
    EXPECT_EQ(ds.items[1].source_line, 3);  // the blank line is skipped, not mis-paired
    EXPECT_EQ(dataset_detect_format(path), "piqa");
}

TEST(DatasetFormats, Sst2Tsv) {
    const auto path = write_file("sst.tsv", "sentence\tlabel\nit 's fine . \t1\nbad \t0\n");
    const TaskDataset ds = dataset_load("sst2", path);
    ASSERT_EQ(ds.items.size(), 2u);
    EXPECT_EQ(ds.items[0].choices[0].context, "it 's fine . \nQuestion: Is this sentence positive or negative?\nAnswer:");
    EXPECT_EQ(ds.items[0].choices[0].continuation, " negative");
    EXPECT_EQ(ds.items[0].choices[1].continuation, " positive");
    EXPECT_EQ(ds.items[0].gold, 1);
    EXPECT_EQ(ds.items[1].gold, 0);
    EXPECT_EQ(dataset_detect_format(path), "sst2");
}

TEST(DatasetFormats, LambadaLastWord) {
    const auto path = write_file("lambada_small.txt", "he said  hello to his friend\nshe waved back\n");
    const TaskDataset ds = dataset_load("lambada", path);
    ASSERT_EQ(ds.items.size(), 2u);
    EXPECT_EQ(ds.kind, TaskKind::Completion);
    ASSERT_EQ(ds.items[0].choices.size(), 1u);
    EXPECT_EQ(ds.items[0].choices[0].context, "he said  hello to his");  // split(' ') keeps the double space
    EXPECT_EQ(ds.items[0].choices[0].continuation, " friend");
    EXPECT_EQ(ds.items[0].choices[0].text, "friend");
    EXPECT_EQ(dataset_detect_format(path), "lambada");
}

TEST(DatasetFormats, GenericJsonlWithDelimiterAndFewshot) {
    const auto path = write_file("gen.jsonl",
        R"({"context": "2+2=", "choices": ["3", "4"], "gold": 1, "id": "sum"})" "\n"
        R"({"context": "Capital of France?", "choices": ["Paris", "Rome"], "gold": 0, "delimiter": "\n"})" "\n");
    const TaskDataset ds = dataset_load("jsonl", path);
    ASSERT_EQ(ds.items.size(), 2u);
    EXPECT_EQ(ds.items[0].id, "sum");
    EXPECT_EQ(ds.items[0].choices[1].continuation, " 4");
    EXPECT_EQ(ds.items[1].choices[0].continuation, "\nParis");
    EXPECT_EQ(ds.items[1].id, "gen.jsonl:2");
    EXPECT_EQ(dataset_detect_format(path), "jsonl");

    const auto shots = write_file("gen_shots.jsonl", R"({"context": "1+1=", "choices": ["2", "5"], "gold": 0})" "\n"
                                                     R"({"context": "3+3=", "choices": ["7", "6"], "gold": 1})" "\n");
    DatasetOptions opt;
    opt.num_fewshot = 2;
    opt.fewshot_path = shots;
    const TaskDataset k2 = dataset_load("jsonl", path, opt);
    EXPECT_EQ(k2.items[0].choices[0].context, "1+1= 2\n\n3+3= 6\n\n2+2=");
    opt.fewshot_path.clear();
    EXPECT_CONTAINS(qs::test::load_error("jsonl", path, opt), "needs a few-shot source file");
}

TEST(DatasetFormats, FormatListAndAuto) {
    const auto& formats = dataset_formats();
    EXPECT_EQ(formats.size(), 18u);  // 14 log-likelihood formats, 4 generation ones
    const auto path = write_file("auto.jsonl", R"({"context": "c", "choices": ["a"], "gold": 0})" "\n");
    EXPECT_EQ(dataset_load("auto", path).format, "jsonl");
    EXPECT_CONTAINS(qs::test::load_error("nope", path), "unknown dataset format 'nope'");
}

TEST(DatasetFormats, ChoiceCharLengthCountsCodePoints) {
    // acc_norm divides by Python's len(): "café" is 4 characters but 5 UTF-8 bytes.
    EXPECT_EQ(choice_char_length(TaskChoice{"ctx", " caf\xC3\xA9", "caf\xC3\xA9"}), 4u);
    EXPECT_EQ(choice_char_length(TaskChoice{"ctx", " \xF0\x9F\x98\x80!", "\xF0\x9F\x98\x80!"}), 2u);
    EXPECT_EQ(choice_char_length(TaskChoice{"ctx", " A", "A"}), 1u);
}
