// Absurd but possible inputs: a dataset line megabytes long, JSON nested a hundred thousand
// levels deep. Handled as data or refused with FILE:LINE, never a crash (this suite also runs
// under AddressSanitizer, which would report a stack overflow).
#include <string>

#include "test_support.h"

using namespace qs;
using qs::test::write_file;

namespace {

std::string arc_line(const std::string& id, const std::string& stem) {
    return R"({"id":")" + id + R"(","question":{"stem":")" + stem +
           R"(","choices":[{"text":"yes","label":"A"},{"text":"no","label":"B"}]},"answerKey":"A"})" "\n";
}

}  // namespace

TEST(DatasetLimits, AMegabytesLongLineIsJustData) {
    const std::string stem(4 << 20, 'w');  // 4 MiB on one line
    const auto path = write_file("long_line.jsonl", arc_line("long", stem) + arc_line("short", "Why?"));
    const TaskDataset ds = dataset_load("arc", path);
    ASSERT_EQ(ds.items.size(), 2u);
    EXPECT_EQ(ds.items[0].choices[0].context, "Question: " + stem + "\nAnswer:");
    EXPECT_EQ(ds.items[1].id, "short");
}

TEST(DatasetLimits, DeeplyNestedJsonIsRefusedWithItsLine) {
    constexpr int kDepth = 100000;
    std::string deep_object;
    for (int i = 0; i < kDepth; ++i) deep_object += "{\"a\":";
    deep_object += "1";
    deep_object += std::string(kDepth, '}');
    // As a whole line, and as the value of the field the loader reads.
    const std::string deep_array = std::string(kDepth, '[') + std::string(kDepth, ']');
    const auto path = write_file("deep.jsonl", arc_line("ok", "Fine?") + deep_array + "\n" +
                                                   R"({"id":"x","question":{"stem":)" + deep_object +
                                                   R"(,"choices":[]},"answerKey":"A"})" "\n");
    EXPECT_CONTAINS(qs::test::load_error("arc", path), "deep.jsonl:2:");
    DatasetOptions skip;
    skip.on_bad_line = BadLinePolicy::Skip;
    const TaskDataset ds = dataset_load("arc", path, skip);
    ASSERT_EQ(ds.items.size(), 1u);
    EXPECT_EQ(ds.skipped, 2);
    ASSERT_EQ(ds.warnings.size(), 2u);
    EXPECT_CONTAINS(ds.warnings[1], "deep.jsonl:3:");
}
