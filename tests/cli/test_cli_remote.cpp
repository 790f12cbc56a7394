// quantscope-cli serve, eval --endpoint, detect and monitor together on loopback (stories260K), as a
// user runs them, and the key-leak check: with an API key in the environment, no file any of them
// writes (database, CSV, JSON, logs, the HTML report) holds the key.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli_run.h"

namespace qs::test {
namespace {

using json = nlohmann::json;

class CliRemote : public ::testing::Test {
protected:
    void SetUp() override {
        model_ = shared_path("models/stories260K.gguf");
        arc_ = shared_path("data/arc/ARC-Easy-Test.jsonl");
        const std::string wiki = shared_path("data/wikitext-2-raw/wiki.test.raw");
        if (model_.empty() || arc_.empty() || wiki.empty()) GTEST_SKIP() << "needs ../shared stories260K, ARC-Easy and wikitext-2";
        dir_ = temp_dir();
        std::mt19937_64 rng(std::random_device{}());
        key_ = "sk-leak-" + std::to_string(rng());
        setenv("QS_TEST_REMOTE_KEY", key_.c_str(), 1);
        text_ = dir_ + "/probe.txt";
        std::ofstream(text_) << slurp(wiki).substr(0, 30000);
        golden_ = dir_ + "/golden.jsonl";
        std::ofstream g(golden_);
        for (const char* p : {"Once upon a time", "The little dog", "Tom and Sue", "One day a bird", "Lily wanted"})
            g << json{{"prompt", p}, {"continuation", " was very happy"}, {"max_tokens", 6}}.dump() << "\n";

        std::system(("'" + std::string(QS_CLI_PATH) + "' serve --model '" + model_ + "' --port 0 --api-key-env QS_TEST_REMOTE_KEY >'" +
                     dir_ + "/serve.out' 2>'" + dir_ + "/serve.err' & echo $! >'" + dir_ + "/serve.pid'").c_str());
        const std::regex port_re(R"(http://127\.0\.0\.1:(\d+)/v1)");
        for (int i = 0; i < 600 && port_.empty(); ++i) {
            std::smatch m;
            const std::string err = slurp(dir_ + "/serve.err");
            if (std::regex_search(err, m, port_re)) port_ = m[1];
            else std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        ASSERT_FALSE(port_.empty()) << slurp(dir_ + "/serve.err");
        endpoint_ = "--endpoint http://127.0.0.1:" + port_ + " --api-model stories260K";
    }
    void TearDown() override {
        const std::string pid = slurp(dir_ + "/serve.pid");
        if (!pid.empty()) kill(pid_t(std::stol(pid)), SIGTERM);
        unsetenv("QS_TEST_REMOTE_KEY");
    }
    CliOutput cli(const std::string& args, const std::string& tag) { return run_cli(args, "remote_" + tag); }

    std::string model_, arc_, text_, golden_, dir_, key_, port_, endpoint_;
};

TEST_F(CliRemote, EvalDetectMonitorThroughServeLeaveNoKeyBehind) {
    const std::string db = dir_ + "/results.sqlite";
    const CliOutput e = cli("eval " + endpoint_ + " --api-key-env QS_TEST_REMOTE_KEY --tokenizer '" + model_ + "' --ppl '" + text_ +
                                "' --ctx 64 --chunks 2 --task 'arc=" + arc_ + "' --limit 4 --db '" + db + "' --csv '" + dir_ +
                                "/out.csv' --json",
                            "eval");
    ASSERT_EQ(e.exit_code, 0) << e.err;
    std::ofstream(dir_ + "/eval.json") << e.out << e.err;
    const json j = json::parse(e.out);
    EXPECT_EQ(j["run"]["model"], "http://127.0.0.1:" + port_ + "/v1");
    EXPECT_EQ(j["run"]["model_name"], "stories260K");
    EXPECT_EQ(j["run"]["model_hash"].get<std::string>().rfind("fp_", 0), 0u);  // the server's fingerprint
    ASSERT_EQ(j["jobs"].size(), 2u);
    for (const json& job : j["jobs"]) {
        EXPECT_EQ(job["status"], "done") << job.dump();
        EXPECT_GT(job["settings"]["usage"]["prompt_tokens"].get<int64_t>(), 0);
    }
    EXPECT_GT(j["jobs"][0]["metrics"]["ppl"]["value"].get<double>(), 1.0);

    const CliOutput d = cli("detect " + endpoint_ + " --api-key-env QS_TEST_REMOTE_KEY --reference '" + model_ + "' --text '" + text_ +
                                "' --precisions file,F16 --ctx 64 --chunks 4 --top 5 --json",
                            "detect");
    ASSERT_EQ(d.exit_code, 0) << d.err;
    std::ofstream(dir_ + "/detect.json") << d.out << d.err;
    const json dj = json::parse(d.out);
    EXPECT_EQ(dj["nearest"], "file");  // serve runs the file as it is
    EXPECT_TRUE(dj["confidence"].is_number());
    EXPECT_TRUE(dj["tokens"].is_number());
    ASSERT_EQ(dj["candidates"].size(), 2u);
    EXPECT_TRUE(dj["candidates"][1]["interval"].is_array());

    const std::string mdb = dir_ + "/drift.sqlite";
    const CliOutput m = cli("monitor " + endpoint_ + " --api-key-env QS_TEST_REMOTE_KEY --golden '" + golden_ + "' --db '" + mdb +
                                "' --checks 3 --every 0 --json",
                            "monitor");
    ASSERT_EQ(m.exit_code, 0) << m.err;
    std::ofstream(dir_ + "/monitor.json") << m.out << m.err;
    const json mj = json::parse(m.out);
    ASSERT_EQ(mj["checks"].size(), 3u);
    EXPECT_FALSE(mj["flagged"].get<bool>());
    EXPECT_EQ(mj["checks"][2]["agreement"], 100.0);

    // A missing variable and a wrong key: clear errors that never print a key.
    const CliOutput missing = cli("eval " + endpoint_ + " --api-key-env QS_TEST_NO_SUCH_VAR --tokenizer '" + model_ + "' --ppl '" + text_ + "'", "missing");
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.err.find("QS_TEST_NO_SUCH_VAR is not set"), std::string::npos) << missing.err;
    setenv("QS_TEST_WRONG_KEY", (key_ + "x").c_str(), 1);
    const CliOutput wrong = cli("monitor " + endpoint_ + " --api-key-env QS_TEST_WRONG_KEY --golden '" + golden_ + "' --db '" + mdb + "'", "wrong");
    EXPECT_EQ(wrong.exit_code, 1);
    EXPECT_NE(wrong.err.find("401"), std::string::npos) << wrong.err;

    // The stakeholder report of the endpoint's run (GUI builds only: without Qt the command says so).
    const CliOutput rep = cli("report --db '" + db + "' --out '" + dir_ + "/report.html'", "report");
    if (rep.exit_code != 0) EXPECT_NE(rep.err.find("GUI build"), std::string::npos) << rep.err;
    else EXPECT_NE(slurp(dir_ + "/report.html").find("stories260K"), std::string::npos);

    // Every file written by any of them (databases with their WAL, CSV, JSON, logs) is free of the key.
    kill(pid_t(std::stol(slurp(dir_ + "/serve.pid"))), SIGTERM);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    int searched = 0;
    for (const auto& f : std::filesystem::directory_iterator(temp_dir())) {
        if (!f.is_regular_file()) continue;
        ++searched;
        EXPECT_EQ(slurp(f.path().string()).find(key_), std::string::npos) << f.path() << " holds the API key";
    }
    EXPECT_GE(searched, 8);
}

}  // namespace
}  // namespace qs::test
