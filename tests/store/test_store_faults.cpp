// Faults a desktop session meets, on the results store: a full disk (a file size limit), a
// read-only database or folder, two writers on one file, a database from a newer QuantScope.
// Each fault is injected into a child process (fork), so limits and identities do not leak into
// the test runner, and the database is then checked from the parent.
#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/test_paths.h"
#include "core/error.h"
#include "store/results_store.h"
#include "store/store_schema.h"

namespace {

namespace fs = std::filesystem;
using qs::JobRecord;
using qs::JobStatus;
using qs::ResultsStore;
using qs::RunRecord;

// A run of `jobs` queued task jobs (ARC), the shape the fault tests write and count.
RunRecord make_run(int jobs, const std::string& note = "") {
    RunRecord run;
    run.started_at = qs::utc_now_iso8601();
    run.model_path = "/models/m.gguf";
    run.model_name = "m";
    run.model_hash = "hash-m";
    run.baseline = "F16";
    run.note = note;
    for (int i = 0; i < jobs; ++i) {
        JobRecord j;
        j.index = i;
        j.precision = fmt::format("Q{}", i);
        j.evaluator = qs::EvaluatorKind::Task;
        j.dataset = "arc";
        run.jobs.push_back(j);
    }
    return run;
}

// A finished job carrying `items` per-item results (what makes a job's write large).
void finish(JobRecord& j, int items) {
    j.status = JobStatus::Done;
    j.seconds = 1;
    j.finished_at = qs::utc_now_iso8601();
    j.metrics = {{"acc", 0.5, 0.01, 0.48, 0.52}};
    j.item_correct.assign(size_t(items), 1);
    j.item_confidence.assign(size_t(items), 0.75);
}

struct ChildResult {
    int exit_code = -1;     // 0..255, or 128 + signal
    std::string message;    // what the child wrote to the pipe
};

// Runs body() in a forked child and returns its exit code and the text it reported. The child
// never returns into the test runner: it leaves by _exit.
ChildResult run_in_child(const std::function<std::string()>& body) {
    int fds[2];
    if (pipe(fds) != 0) return {};
    std::fflush(nullptr);  // or the child's exit would print the parent's pending output again
    const pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        int code = 0;
        std::string msg;
        try {
            msg = body();
        } catch (const std::exception& e) {
            msg = std::string("unexpected exception: ") + e.what();
            code = 2;
        }
        (void)!write(fds[1], msg.data(), msg.size());
        close(fds[1]);
        _exit(code);
    }
    close(fds[1]);
    ChildResult r;
    char buf[4096];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) r.message.append(buf, size_t(n));
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

// In a child: give up the privileges that let root write anywhere, so file modes apply.
bool drop_root() {
    if (geteuid() != 0) return true;
    return setgid(65534) == 0 && setuid(65534) == 0;  // nobody
}

int64_t count_done(const std::string& db) {
    ResultsStore store(db);
    int64_t n = 0;
    for (const qs::RunSummary& r : store.list_runs()) n += r.jobs_done;
    return n;
}

TEST(StoreFaults, DiskFullFailsWithAMessageAndLosesNoCommittedJob) {
    const std::string db = qs::test::temp_dir() + "/full.db";
    {
        ResultsStore store(db);  // created at full size before the limit applies
        RunRecord run = make_run(200);
        store.insert_run(run);
    }
    // A file size limit stands in for a full disk: the writes past it fail (EFBIG) as they
    // would with ENOSPC. Each job carries 20 000 item rows, so the limit is met within a few jobs.
    const ChildResult r = run_in_child([&] {
        std::signal(SIGXFSZ, SIG_IGN);  // as quantscope-cli does: fail the write, do not kill
        ResultsStore store(db);
        RunRecord run = store.load_run(store.list_runs().at(0).run.id);
        const rlimit limit{2u << 20, 2u << 20};
        if (setrlimit(RLIMIT_FSIZE, &limit) != 0) return std::string("setrlimit failed");
        int committed = 0;
        for (JobRecord& j : run.jobs) {
            finish(j, 20000);
            try {
                store.finish_job(j);
            } catch (const qs::Error& e) {
                return std::to_string(committed) + "|" + e.what();
            }
            ++committed;
        }
        return std::string("the limit was never reached");
    });
    ASSERT_EQ(r.exit_code, 0) << r.message;
    const size_t bar = r.message.find('|');
    ASSERT_NE(bar, std::string::npos) << r.message;
    const int committed = std::stoi(r.message.substr(0, bar));
    const std::string error = r.message.substr(bar + 1);
    EXPECT_GT(committed, 0);
    EXPECT_NE(error.find(db), std::string::npos) << error;                 // names the file
    EXPECT_NE(error.find("file size limit (ulimit -f) 2097152 bytes"), std::string::npos) << error;  // and the cause

    ResultsStore store(db);
    EXPECT_EQ(store.integrity_check(), "ok");
    EXPECT_EQ(count_done(db), committed);  // every committed job, and nothing half-written
    const RunRecord back = store.load_run(store.list_runs().at(0).run.id);
    for (int i = 0; i < committed; ++i) EXPECT_EQ(back.jobs[size_t(i)].item_correct.size(), 20000u);
}

