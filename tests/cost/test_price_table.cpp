// The price table loader: the shipped file is valid and dated, and every kind of mistake in a
// user's file is reported with the file and the field.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "common/test_paths.h"
#include "core/error.h"
#include "cost/price_table.h"

namespace qs {
namespace {

const char* VALID = R"({
  "currency": "USD",
  "hardware": [ {"name": "box", "usd_per_hour": 0.5, "source": "https://example.com/p", "listed": "2024-05-06"} ],
  "api": [ {"provider": "P", "model": "m", "usd_per_mtok_input": 1, "usd_per_mtok_output": 2,
            "source": "https://example.com/a", "listed": "2024-05-06"} ]
})";

// The message of the qs::Error that parsing `text` throws ("" when it does not throw).
std::string error_of(const std::string& text) {
    try {
        price_table_parse(text, "prices.json");
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

std::string replaced(std::string s, const std::string& from, const std::string& to) {
    const size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
}

TEST(PriceTable, ParsesValidTable) {
    const PriceTable t = price_table_parse(VALID, "prices.json");
    ASSERT_EQ(t.hardware.size(), 1u);
    EXPECT_EQ(t.hardware[0].name, "box");
    EXPECT_DOUBLE_EQ(t.hardware[0].usd_per_hour, 0.5);
    EXPECT_EQ(t.hardware[0].listed, "2024-05-06");
    ASSERT_EQ(t.apis.size(), 1u);
    EXPECT_DOUBLE_EQ(t.apis[0].usd_per_mtok_output, 2);
    EXPECT_EQ(t.apis[0].label(), "P m");
    EXPECT_NE(t.find_hardware("box"), nullptr);
    EXPECT_EQ(t.find_hardware("Box"), nullptr);
}

TEST(PriceTable, ErrorsNameFileAndField) {
    struct Case {
        std::string text, expect;
    };
    const std::string v = VALID;
    const Case cases[] = {
        {"{ not json", "prices.json: not valid JSON"},
        {"[1, 2]", "prices.json: expected a JSON object"},
        {"{}", "prices.json: missing field 'hardware'"},
        {R"({"hardware": {}})", "prices.json: hardware: expected an array"},
        {replaced(v, R"("usd_per_hour": 0.5)", R"("usd_per_hour": "0.5")"), "prices.json: hardware[0].usd_per_hour: expected a number"},
        {replaced(v, R"("usd_per_hour": 0.5)", R"("usd_per_hour": 0)"), "prices.json: hardware[0].usd_per_hour: must be > 0"},
        {replaced(v, R"("usd_per_hour": 0.5, )", ""), "prices.json: hardware[0]: missing field 'usd_per_hour'"},
        {replaced(v, R"("listed": "2024-05-06"} ])", R"("listed": "May 2024"} ])"), "prices.json: hardware[0].listed: expected a date YYYY-MM-DD"},
        {replaced(v, R"("listed": "2024-05-06"} ])", R"("listed": "2024-13-06"} ])"), "hardware[0].listed"},
        {replaced(v, R"("source": "https://example.com/p")", R"("source": "")"), "prices.json: hardware[0].source: must not be empty"},
        {replaced(v, R"("usd_per_mtok_input": 1)", R"("usd_per_mtok_input": -1)"), "prices.json: api[0].usd_per_mtok_input: must be >= 0"},
        {replaced(v, R"("model": "m", )", ""), "prices.json: api[0]: missing field 'model'"},
        {replaced(v, R"("currency": "USD")", R"("currency": "EUR")"), "prices.json: currency: only USD"},
        {replaced(v, R"("hardware": [ )", R"("hardware": [ 7, )"), "prices.json: hardware[0]: expected an object"},
    };
    for (const Case& c : cases) {
        const std::string msg = error_of(c.text);
        EXPECT_NE(msg.find(c.expect), std::string::npos) << "got '" << msg << "' for " << c.text;
    }
    // Duplicate hardware names: the second is named.
    const std::string dup = replaced(v, R"("hardware": [ )",
                                     R"("hardware": [ {"name": "box", "usd_per_hour": 1, "source": "s", "listed": "2024-01-01"}, )");
    EXPECT_NE(error_of(dup).find("hardware[1].name: 'box' appears twice"), std::string::npos) << error_of(dup);
}

TEST(PriceTable, LoadNamesMissingFile) {
    const std::string path = test::temp_dir() + "/absent.json";
    try {
        price_table_load(path);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
    }
}

TEST(PriceTable, ShippedTableIsValidAndDated) {
    const std::string path = std::string(QS_SOURCE_DIR) + "/resources/prices.json";
    const PriceTable t = price_table_load(path);
    EXPECT_EQ(t.path, path);
    EXPECT_GE(t.hardware.size(), 3u);
    EXPECT_GE(t.apis.size(), 3u);
    EXPECT_NE(t.note.find("ditable"), std::string::npos);  // says it is editable
    for (const auto& h : t.hardware) EXPECT_EQ(h.source.rfind("https://", 0), 0u) << h.name;
    for (const auto& a : t.apis) EXPECT_EQ(a.source.rfind("https://", 0), 0u) << a.label();
    EXPECT_NE(t.find_hardware("aws-c7a.large"), nullptr);
    // Every profile says what it is; every GPU can be estimated, with the figures' sources.
    for (const auto& h : t.hardware) {
        EXPECT_NE(h.kind, HardwareKind::Unknown) << h.name;
        if (h.kind != HardwareKind::Gpu) continue;
        EXPECT_GT(h.memory_bandwidth_gbs, 0) << h.name;
        EXPECT_NE(h.memory_bandwidth_source.find("https://"), std::string::npos) << h.name;
        EXPECT_GT(h.compute.int8_tops, h.compute.f16_tflops) << h.name;
        EXPECT_NE(h.compute_source.find("https://"), std::string::npos) << h.name;
    }
    EXPECT_FALSE(t.find_hardware("aws-c7a.large")->this_machine.empty());
    EXPECT_NE(t.roofline.efficiency_source.find("https://"), std::string::npos);
    EXPECT_LT(t.roofline.bandwidth_efficiency, 1.0);
}

TEST(PriceTable, DefaultPathFindsSourceTreeAndHonoursEnvironment) {
    ::unsetenv("QUANTSCOPE_PRICES");
    const std::string found = price_table_default_path("");
    ASSERT_FALSE(found.empty());
    EXPECT_NO_THROW(price_table_load(found));
    ::setenv("QUANTSCOPE_PRICES", "/some/where/p.json", 1);
    EXPECT_EQ(price_table_default_path("/usr/bin/quantscope-cli"), "/some/where/p.json");
    ::unsetenv("QUANTSCOPE_PRICES");
}

}  // namespace
}  // namespace qs

// JSON nested a hundred thousand levels deep is refused with a message, not a stack overflow.
TEST(PriceTable, DeeplyNestedJsonIsAnError) {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    for (const std::string& text : {deep, "{\"hardware\": " + deep + "}"}) {
        try {
            qs::price_table_parse(text, "deep.json");
            FAIL() << "accepted";
        } catch (const qs::Error& e) {
            EXPECT_EQ(std::string(e.what()).rfind("deep.json: ", 0), 0u) << e.what();
        }
    }
}
