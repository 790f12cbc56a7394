// quantscope-cli bench as a user runs it: the JSON keys scripts read and llama-bench's test names.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_run.h"

namespace qs::test {
namespace {

// -d (llama-bench's n_depth): the context holds the depth and both tests, the JSON says the depth,
// and the table names the tests as llama-bench does ("pp8 @ d16", "tg4 @ d16").
TEST(CliBench, DepthInJsonAndTestNames) {
    QS_REQUIRE_SHARED(model, "models/stories260K.gguf");
    const CliOutput j = run_cli("bench -m '" + model + "' -p 8 -n 4 -d 16 -r 1 -t 1 --json --quiet", "bench_depth_json");
    ASSERT_EQ(j.exit_code, 0) << j.err;
    const auto doc = nlohmann::json::parse(j.out);
    EXPECT_EQ(doc.at("n_depth"), 16);
    EXPECT_EQ(doc.at("n_prompt"), 8);
    const auto& run = doc.at("results").at(0);
    EXPECT_EQ(run.at("n_ctx"), 8 + 4 + 16);
    EXPECT_EQ(run.at("tg").at("n_tokens"), 4);

    const CliOutput t = run_cli("bench -m '" + model + "' -p 8 -n 4 -d 16 -r 1 -t 1 --quiet", "bench_depth_table");
    ASSERT_EQ(t.exit_code, 0) << t.err;
    EXPECT_NE(t.out.find(" pp8 @ d16 |"), std::string::npos) << t.out;
    EXPECT_NE(t.out.find(" tg4 @ d16 |"), std::string::npos) << t.out;

    const CliOutput none = run_cli("bench -m '" + model + "' -p 8 -n 0 -r 1 -t 1 --quiet", "bench_no_depth_table");
    ASSERT_EQ(none.exit_code, 0) << none.err;
    EXPECT_NE(none.out.find(" pp8 |"), std::string::npos) << none.out;
    EXPECT_EQ(none.out.find(" @ d"), std::string::npos) << none.out;
}

}  // namespace
}  // namespace qs::test
