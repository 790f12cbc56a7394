// quantscope-cli eval end to end: a SIGKILL mid-run leaves a sound database holding every job
// finished before it; a malformed dataset line is reported as FILE:LINE; --json and --csv.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>
#include <fcntl.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/test_paths.h"
#include "store/results_store.h"

extern char** environ;

namespace {

struct Child {
    pid_t pid = -1;
    std::string out, err;  // files stdout and stderr go to
};

Child spawn_cli(const std::vector<std::string>& args, const std::string& dir, const std::string& tag) {
    Child c;
    c.out = dir + "/" + tag + ".out";
    c.err = dir + "/" + tag + ".err";
    std::vector<std::string> all = {QS_CLI_PATH};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, c.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, c.err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    EXPECT_EQ(posix_spawn(&c.pid, argv[0], &fa, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    return c;
}

int wait_exit(const Child& c) {
    int status = 0;
    waitpid(c.pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Ids of the jobs the database says are done (read by another connection while the CLI writes).
std::set<int64_t> done_jobs(const std::string& db) {
    std::set<int64_t> ids;
    sqlite3* raw = nullptr;
    if (sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_busy_timeout(raw, 1000);
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(raw, "SELECT id FROM jobs WHERE status = 'done'", -1, &st, nullptr) == SQLITE_OK)
            while (sqlite3_step(st) == SQLITE_ROW) ids.insert(sqlite3_column_int64(st, 0));
        sqlite3_finalize(st);
    }
    sqlite3_close(raw);
    return ids;
}

TEST(CliEval, SigkillMidRunKeepsFinishedJobs) {
    QS_REQUIRE_SHARED(model, "models/stories260K.gguf");
    QS_REQUIRE_SHARED(text, "data/wikitext-2-raw/wiki.test.raw");
    const std::string dir = qs::test::temp_dir();
    const std::string db = dir + "/kill.db";
    // The head of WikiText-2 (plenty for 16 chunks of 64 tokens): tokenizing all of it would
    // only make the test slower.
    const std::string head = dir + "/wiki-head.txt";
    std::ofstream(head) << slurp(text).substr(0, 40000);
    Child c = spawn_cli({"-q", "eval", "--model", model, "--precisions", "F32,F16,BF16", "--ppl", head, "--kld", "--ctx",
                         "64", "--chunks", "16", "--threads", "1", "--db", db},
                        dir, "kill");
    std::set<int64_t> before;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline) {
        before = done_jobs(db);
        if (!before.empty()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_FALSE(before.empty()) << slurp(c.err);
    kill(c.pid, SIGKILL);
    EXPECT_EQ(wait_exit(c), 128 + SIGKILL);

    qs::ResultsStore store(db);
    EXPECT_EQ(store.integrity_check(), "ok");
    const auto runs = store.list_runs();
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].run.finished_at, "");  // interrupted
    const qs::RunRecord run = store.load_run(runs[0].run.id);
    EXPECT_EQ(run.jobs.size(), 5u);  // every planned job was stored when the run started
    int done = 0;
    for (const qs::JobRecord& j : run.jobs) {
        if (before.count(j.id)) {
            EXPECT_EQ(j.status, qs::JobStatus::Done);
            ASSERT_NE(qs::metric_find(j.metrics, "ppl"), nullptr);
            EXPECT_GT(qs::metric_find(j.metrics, "ppl")->value, 1.0);
        }
        done += j.status == qs::JobStatus::Done;
    }
    EXPECT_LT(done, 5) << "the kill came after the run ended; make the jobs longer";
}

// ARC lines, the second one malformed.
std::string write_arc(const std::string& dir) {
    const std::string path = dir + "/arc-bad.jsonl";
    std::ofstream out(path);
    for (int i = 0; i < 3; ++i) {
        if (i == 1) out << "{\"id\":\"broken\",\"question\":{\"stem\":\"no choices\"}}\n";
        out << R"({"id":"q)" << i
            << R"(","question":{"stem":"Where does a dog like to play?","choices":[{"text":"in the park","label":"A"},{"text":"in the sky","label":"B"}]},"answerKey":"A"})"
            << "\n";
    }
    return path;
}

