// quantscope-cli history against a database written through the store's API (no model needed):
// the run list, one run with eval's JSON keys and CSV, deleting a run, and clear errors.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_run.h"
#include "common/test_paths.h"
#include "store/results_store.h"

namespace {

using Output = qs::test::CliOutput;

Output run_cli(const std::string& args) { return qs::test::run_cli(args, "history"); }

// Two runs: the first finished with one done job (ppl 12.5 ± 0.25), the second interrupted.
std::string make_store(const std::string& path, int64_t ids[2]) {
    std::remove(path.c_str());
    qs::ResultsStore store(path);
    for (int r = 0; r < 2; ++r) {
        qs::RunRecord run;
        run.started_at = r == 0 ? "2026-11-20T10:00:00Z" : "2026-11-21T10:00:00Z";
        run.model_path = "/models/m.gguf";
        run.model_name = r == 0 ? "first-model" : "second-model";
        run.model_hash = "abc";
        qs::JobRecord job;
        job.precision = "Q4_0";
        job.dataset = "wiki.test.raw";
        run.jobs.push_back(job);
        store.insert_run(run);
        ids[r] = run.id;
        if (r == 0) {
            qs::JobRecord& j = run.jobs[0];
            j.status = qs::JobStatus::Done;
            j.metrics.push_back({"ppl", 12.5, 0.25});
            j.finished_at = "2026-11-20T10:01:00Z";
            store.finish_job(j);
            store.finish_run(run.id, "2026-11-20T10:01:00Z");
        }
    }
    return path;
}

}  // namespace

TEST(CliHistory, ListsShowsExportsAndDeletesRuns) {
    const std::string dir = qs::test::temp_dir();
    int64_t ids[2];
    const std::string db = make_store(dir + "/history.db", ids);

    Output list = run_cli("history --db '" + db + "' --json");
    ASSERT_EQ(list.exit_code, 0) << list.err;
    const auto runs = nlohmann::json::parse(list.out).at("runs");
    ASSERT_EQ(runs.size(), 2u);
    EXPECT_EQ(runs[0].at("id"), ids[1]);  // newest first
    EXPECT_EQ(runs[0].at("finished_at"), "");
    EXPECT_EQ(runs[0].at("jobs_done"), 0);
    EXPECT_EQ(runs[1].at("model_name"), "first-model");
    EXPECT_EQ(runs[1].at("jobs_total"), 1);
    EXPECT_EQ(runs[1].at("jobs_done"), 1);

    const Output table = run_cli("history --db '" + db + "'");
    ASSERT_EQ(table.exit_code, 0) << table.err;
    EXPECT_NE(table.out.find("second-model"), std::string::npos);
    EXPECT_NE(table.out.find("unfinished"), std::string::npos);

    const std::string csv = dir + "/run.csv";
    const Output one = run_cli("history --db '" + db + "' --run " + std::to_string(ids[0]) + " --json --csv '" + csv + "'");
    ASSERT_EQ(one.exit_code, 0) << one.err;
    const auto shown = nlohmann::json::parse(one.out);
    ASSERT_EQ(shown.at("jobs").size(), 1u);
    EXPECT_EQ(shown.at("jobs")[0].at("metrics").at("ppl").at("value"), 12.5);
    EXPECT_EQ(shown.at("jobs")[0].at("metrics").at("ppl").at("stderr"), 0.25);
    EXPECT_NE(qs::test::slurp(csv).find("ppl,12.5"), std::string::npos) << qs::test::slurp(csv);

    const Output del = run_cli("history --db '" + db + "' --delete " + std::to_string(ids[0]));
    ASSERT_EQ(del.exit_code, 0) << del.err;
    EXPECT_EQ(qs::ResultsStore(db).list_runs().size(), 1u);
}

TEST(CliHistory, MissingDatabaseOrRunIsAClearError) {
    const std::string dir = qs::test::temp_dir();
    const Output missing = run_cli("history --db '" + dir + "/no-such.db'");
    EXPECT_NE(missing.exit_code, 0);
    EXPECT_NE(missing.err.find("no-such.db"), std::string::npos) << missing.err;
    EXPECT_FALSE(std::ifstream(dir + "/no-such.db").good()) << "history must not create a database";

    int64_t ids[2];
    const std::string db = make_store(dir + "/history2.db", ids);
    const Output no_run = run_cli("history --db '" + db + "' --run 999");
    EXPECT_NE(no_run.exit_code, 0);
    EXPECT_NE(no_run.err.find("history2.db"), std::string::npos) << no_run.err;
}
