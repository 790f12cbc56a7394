// OpenBookQA, CommonsenseQA, COPA, BoolQ and RTE on small hand-written files: lm-eval's prompts
// written out here by hand from the harness's task definitions (openbookqa.yaml,
// commonsense_qa/default.yaml, super_glue/{copa,boolq,rte}), every label spelling the
// distributions use, and detection that refuses (naming the candidates) where fields fit two
// formats. Needs nothing from ../shared.
#include "test_support.h"

using namespace qs;
using qs::test::load_error;
using qs::test::write_file;

namespace {

std::string detect_error(const std::string& path) {
    try {
        dataset_detect(path);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(DatasetQaFormats, OpenbookqaPromptIsTheBareStem) {
    // AI2's file, and the Hugging Face layout (question_stem, choices as two lists).
    const auto path = write_file("obqa-dev.jsonl",
        R"({"id": "7-980", "question": {"stem": "The sun is responsible for", "choices": [{"text": "puppies learning new tricks", "label": "A"}, {"text": "children growing up and getting old", "label": "B"}, {"text": "flowers wilting in a vase", "label": "C"}, {"text": "plants sprouting, blooming and wilting", "label": "D"}]}, "answerKey": "D"})" "\n"
        R"({"id": "8-376", "question_stem": "A bird eats", "choices": {"text": ["seeds", "rocks"], "label": ["A", "B"]}, "answerKey": " A"})" "\n");
    const TaskDataset ds = dataset_load("openbookqa", path);
    ASSERT_EQ(ds.items.size(), 2u);
    const TaskItem& a = ds.items[0];
    EXPECT_EQ(a.id, "7-980");
    EXPECT_EQ(a.gold, 3);
    ASSERT_EQ(a.choices.size(), 4u);
    EXPECT_EQ(a.choices[0].context, "The sun is responsible for");  // not "Question: ...\nAnswer:" as ARC
    EXPECT_EQ(a.choices[3].continuation, " plants sprouting, blooming and wilting");
    EXPECT_EQ(a.choices[3].text, "plants sprouting, blooming and wilting");
    EXPECT_EQ(ds.items[1].gold, 0);  // answerKey.lstrip()
    EXPECT_EQ(ds.items[1].choices[1].context, "A bird eats");
    EXPECT_EQ(ds.items[1].choices[1].continuation, " rocks");
    EXPECT_EQ(dataset_detect_format(path), "openbookqa");
    EXPECT_EQ(dataset_load("auto", path).format_source, "detected: question.stem with ids like '7-980'");
    EXPECT_EQ(ds.format_source, "given");
}

TEST(DatasetQaFormats, CommonsenseQaListsTheChoicesAndScoresLetters) {
    const auto path = write_file("csqa.jsonl",
        R"({"answerKey": "A", "id": "1afa", "question": {"question_concept": "revolving door", "choices": [{"label": "A", "text": "bank"}, {"label": "B", "text": "library"}, {"label": "C", "text": "department store"}, {"label": "D", "text": "mall"}, {"label": "E", "text": "new york"}], "stem": "  A revolving door is a security measure at a what? "}})" "\n"
        R"({"id": "a7ab", "question": "What do people aim to do at work?", "question_concept": "people", "choices": {"label": ["A", "B", "C", "D", "E"], "text": ["complete job", "learn", "kill animals", "wear hats", "talk"]}, "answerKey": "E"})" "\n");
    const TaskDataset ds = dataset_load("commonsense_qa", path);
    ASSERT_EQ(ds.items.size(), 2u);
    const TaskItem& a = ds.items[0];
    EXPECT_EQ(a.gold, 0);
    ASSERT_EQ(a.choices.size(), 5u);
    EXPECT_EQ(a.choices[2].context,  // question.strip()
              "Question: A revolving door is a security measure at a what?\nA. bank\nB. library\nC. department store\nD. mall\nE. new york\nAnswer:");
    EXPECT_EQ(a.choices[0].continuation, " A");
    EXPECT_EQ(a.choices[4].continuation, " E");
    EXPECT_EQ(a.choices[4].text, "E");
    EXPECT_EQ(ds.items[1].gold, 4);
    EXPECT_EQ(ds.items[1].id, "a7ab");
    EXPECT_EQ(ds.items[1].choices[0].context,
              "Question: What do people aim to do at work?\nA. complete job\nB. learn\nC. kill animals\nD. wear hats\nE. talk\nAnswer:");
    // question.stem is there too, but question_concept tells CommonsenseQA from ARC and OpenBookQA.
    EXPECT_EQ(dataset_detect_format(path), "commonsense_qa");

    const auto four = write_file("csqa4.jsonl",
        R"({"answerKey": "A", "question": {"question_concept": "x", "choices": [{"label": "A", "text": "a"}, {"label": "B", "text": "b"}, {"label": "C", "text": "c"}, {"label": "D", "text": "d"}], "stem": "q"}})" "\n");
    EXPECT_CONTAINS(load_error("commonsense_qa", four), "csqa4.jsonl:1: 4 choices; CommonsenseQA has 5");
    const auto test_split = write_file("csqa-test.jsonl",
        R"({"answerKey": "", "question": {"question_concept": "x", "choices": [{"label": "A", "text": "a"}, {"label": "B", "text": "b"}, {"label": "C", "text": "c"}, {"label": "D", "text": "d"}, {"label": "E", "text": "e"}], "stem": "q"}})" "\n");
    EXPECT_CONTAINS(load_error("commonsense_qa", test_split), "answerKey '' is not one of A, B, C, D, E (the test split ships without answers)");
}

TEST(DatasetQaFormats, CopaConnectsPremiseAndLowerCasedChoice) {
    const auto path = write_file("copa-val.jsonl",
        R"({"premise": "The man turned on the faucet.", "choice1": "The toilet filled with water.", "choice2": "Water flowed from the spout.", "question": "effect", "idx": 0, "label": 1})" "\n"
        R"({"premise": " My body cast a shadow over the grass. ", "choice1": "The sun was rising.", "choice2": "The grass was cut.", "question": "cause", "idx": 1, "label": "0"})" "\n");
    const TaskDataset ds = dataset_load("copa", path);
    ASSERT_EQ(ds.items.size(), 2u);
    const TaskItem& a = ds.items[0];
    EXPECT_EQ(a.id, "0");
    EXPECT_EQ(a.gold, 1);
    EXPECT_EQ(a.choices[0].context, "The man turned on the faucet therefore");
    EXPECT_EQ(a.choices[0].continuation, " the toilet filled with water.");
    EXPECT_EQ(a.choices[1].continuation, " water flowed from the spout.");
    EXPECT_EQ(a.choices[1].text, "water flowed from the spout.");
    const TaskItem& b = ds.items[1];
    EXPECT_EQ(b.gold, 0);  // "0" as a string
    EXPECT_EQ(b.choices[0].context, "My body cast a shadow over the grass because");  // strip() before [:-1]
    EXPECT_EQ(dataset_detect_format(path), "copa");

    const auto bad = write_file("copa-bad.jsonl",
        R"({"premise": "p.", "choice1": "A.", "choice2": "B.", "question": "why", "label": 0})" "\n"
        R"({"premise": "p.", "choice1": "A.", "choice2": "B.", "question": "cause", "label": 2})" "\n"
        R"({"premise": "p.", "choice1": "A.", "choice2": "B.", "question": "cause", "label": -1})" "\n");
    DatasetOptions skip;
    skip.on_bad_line = BadLinePolicy::Skip;
    EXPECT_CONTAINS(load_error("copa", bad, skip), "copa-bad.jsonl:1: question 'why' is neither 'cause' nor 'effect'");
    const auto labels = write_file("copa-labels.jsonl",
        R"({"premise": "p.", "choice1": "A.", "choice2": "B.", "question": "cause", "label": 2})" "\n"
        R"({"premise": "p.", "choice1": "A.", "choice2": "B.", "question": "cause", "label": -1})" "\n"
        R"({"premise": "p.", "choice1": "A.", "choice2": "B.", "question": "cause", "label": true})" "\n"
        R"({"premise": "p.", "choice1": "A.", "choice2": "B.", "question": "cause"})" "\n"
        R"({"premise": "p.", "choice1": "A.", "choice2": "B.", "question": "cause", "label": 1})" "\n");
    const TaskDataset kept = dataset_load("copa", labels, skip);
    ASSERT_EQ(kept.items.size(), 1u);
    ASSERT_EQ(kept.warnings.size(), 4u);
    EXPECT_CONTAINS(kept.warnings[0], ":1: label 2 is not one of 0, 1");
    EXPECT_CONTAINS(kept.warnings[1], ":2: label is -1: this split has no labels");
    EXPECT_CONTAINS(kept.warnings[2], ":3: label true is not one of 0, 1");  // a boolean means nothing for COPA
    EXPECT_CONTAINS(kept.warnings[3], ":4: missing field 'label' (a test split ships without labels)");
}

TEST(DatasetQaFormats, BoolqAcceptsEveryLabelSpelling) {
    const std::string passage = "Persian language -- Persian is spoken in Iran and Afghanistan.";
    const auto path = write_file("boolq-val.jsonl",
        R"({"question": "do iran and afghanistan speak the same language", "passage": ")" + passage + R"(", "idx": 0, "label": true})" "\n"
        R"({"question": "q2", "passage": "p2", "idx": 1, "label": false})" "\n"
        R"({"question": "q3", "passage": "p3", "idx": 2, "label": "true"})" "\n"
        R"({"question": "q4", "passage": "p4", "idx": 3, "label": "False"})" "\n"
        R"({"question": "q5", "passage": "p5", "idx": 4, "label": 1})" "\n"
        R"({"question": "q6", "passage": "p6", "idx": 5, "label": 0})" "\n"
        R"({"question": "q7", "title": "t", "answer": true, "passage": "p7"})" "\n");
    const TaskDataset ds = dataset_load("boolq", path);
    ASSERT_EQ(ds.items.size(), 7u);
    const TaskItem& a = ds.items[0];
    EXPECT_EQ(a.choices[0].context, passage + "\nQuestion: do iran and afghanistan speak the same language?\nAnswer:");
    EXPECT_EQ(a.choices[0].continuation, " no");
    EXPECT_EQ(a.choices[1].continuation, " yes");
    const int expected[] = {1, 0, 1, 0, 1, 0, 1};
    for (size_t i = 0; i < 7; ++i) EXPECT_EQ(ds.items[i].gold, expected[i]) << "item " << i;
    EXPECT_EQ(ds.items[6].id, "boolq-val.jsonl:7");  // Google's original file has no idx
    EXPECT_EQ(dataset_detect_format(path), "boolq");
    const auto bad = write_file("boolq-bad.jsonl", R"({"question": "q", "passage": "p", "label": "maybe"})" "\n");
    EXPECT_CONTAINS(load_error("boolq", bad), R"(boolq-bad.jsonl:1: label "maybe" is not one of 0, 1, true, false, "false", "true")");
}

TEST(DatasetQaFormats, RteAsksTrueOrFalse) {
    const auto path = write_file("rte-val.jsonl",
        R"({"premise": "Dana Reeve died of lung cancer.", "hypothesis": "Christopher Reeve had an accident.", "label": "not_entailment", "idx": 0})" "\n"
        R"({"premise": "p", "hypothesis": "h.", "label": "entailment", "idx": 1})" "\n"
        R"({"premise": "p", "hypothesis": "h.", "label": 0, "idx": 2})" "\n"
        R"({"premise": "p", "hypothesis": "h.", "label": "1", "idx": 3})" "\n");
    const TaskDataset ds = dataset_load("rte", path);
    ASSERT_EQ(ds.items.size(), 4u);
    EXPECT_EQ(ds.items[0].choices[0].context,
              "Dana Reeve died of lung cancer.\nQuestion: Christopher Reeve had an accident. True or False?\nAnswer:");
    EXPECT_EQ(ds.items[0].choices[0].continuation, " True");
    EXPECT_EQ(ds.items[0].choices[1].continuation, " False");
    const int expected[] = {1, 0, 0, 1};  // entailment = " True" = choice 0
    for (size_t i = 0; i < 4; ++i) EXPECT_EQ(ds.items[i].gold, expected[i]) << "item " << i;
    EXPECT_EQ(dataset_detect_format(path), "rte");

    // CommitmentBank has the same fields and a third label: not RTE, and said so.
    const auto cb = write_file("cb-val.jsonl",
        R"({"premise": "p", "hypothesis": "h", "label": "entailment", "idx": 0})" "\n"
        R"({"premise": "p", "hypothesis": "h", "label": "contradiction", "idx": 1})" "\n");
    EXPECT_CONTAINS(detect_error(cb), "cb-val.jsonl:2: premise + hypothesis with a third label");
}

TEST(DatasetQaFormats, ArcAndOpenbookqaAreToldApartOrRefused) {
    const std::string record_no_id =
        R"({"question": {"stem": "Which?", "choices": [{"text": "a", "label": "A"}, {"text": "b", "label": "B"}]}, "answerKey": "A"})" "\n";
    // Nothing tells them apart: refused, naming both.
    const auto neutral = write_file("questions.jsonl", record_no_id);
    const std::string err = detect_error(neutral);
    EXPECT_CONTAINS(err, "questions.jsonl: its records fit both 'arc' and 'openbookqa'");
    EXPECT_CONTAINS(load_error("auto", neutral), "fit both 'arc' and 'openbookqa'");
    // The file name decides when the ids say nothing; ids decide otherwise.
    EXPECT_EQ(dataset_detect_format(write_file("OpenBookQA-dev.jsonl", record_no_id)), "openbookqa");
    EXPECT_EQ(dataset_detect_format(write_file("ARC-Challenge-Dev.jsonl", record_no_id)), "arc");
    EXPECT_CONTAINS(detect_error(write_file("research.jsonl", record_no_id)), "fit both");  // "arc" is no word here

    const std::string obqa_id = R"({"id": "9-743", )" + record_no_id.substr(1);
    const std::string arc_id = R"({"id": "Mercury_7175875", )" + record_no_id.substr(1);
    EXPECT_EQ(dataset_detect_format(write_file("q1.jsonl", obqa_id)), "openbookqa");
    EXPECT_EQ(dataset_detect_format(write_file("q4.jsonl", R"({"id": "1129", )" + record_no_id.substr(1))), "openbookqa");
    EXPECT_CONTAINS(detect_error(write_file("q5.jsonl", R"({"id": "12-", )" + record_no_id.substr(1))), "fit both");
    EXPECT_EQ(dataset_detect_format(write_file("q2.jsonl", arc_id)), "arc");
    const auto additional = write_file("q3.jsonl", R"({"fact1": "the sun is a star", )" + record_no_id.substr(1));
    EXPECT_EQ(dataset_detect_format(additional), "openbookqa");  // OpenBookQA's "Additional" files
    // Ids and name disagree: refused, naming both and why.
    const std::string conflict = detect_error(write_file("ARC-Easy-Dev.jsonl", obqa_id));
    EXPECT_CONTAINS(conflict, "its records fit both 'arc' and 'openbookqa'");
    EXPECT_CONTAINS(conflict, "its ids like '9-743' say 'openbookqa' but its name says 'arc'");
    // An explicit format always wins.
    EXPECT_EQ(dataset_load("openbookqa", neutral).items[0].choices[0].context, "Which?");
    EXPECT_EQ(dataset_load("arc", neutral).items[0].choices[0].context, "Question: Which?\nAnswer:");
}

TEST(DatasetQaFormats, FieldsOfTwoFormatsAreRefusedNamingBoth) {
    const auto both = write_file("both.jsonl",
        R"({"goal": "g", "sol1": "a", "sol2": "b", "premise": "p.", "choice1": "A.", "choice2": "B.", "question": "cause", "label": 0})" "\n");
    const std::string err = detect_error(both);
    EXPECT_CONTAINS(err, "both.jsonl:1: this record's fields fit more than one format: 'piqa' (goal + sol1), 'copa' (premise + choice1 + choice2)");
    EXPECT_EQ(dataset_load("copa", both).items.size(), 1u);  // named, it loads
}