TEST(CliEval, MalformedLineNamesFileAndLine) {
    QS_REQUIRE_SHARED(model, "models/stories260K.gguf");
    const std::string dir = qs::test::temp_dir();
    const std::string arc = write_arc(dir);
    const std::vector<std::string> base = {"-q", "eval", "--model", model, "--precisions", "F32", "--task", "arc=" + arc,
                                           "--task-ctx", "128", "--threads", "1", "--db", dir + "/bad.db"};
    Child stop = spawn_cli(base, dir, "stop");
    EXPECT_EQ(wait_exit(stop), 1);
    EXPECT_NE(slurp(stop.err).find(arc + ":2:"), std::string::npos) << slurp(stop.err);

    auto skip_args = base;
    for (const char* a : {"--on-bad-line", "skip", "--json", "--csv"}) skip_args.push_back(a);
    skip_args.push_back(dir + "/out.csv");
    Child skip = spawn_cli(skip_args, dir, "skip");
    ASSERT_EQ(wait_exit(skip), 0) << slurp(skip.err);
    EXPECT_NE(slurp(skip.err).find("skipped " + arc + ":2:"), std::string::npos) << slurp(skip.err);

    const auto j = nlohmann::json::parse(slurp(skip.out));
    ASSERT_EQ(j["jobs"].size(), 1u);
    const auto& job = j["jobs"][0];
    EXPECT_EQ(job["status"], "done");
    EXPECT_EQ(job["evaluator"], "task");
    EXPECT_EQ(job["settings"]["format"], "arc");
    EXPECT_EQ(job["settings"]["format_source"], "given as the task name");
    EXPECT_EQ(job["metrics"]["items"]["value"], 3.0);
    EXPECT_EQ(job["metrics"]["items_skipped"]["value"], 1.0);
    EXPECT_TRUE(job["metrics"]["acc"].contains("stderr"));
    EXPECT_EQ(j["warnings"].size(), 1u);
    EXPECT_EQ(j["run"]["model_hash"].get<std::string>().size(), 64u);

    // CSV: a header and one row per metric of the job, the same values as the JSON.
    std::istringstream csv(slurp(dir + "/out.csv"));
    std::string line;
    std::getline(csv, line);
    EXPECT_EQ(line, "run_id,job,precision,evaluator,dataset,status,metric,value,stderr,ci_low,ci_high,unit,seconds,error,precision_name");
    size_t rows = 0;
    bool saw_acc = false;
    while (std::getline(csv, line)) {
        ++rows;
        if (line.find(",task,arc,done,acc,") != std::string::npos) {
            saw_acc = true;
            const std::string value = line.substr(line.find(",acc,") + 5, line.find(',', line.find(",acc,") + 5) - line.find(",acc,") - 5);
            EXPECT_DOUBLE_EQ(std::stod(value), job["metrics"]["acc"]["value"].get<double>());
        }
    }
    EXPECT_EQ(rows, job["metrics"].size());
    EXPECT_TRUE(saw_acc);

    // The stopped run stored nothing; the skipped one is in the database.
    qs::ResultsStore store(dir + "/bad.db");
    EXPECT_EQ(store.list_runs().size(), 1u);
}

}  // namespace

