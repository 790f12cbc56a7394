// Malformed input for every format: FILE:LINE errors under Stop; counted, warned skips under Skip;
// file-level problems (empty, not UTF-8, missing labels, unknown format) named clearly.
#include <filesystem>

#include "test_support.h"

using namespace qs;
using qs::test::load_error;
using qs::test::write_file;

namespace {

DatasetOptions skip_bad() {
    DatasetOptions o;
    o.on_bad_line = BadLinePolicy::Skip;
    return o;
}

// Under Stop the error names file:line and contains `what`; under Skip the good items load, one
// item is skipped and the warning carries the same file:line.
void expect_bad_line(const std::string& format, const std::string& path, int64_t line, const std::string& what,
                     size_t good_items) {
    const std::string where = path + ":" + std::to_string(line) + ": ";
    const std::string err = load_error(format, path);
    EXPECT_CONTAINS(err, where);
    EXPECT_CONTAINS(err, what);
    const TaskDataset ds = dataset_load(format, path, skip_bad());
    EXPECT_EQ(ds.items.size(), good_items) << format;
    EXPECT_EQ(ds.skipped, 1) << format;
    ASSERT_EQ(ds.warnings.size(), 1u) << format;
    EXPECT_CONTAINS(ds.warnings[0], where);
    EXPECT_CONTAINS(ds.warnings[0], what);
}

const char* kArcGood = R"({"question":{"stem":"S","choices":[{"text":"a","label":"A"},{"text":"b","label":"B"}]},"answerKey":"A"})";

}  // namespace

TEST(DatasetErrors, ArcBadLines) {
    expect_bad_line("arc", write_file("arc_e1.jsonl", std::string(kArcGood) + "\n" + R"({"question":{"stem":"S","choices":[]}})" "\n"),
                    2, "field 'question.choices' is not a non-empty array", 1);
    expect_bad_line("arc", write_file("arc_e2.jsonl", std::string(kArcGood) + "\n" +
                    R"({"question":{"stem":"S","choices":[{"text":"a","label":"A"}]}})" "\n" + kArcGood + "\n"),
                    2, "missing field 'answerKey'", 2);
    expect_bad_line("arc", write_file("arc_e3.jsonl", std::string(kArcGood) + "\n{not json\n"), 2, "not valid JSON", 1);
    expect_bad_line("arc", write_file("arc_e4.jsonl", std::string(kArcGood) + "\n" +
                    R"({"question":{"stem":"S","choices":[{"text":"a","label":"A"}]},"answerKey":"E"})" "\n"),
                    2, "answerKey 'E' is not one of the choice labels A", 1);
}

TEST(DatasetErrors, GenericJsonlGoldOutOfRange) {
    expect_bad_line("jsonl", write_file("gen_e1.jsonl", R"({"context":"c","choices":["a","b","c","d"],"gold":5})" "\n"
                                                        R"({"context":"c","choices":["a"],"gold":0})" "\n"),
                    1, "gold index 5 out of range for 4 choices", 1);
    expect_bad_line("jsonl", write_file("gen_e2.jsonl", R"({"context":"c","choices":["a"],"gold":0})" "\n[1,2]\n"), 2,
                    "expected a JSON object", 1);
    expect_bad_line("jsonl", write_file("gen_e3.jsonl", R"({"context":"c","choices":["a"],"gold":"x"})" "\n"
                                                        R"({"context":"c","choices":["a"],"gold":0})" "\n"),
                    1, "field 'gold' is not an integer", 1);
}

TEST(DatasetErrors, HellaswagBadGoldAndTruncatedTask) {
    expect_bad_line("hellaswag-llamacpp", write_file("hs_e1.txt", "c\n7\na\nb\nc\nd\nc2\n0\na\nb\nc\nd\n"), 2,
                    "gold index 7 out of range for 4 endings", 1);
    expect_bad_line("hellaswag-llamacpp", write_file("hs_e2.txt", "c\nx\na\nb\nc\nd\nc2\n0\na\nb\nc\nd\n"), 2,
                    "gold index 'x' is not an integer", 1);
    expect_bad_line("hellaswag-llamacpp", write_file("hs_e3.txt", "c\n1\na\nb\nc\nd\nc2\n0\na\n"), 7,
                    "incomplete task: 3 of 6 lines", 1);
    expect_bad_line("hellaswag-jsonl", write_file("hs_e4.jsonl",
                    R"({"activity_label":"a","ctx_a":"b","ctx_b":"c","endings":["x","y"],"label":2})" "\n"
                    R"({"activity_label":"a","ctx_a":"b","ctx_b":"c","endings":["x","y"],"label":1})" "\n"),
                    1, "gold index 2 out of range for 2 choices", 1);
}