TEST(StoreFaults, ReadOnlyDatabaseReadsButRefusesWritesClearly) {
    const std::string dir = qs::test::temp_dir() + "/ro";
    fs::create_directories(dir);
    const std::string db = dir + "/results.db";
    {
        ResultsStore store(db);
        RunRecord run = make_run(2, "kept");
        store.insert_run(run);
    }
    fs::permissions(db, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    // The folder stays writable for everyone: a reader of a WAL database creates its -shm index
    // beside it (a read-only folder is refused at open, ReadOnlyFolderIsAClearError below).
    fs::permissions(dir, fs::perms::all);
    const ChildResult r = run_in_child([&] {
        if (!drop_root()) return std::string("cannot drop root");
        std::string out;
        try {
            ResultsStore store(db);
            out += "runs=" + std::to_string(store.list_runs().size()) + "|";
            RunRecord run = make_run(1);
            store.insert_run(run);
            out += "written";
        } catch (const qs::Error& e) {
            out += std::string("error=") + e.what();
        }
        return out;
    });
    ASSERT_EQ(r.exit_code, 0) << r.message;
    EXPECT_EQ(r.message.rfind("runs=1|error=", 0), 0u) << r.message;  // read, then refused the write
    EXPECT_NE(r.message.find(db), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("read-only"), std::string::npos) << r.message;
    EXPECT_EQ(ResultsStore(db).integrity_check(), "ok");
}

TEST(StoreFaults, ReadOnlyFolderIsAClearError) {
    const std::string dir = qs::test::temp_dir() + "/ro-folder";
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec);
    const std::string db = dir + "/new.db";
    const ChildResult r = run_in_child([&] {
        if (!drop_root()) return std::string("cannot drop root");
        try {
            ResultsStore store(db);
        } catch (const qs::Error& e) {
            return std::string(e.what());
        }
        return std::string("opened");
    });
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::add);
    ASSERT_EQ(r.exit_code, 0) << r.message;
    EXPECT_NE(r.message.find(db), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("not writable"), std::string::npos) << r.message;
}

// The GUI and the CLI on one database: two processes write runs and jobs at the same time.
// SQLite lets one writer in at a time; the other waits (busy timeout) and nothing is lost.
TEST(StoreFaults, TwoWritersLoseNothing) {
    const std::string db = qs::test::temp_dir() + "/two.db";
    ResultsStore(db).integrity_check();  // created once, so neither child races to create it
    constexpr int kRuns = 25, kJobs = 4;
    auto writer = [&](const std::string& who) {
        return [&, who] {
            ResultsStore store(db);
            for (int r = 0; r < kRuns; ++r) {
                RunRecord run = make_run(kJobs, who);
                store.insert_run(run);
                for (JobRecord& j : run.jobs) {
                    finish(j, 500);
                    store.finish_job(j);
                }
                store.finish_run(run.id, qs::utc_now_iso8601());
            }
            return std::string("ok");
        };
    };
    // Both children start together: the first forks, the second forks right after.
    int fds_a[2], fds_b[2];
    ASSERT_EQ(pipe(fds_a), 0);
    ASSERT_EQ(pipe(fds_b), 0);
    auto spawn = [&](int fds[2], const std::function<std::string()>& body) {
        std::fflush(nullptr);  // or the child's exit would print the parent's pending output again
    const pid_t pid = fork();
        if (pid == 0) {
            close(fds[0]);
            std::string msg;
            int code = 0;
            try {
                msg = body();
            } catch (const std::exception& e) {
                msg = e.what();
                code = 1;
            }
            (void)!write(fds[1], msg.data(), msg.size());
            _exit(code);
        }
        close(fds[1]);
        return pid;
    };
    const pid_t a = spawn(fds_a, writer("a"));
    const pid_t b = spawn(fds_b, writer("b"));
    for (auto [pid, fd] : {std::pair{a, fds_a[0]}, std::pair{b, fds_b[0]}}) {
        std::string msg;
        char buf[1024];
        for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) msg.append(buf, size_t(n));
        close(fd);
        int status = 0;
        waitpid(pid, &status, 0);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << msg;
    }
    ResultsStore store(db);
    EXPECT_EQ(store.integrity_check(), "ok");
    const auto runs = store.list_runs();
    ASSERT_EQ(runs.size(), size_t(2 * kRuns));
    for (const qs::RunSummary& s : runs) {
        EXPECT_EQ(s.jobs_done, kJobs);
        EXPECT_NE(s.run.finished_at, "");
    }
}

// A writer holding the lock for a while (a long delete in the GUI) only delays the other one.
TEST(StoreFaults, AWriterWaitsForALockHeldBriefly) {
    const std::string db = qs::test::temp_dir() + "/held.db";
    ResultsStore store(db);
    RunRecord run = make_run(1);
    store.insert_run(run);
    // A second connection takes the write lock and keeps it 1.5 s (the store waits up to 5 s).
    sqlite3* holder = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &holder), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(holder, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    std::thread release([holder] {
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        sqlite3_exec(holder, "COMMIT", nullptr, nullptr, nullptr);
    });
    finish(run.jobs[0], 10);
    EXPECT_NO_THROW(store.finish_job(run.jobs[0]));
    release.join();
    sqlite3_close(holder);
    EXPECT_EQ(count_done(db), 1);
}

TEST(StoreFaults, NewerSchemaIsRefusedWithTheVersions) {
    const std::string db = qs::test::temp_dir() + "/newer-by-one.db";
    ResultsStore(db).integrity_check();
    const int newer = qs::store_latest_version() + 1;
    {
        sqlite3* raw = nullptr;
        ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
        sqlite3_exec(raw, ("PRAGMA user_version = " + std::to_string(newer)).c_str(), nullptr, nullptr, nullptr);
        sqlite3_close(raw);
    }
    try {
        ResultsStore store(db);
        FAIL() << "a newer database was opened";
    } catch (const qs::Error& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find(db), std::string::npos) << msg;
        EXPECT_NE(msg.find("schema version " + std::to_string(newer)), std::string::npos) << msg;
        EXPECT_NE(msg.find("newer than this QuantScope knows (" + std::to_string(qs::store_latest_version()) + ")"),
                  std::string::npos)
            << msg;
    }
}

}  // namespace
