#include <QFile>
#include <QJsonDocument>
#include <gtest/gtest.h>

#include "common/test_paths.h"
#include "core/error.h"
#include "workspace.h"

using namespace qs::ui;

TEST(Workspace, RoundTripsThroughAFile) {
    Workspace w;
    w.model_path = "/models/m1.gguf";
    w.precisions = {"F16", "Q4_K_M+ffn_down=q8_0"};
    w.custom_recipes = {{"down in q8", "Q4_K_M+ffn_down=q8_0"}};
    w.datasets = {{"arc", "/data/arc.jsonl", 100, true}, {"wiki", "/data/wiki.raw", 0, false}};
    w.baseline = "F16";
    w.n_ctx = 256;
    w.bench = true;
    w.chat_template = "chatml";
    w.until_decided = true;
    w.decision_margin = 0.5;
    w.roi.price_per_hour = 1.25;
    w.roi.monthly_prompt_tokens_millions = 321;
    w.roi.api_prices = {{"API A", 0.15, 0.6}};
    w.remote = {"http://127.0.0.1:8080/v1", "m1", "QS_KEY", "/models/m1.gguf", true};
    const QString path = QString::fromStdString(qs::test::temp_dir()) + "/session.json";
    w.save(path);
    const Workspace r = Workspace::load(path);
    EXPECT_EQ(r.model_path, w.model_path);
    EXPECT_EQ(r.precisions, w.precisions);
    EXPECT_EQ(r.custom_recipes, w.custom_recipes);
    ASSERT_EQ(r.datasets.size(), 2);
    EXPECT_EQ(r.datasets[0].limit, 100);
    EXPECT_FALSE(r.datasets[1].checked);
    EXPECT_EQ(r.n_ctx, 256);
    EXPECT_TRUE(r.bench);
    EXPECT_EQ(r.chat_template, "chatml");
    EXPECT_TRUE(r.until_decided);
    EXPECT_DOUBLE_EQ(r.decision_margin, 0.5);
    EXPECT_DOUBLE_EQ(r.roi.price_per_hour, 1.25);
    ASSERT_EQ(r.roi.api_prices.size(), 1);
    EXPECT_DOUBLE_EQ(r.roi.api_prices[0].usd_per_mtok_input, 0.15);  // not replaced by the output price
    EXPECT_DOUBLE_EQ(r.roi.api_prices[0].usd_per_mtok_output, 0.6);
    EXPECT_DOUBLE_EQ(r.roi.monthly_prompt_tokens_millions, 321);
    EXPECT_EQ(r.remote, w.remote);
    // Every field: the whole JSON is the same after the trip.
    EXPECT_EQ(r.to_json(), w.to_json());
}

TEST(Workspace, ReadsTheOneApiPriceOfOlderFiles) {
    const QJsonObject old = QJsonDocument::fromJson(R"({"quantscope_workspace": 1,
        "roi": {"api_prices": [{"name": "API A", "usd_per_mtok": 0.6}]}})").object();
    const Workspace w = Workspace::from_json(old, "old.json");
    ASSERT_EQ(w.roi.api_prices.size(), 1);
    EXPECT_DOUBLE_EQ(w.roi.api_prices[0].usd_per_mtok_output, 0.6);
}

TEST(Workspace, BadFilesGiveMessagesNamingTheFile) {
    const QString dir = QString::fromStdString(qs::test::temp_dir());
    auto write = [&](const char* name, const char* text) {
        QFile f(dir + "/" + name);
        f.open(QIODevice::WriteOnly);
        f.write(text);
        return dir + "/" + name;
    };
    auto message = [](const QString& path) {
        try {
            Workspace::load(path);
        } catch (const qs::Error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    const QString not_json = write("a.json", "{");
    EXPECT_NE(message(not_json).find(not_json.toStdString() + ": invalid JSON"), std::string::npos);
    EXPECT_NE(message(write("b.json", "{\"x\":1}")).find("not a QuantScope workspace"), std::string::npos);
    EXPECT_NE(message(write("c.json", "{\"quantscope_workspace\":99}")).find("newer"), std::string::npos);
    EXPECT_NE(message(write("d.json", "{\"quantscope_workspace\":1,\"precisions\":\"F16\"}")).find("precisions"), std::string::npos);
    EXPECT_NE(message(dir + "/missing.json").find("cannot read"), std::string::npos);
    // Found by tests/fuzz (fuzz_workspace): integers out of range were converted with undefined behaviour.
    EXPECT_NE(message(write("e.json", "{\"quantscope_workspace\":1e300}")).find("'quantscope_workspace' is out of range"),
              std::string::npos);
    EXPECT_NE(message(write("f.json", "{\"quantscope_workspace\":1,\"run\":{\"n_ctx\":-1e19}}")).find("'run.n_ctx' is out of range"),
              std::string::npos);
    EXPECT_NE(message(write("g.json", "{\"quantscope_workspace\":1,\"datasets\":[{\"path\":\"p\",\"limit\":1e19}]}"))
                  .find("'datasets[].limit' is out of range"),
              std::string::npos);
}
