// quantscope-cli generate, check-task and eval with a generation task, run as a user runs them.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "common/test_paths.h"
#include "datasets/task_dataset.h"
#include "store/results_store.h"

namespace qs::test {
namespace {

struct CliRun {
    int exit_code = -1;
    std::string out;  // stdout (stderr goes to the test log)
};

std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

CliRun run_cli(const std::vector<std::string>& args) {
    std::string cmd = quote(QS_CLI_PATH);
    for (const std::string& a : args) cmd += " " + quote(a);
    CliRun r;
    FILE* p = popen(cmd.c_str(), "r");  // stdout captured; stderr goes to the test's own
    if (!p) return r;
    std::array<char, 4096> buf{};
    for (size_t n; (n = fread(buf.data(), 1, buf.size(), p)) > 0;) r.out.append(buf.data(), n);
    const int status = pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

TEST(CliGenerate, GreedyJsonIsLlamaCompletionsContinuation) {
    QS_REQUIRE_SHARED(model, "models/stories260K.gguf");
    QS_REQUIRE_SHARED(prompt, "reference/generate/prompt-stories.txt");
    QS_REQUIRE_SHARED(ref_path, "reference/generate.json");
    const CliRun r = run_cli({"generate", "--model", model, "--prompt-file", prompt, "-n", "48", "--json", "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    const nlohmann::json j = nlohmann::json::parse(r.out);
    std::ifstream in(ref_path);
    const std::string expected = nlohmann::json::parse(in)["cases"][0]["generated_text"];
    EXPECT_EQ(j["text"].get<std::string>() + "\n\n", expected);  // llama-completion ends its output with "\n\n"
    EXPECT_EQ(j["tokens"].size(), 48u);
    EXPECT_EQ(j["n_prompt"], 21);  // llama.cpp's log: "prompt eval time = ... / 21 tokens"
    EXPECT_EQ(j["stop_reason"], "max_tokens");
    EXPECT_TRUE(j["timings"].contains("generate_tps"));

    // Plain output: the text only, on stdout.
    const CliRun plain = run_cli({"generate", "--model", model, "--prompt-file", prompt, "-n", "48", "--quiet"});
    EXPECT_EQ(plain.out + "\n\n", expected);
    // Both --prompt and --prompt-file, or neither: an error.
    EXPECT_EQ(run_cli({"generate", "--model", model, "--quiet"}).exit_code, 1);
}

TEST(CliCheckTask, CanonicalSolutionsPassAndAWrongOneFails) {
    QS_REQUIRE_SHARED(humaneval, "data/humaneval/HumanEval.jsonl.gz");
    const CliRun ok = run_cli({"check-task", "--task", "humaneval=" + humaneval, "--limit", "6", "--json", "--quiet"});
    ASSERT_EQ(ok.exit_code, 0) << ok.out;
    const nlohmann::json j = nlohmann::json::parse(ok.out);
    EXPECT_EQ(j["tasks"][0]["pass"], 6);
    EXPECT_EQ(j["tasks"][0]["format"], "humaneval");
    EXPECT_TRUE(j["sandbox"].contains("network_how"));

    // Two records: the first task as shipped, and the second with a wrong solution.
    const TaskDataset d = dataset_load("humaneval", humaneval);
    std::string lines;
    for (int i = 0; i < 2; ++i) {
        const TaskItem& item = d.items[size_t(i)];
        const std::string& suffix = item.generation.program_suffix;  // "\n" + test + "\ncheck(NAME)"
        const size_t check = suffix.rfind("\ncheck(");
        nlohmann::json rec = {{"task_id", item.id},
                              {"prompt", item.generation.prompt},
                              {"canonical_solution", i == 0 ? item.generation.reference : "    return []\n"},
                              {"test", suffix.substr(1, check - 1)},
                              {"entry_point", suffix.substr(check + 7, suffix.size() - check - 8)}};
        lines += rec.dump() + "\n";
    }
    const std::string path = temp_dir() + "/wrong.jsonl";
    std::ofstream(path) << lines;
    const CliRun bad = run_cli({"check-task", "--task", "humaneval=" + path, "--json", "--quiet"});
    EXPECT_EQ(bad.exit_code, 1);
    const nlohmann::json b = nlohmann::json::parse(bad.out);
    EXPECT_EQ(b["tasks"][0]["pass"], 1);
    EXPECT_EQ(b["tasks"][0]["fail"], 1);
    EXPECT_EQ(b["tasks"][0]["failures"][0]["id"], d.items[1].id);
}

TEST(CliEvalGeneration, HumanEvalOnStories260KStoresOutputsAndPrintsPassAt1) {
    QS_REQUIRE_SHARED(model, "models/stories260K.gguf");
    QS_REQUIRE_SHARED(humaneval, "data/humaneval/HumanEval.jsonl.gz");
    const std::string db = temp_dir() + "/gen.db";
    const CliRun r = run_cli({"eval", "--model", model, "--precisions", "file,F16", "--task", "humaneval=" + humaneval, "--limit", "2",
                              "--gen-max-tokens", "16", "--task-ctx", "2048", "--db", db, "--json", "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    const nlohmann::json j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["jobs"].size(), 2u);
    for (const auto& job : j["jobs"]) {
        EXPECT_EQ(job["status"], "done");
        EXPECT_TRUE(job["metrics"].contains("pass_at_1")) << job.dump();
        EXPECT_EQ(job["metrics"]["items"]["value"], 2);
        EXPECT_EQ(job["settings"]["scoring"], "python-tests");
    }
    EXPECT_TRUE(j["jobs"][1]["metrics"].contains("agreement"));  // F16 against the file's own outputs

    // The database holds every output with its verdict; the first one is what `generate` gives for
    // that item's prompt with the task's stop strings, the same token cap and context (2048: no
    // prompt is cut).
    ResultsStore store(db);
    const RunRecord run = store.load_run(j["run"]["id"]);
    ASSERT_EQ(run.jobs[0].item_outputs.size(), 2u);
    const TaskDataset d = dataset_load("humaneval", humaneval);
    for (const ItemOutput& o : run.jobs[0].item_outputs)
        EXPECT_TRUE(o.verdict == "pass" || o.verdict == "fail" || o.verdict == "timeout" || o.verdict == "error") << o.verdict;
    const ItemOutput& first = run.jobs[0].item_outputs[0];
    const auto it = std::find_if(d.items.begin(), d.items.end(), [&](const TaskItem& t) { return t.id == first.item_id; });
    ASSERT_NE(it, d.items.end());
    std::vector<std::string> args = {"generate", "--model", model, "--prompt", it->generation.prompt, "-n", "16", "--ctx", "2048",
                                     "--json", "--quiet"};
    for (const std::string& s : it->generation.until) args.insert(args.end(), {"--stop", s});
    const CliRun g = run_cli(args);
    ASSERT_EQ(g.exit_code, 0);
    EXPECT_EQ(nlohmann::json::parse(g.out)["text"].get<std::string>(), first.text);

    // One item's outputs side by side: the baseline's text, then F16's marked against it.
    const CliRun side = run_cli({"history", "--db", db, "--run", std::to_string(run.id), "--item", "0"});
    ASSERT_EQ(side.exit_code, 0) << side.out;
    EXPECT_NE(side.out.find("task humaneval, item 0 (" + first.item_id + ")"), std::string::npos) << side.out;
    EXPECT_NE(side.out.find("--- file | " + first.verdict), std::string::npos) << side.out;
    EXPECT_NE(side.out.find("| baseline"), std::string::npos) << side.out;
    const ItemOutput& f16 = run.jobs[1].item_outputs[0];
    const bool same = f16.text == first.text;
    EXPECT_NE(side.out.find(same ? "same text as the baseline" : "differs from the baseline at line"), std::string::npos) << side.out;
    EXPECT_EQ(run_cli({"history", "--db", db, "--run", std::to_string(run.id), "--item", "99"}).exit_code, 1);
}

}  // namespace
}  // namespace qs::test