namespace {

// quantscope-cli under a file size limit (RLIMIT_FSIZE, as `ulimit -f`), standing in for a full disk.
int run_cli_with_file_limit(const std::vector<std::string>& args, rlim_t limit, const std::string& err) {
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid == 0) {
        const rlimit l{limit, limit};
        setrlimit(RLIMIT_FSIZE, &l);
        const int fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 2);
        const int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        std::vector<std::string> all = {QS_CLI_PATH};
        all.insert(all.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : all) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

// A full disk mid-run: the job whose write fails says so (naming the database and the limit), the
// run exits 1, and the database is sound with every job committed before. The demo model: no ../shared.
TEST(CliEval, DiskFullIsAClearErrorAndTheDatabaseStaysSound) {
    const std::string dir = qs::test::temp_dir();
    const std::string text = dir + "/full-text.txt";
    {
        std::ofstream out(text);
        for (int i = 0; i < 600; ++i) out << "and the people of the land went up to the city ";
    }
    const std::string db = dir + "/full.db";
    // 120 KiB: room for the schema and the first jobs, not for every job (found by trying; the
    // test only needs the limit to be met part way, which the assertions below check).
    const int code = run_cli_with_file_limit({"eval", "--model", std::string(QS_SOURCE_DIR) + "/resources/demo/quantscope-demo-kjv-f32.gguf",
                                              "--precisions", "F32,Q8_0", "--ppl", text, "--kld", "--ctx", "64",
                                              "--chunks", "4", "--threads", "1", "--db", db},
                                             120 << 10, dir + "/full.err");
    const std::string err = slurp(dir + "/full.err");
    EXPECT_EQ(code, 1) << err;
    EXPECT_NE(err.find("not saved: " + db + ": results database: disk I/O error (the disk is full or a file size limit was reached"),
              std::string::npos)
        << err;
    EXPECT_NE(err.find("file size limit (ulimit -f) 122880 bytes"), std::string::npos) << err;

    qs::ResultsStore store(db);
    EXPECT_EQ(store.integrity_check(), "ok");
    const qs::RunRecord run = store.load_run(store.list_runs().at(0).run.id);
    int done = 0;
    for (const qs::JobRecord& j : run.jobs) done += j.status == qs::JobStatus::Done;
    EXPECT_GT(done, 0);
    EXPECT_LT(done, int(run.jobs.size()));
    // Every job the CLI reported done ("[k/n] ...: done (") is in the database as done.
    std::istringstream lines(err);
    int reported = 0;
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("[", 0) != 0 || line.find(": done (") == std::string::npos) continue;
        const size_t k = std::stoul(line.substr(1));
        ASSERT_LE(k, run.jobs.size()) << line;
        EXPECT_EQ(run.jobs[k - 1].status, qs::JobStatus::Done) << line;
        ++reported;
    }
    EXPECT_EQ(reported, done);
}

// A recipe pattern that matches no tensor (a typo) is refused before anything runs or is stored,
// by eval and by quantize; a preset given by its name keeps that name in the output.
TEST(CliEval, RecipePatternThatMatchesNoTensorIsRefused) {
    QS_REQUIRE_SHARED(model, "models/synthetic/llama-d256-spm512.gguf");
    const std::string dir = qs::test::temp_dir();
    const std::string text = dir + "/story.txt";
    {
        std::ofstream out(text);
        for (int i = 0; i < 40; ++i) out << "Once upon a time there was a little girl named Lily. She liked to play. ";
    }
    Child eval = spawn_cli({"-q", "eval", "--model", model, "--precisions", "F16,Q4_K_M+ffn_dwn=q8_0", "--ppl", text,
                            "--ctx", "64", "--threads", "1", "--db", dir + "/typo.db"},
                           dir, "eval");
    EXPECT_EQ(wait_exit(eval), 1);
    const std::string err = slurp(eval.err);
    EXPECT_NE(err.find("'ffn_dwn=q8_0'"), std::string::npos) << err;
    EXPECT_NE(err.find("matches no quantizable tensor"), std::string::npos) << err;
    EXPECT_EQ(done_jobs(dir + "/typo.db").size(), 0u);  // nothing ran

    Child quantize = spawn_cli({"-q", "quantize", "--model", model, "--out", dir + "/out.gguf", "--type", "Q4_K_M", "--override", "ffn_dwn=q8_0"},
                               dir, "quantize");
    EXPECT_NE(wait_exit(quantize), 0);
    EXPECT_NE(slurp(quantize.err).find("matches no quantizable tensor"), std::string::npos) << slurp(quantize.err);
    EXPECT_FALSE(std::ifstream(dir + "/out.gguf").good());

    Child named = spawn_cli({"-q", "eval", "--model", model, "--precisions", "F16,NF4", "--ppl", text, "--ctx", "64",
                             "--chunks", "1", "--threads", "1", "--json"},
                            dir, "named");
    ASSERT_EQ(wait_exit(named), 0) << slurp(named.err);
    const auto j = nlohmann::json::parse(slurp(named.out));
    ASSERT_EQ(j["jobs"].size(), 2u);
    EXPECT_EQ(j["jobs"][1]["precision"], "Q8_0+.*=nf4");
    EXPECT_EQ(j["jobs"][1]["precision_name"], "NF4");
    EXPECT_EQ(j["jobs"][0]["precision_name"], "");
}