TEST(DatasetErrors, MmluColumnsAnswerAndQuotes) {
    const std::string dir = qs::test::temp_dir() + "/mmlu_bad";
    std::filesystem::create_directories(dir);
    expect_bad_line("mmlu", write_file("mmlu_bad/a_test.csv", "q,1,2,3,4,A\nq,1,2,3,B\nq,1,2,3,4,C\n"), 2,
                    "wrong column count: expected 6", 2);
    expect_bad_line("mmlu", write_file("mmlu_bad/b_test.csv", "q,1,2,3,4,E\nq,1,2,3,4,C"), 1,
                    "answer 'E' is not one of A, B, C, D", 1);
    expect_bad_line("mmlu", write_file("mmlu_bad/c_test.csv", "q,1,2,3,4,A\n\"q,1,2,3,4,C\n"), 2,
                    "unterminated quoted field", 1);
}

TEST(DatasetErrors, WinograndeAndPiqa) {
    expect_bad_line("winogrande", write_file("wg_e1.jsonl",
                    R"({"sentence":"no blank","option1":"a","option2":"b","answer":"1"})" "\n"
                    R"({"sentence":"a _ b","option1":"a","option2":"b","answer":"1"})" "\n"),
                    1, "sentence has no '_'", 1);
    expect_bad_line("winogrande", write_file("wg_e2.jsonl",
                    R"({"sentence":"a _ b","option1":"a","option2":"b","answer":"3"})" "\n"
                    R"({"sentence":"a _ b","option1":"a","option2":"b","answer":"1"})" "\n"),
                    1, "answer '3' is not 1 or 2", 1);
    // No answer field and no labels file: the error names the labels file it looked for.
    const auto nolabels = write_file("wg_e3.jsonl", R"({"sentence":"a _ b","option1":"a","option2":"b"})" "\n");
    EXPECT_CONTAINS(load_error("winogrande", nolabels), "wg_e3-labels.lst");

    const auto piqa = write_file("pq_e1.jsonl", R"({"goal":"g","sol1":"a","sol2":"b"})" "\n");
    const std::string missing = load_error("piqa", piqa);
    EXPECT_CONTAINS(missing, "pq_e1-labels.lst not found");
    write_file("pq_e2-labels.lst", "0\n2\n");
    const auto piqa2 = write_file("pq_e2.jsonl", R"({"goal":"g","sol1":"a","sol2":"b"})" "\n" R"({"goal":"g","sol1":"a","sol2":"b"})" "\n");
    EXPECT_CONTAINS(load_error("piqa", piqa2), "pq_e2-labels.lst:2: label '2' is not 0 or 1");
    write_file("pq_e3-labels.lst", "0\n1\n1\n");
    const auto piqa3 = write_file("pq_e3.jsonl", R"({"goal":"g","sol1":"a","sol2":"b"})" "\n");
    EXPECT_CONTAINS(load_error("piqa", piqa3), "1 records but");
}

TEST(DatasetErrors, Sst2AndLambada) {
    expect_bad_line("sst2", write_file("sst_e1.tsv", "sentence\tlabel\ngood\t1\nno label here\nbad\t0\n"), 3,
                    "wrong column count: expected 2 tab-separated columns, found 1", 2);
    expect_bad_line("sst2", write_file("sst_e2.tsv", "sentence\tlabel\ngood\t7\nbad\t0\n"), 2, "label '7' is not 0 or 1", 1);
    EXPECT_CONTAINS(load_error("sst2", write_file("sst_e3.tsv", "text\tx\ngood\t1\n")), "sst_e3.tsv:1: header must name");
    expect_bad_line("lambada", write_file("lam_e1.txt", "one two\nsingle\nthree four\n"), 2, "passage has a single word", 2);
    expect_bad_line("lambada", write_file("lam_e2.txt", "one two \nthree four\n"), 1, "ends with a space", 1);
}

TEST(DatasetErrors, FileLevelProblemsNameTheFile) {
    const auto empty = write_file("empty.jsonl", "");
    EXPECT_CONTAINS(load_error("jsonl", empty), "empty.jsonl: file is empty");
    const auto blank = write_file("blank.jsonl", "\n\n  \n");
    EXPECT_CONTAINS(load_error("jsonl", blank), "blank.jsonl: file has only blank lines");
    const auto latin1 = write_file("latin1.txt", "caf\xE9 au lait\n");
    EXPECT_CONTAINS(load_error("lambada", latin1), "latin1.txt: not valid UTF-8");
    EXPECT_CONTAINS(load_error("arc", qs::test::temp_dir() + "/missing.jsonl"), "missing.jsonl: dataset not found");
    // All lines bad under Skip: still an error, quoting the first problem.
    const auto allbad = write_file("allbad.jsonl", "{\n{\n");
    const std::string err = load_error("jsonl", allbad, skip_bad());
    EXPECT_CONTAINS(err, "no valid item: all 2 were malformed");
    EXPECT_CONTAINS(err, "allbad.jsonl:1: not valid JSON");
    // Unknown content cannot be detected.
    const auto odd = write_file("odd.dat", "hello\n");
    try {
        dataset_detect_format(odd);
        ADD_FAILURE() << "detection should fail";
    } catch (const Error& e) {
        EXPECT_CONTAINS(e.what(), "odd.dat: cannot tell the dataset format");
    }
    const auto weird = write_file("weird.jsonl", R"({"foo": 1})" "\n");
    EXPECT_CONTAINS(load_error("auto", weird), "weird.jsonl:1: cannot tell the dataset format");
}
