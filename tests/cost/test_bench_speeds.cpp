// Reading per-precision throughput from `bench --json` output for the cost model.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "cost/bench_speeds.h"

namespace qs {
namespace {

std::string error_of(const std::string& text) {
    try {
        bench_speeds_parse(text, "bench.json");
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(BenchSpeeds, ReadsEveryPrecision) {
    const auto s = bench_speeds_parse(R"({"results": [
        {"precision": "F32", "pp": {"avg_ts": 1000.5}, "tg": {"avg_ts": 20.25}},
        {"precision": "Q4_0", "pp": null, "tg": {"avg_ts": 40}}]})",
                                      "bench.json");
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].precision, "F32");
    EXPECT_DOUBLE_EQ(s[0].pp_tps, 1000.5);
    EXPECT_DOUBLE_EQ(s[0].tg_tps, 20.25);
    EXPECT_EQ(s[1].pp_tps, 0);  // prompt test skipped
    EXPECT_TRUE(std::isnan(s[1].retention_pct));
    // Usable by the cost model as is.
    CostInputs in;
    in.usd_per_hour = 1;
    EXPECT_EQ(cost_compare(s, in).size(), 2u);
}

TEST(BenchSpeeds, ErrorsNameFileAndField) {
    EXPECT_NE(error_of("nope").find("bench.json: not valid JSON"), std::string::npos);
    EXPECT_NE(error_of("{}").find("bench.json: expected the object"), std::string::npos);
    EXPECT_NE(error_of(R"({"results": []})").find("bench.json: results: empty"), std::string::npos);
    EXPECT_NE(error_of(R"({"results": [{"tg": {"avg_ts": 1}}]})").find("results[0].precision"), std::string::npos);
    EXPECT_NE(error_of(R"({"results": [{"precision": "A", "tg": null}]})").find("results[0] (A): no generation throughput"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"results": [{"precision": "A", "tg": {"avg_ts": "x"}}]})").find("results[0].tg.avg_ts"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"results": [{"precision": "A", "tg": {"avg_ts": -3}}]})").find("must be > 0"), std::string::npos);
    EXPECT_THROW(bench_speeds_load("/nonexistent/bench.json"), Error);
}

}  // namespace
}  // namespace qs
