#include <gtest/gtest.h>

#include "core/error.h"
#include "jobs/job_matrix.h"

namespace {

qs::EvalMatrix matrix() {
    qs::EvalMatrix m;
    m.model_path = "m.gguf";
    m.precisions = {"q8_0", "F16", "Q4_K_M"};
    m.baseline = "f16";
    m.ppl_path = "/data/wiki.test.raw";
    m.kld = true;
    m.tasks = {{"arc", "/data/arc.jsonl", ""}};
    m.bench = true;
    return m;
}

TEST(JobMatrix, BaselineFirstAndKldDependsOnItsPerplexity) {
    const auto jobs = qs::plan_jobs(matrix());
    // F16: ppl, arc, bench (no KLD against itself); Q8_0 and Q4_K_M: ppl, kld, arc, bench.
    ASSERT_EQ(jobs.size(), 3u + 4u + 4u);
    EXPECT_EQ(jobs[0].precision, "F16");
    EXPECT_EQ(jobs[0].evaluator, qs::EvaluatorKind::Perplexity);
    EXPECT_EQ(jobs[0].dataset, "wiki.test.raw");
    for (size_t i = 0; i < jobs.size(); ++i) {
        EXPECT_EQ(jobs[i].index, int(i));
        if (jobs[i].evaluator == qs::EvaluatorKind::Kld) {
            EXPECT_EQ(jobs[i].depends_on, 0);
            EXPECT_NE(jobs[i].precision, "F16");
        } else if (jobs[i].evaluator == qs::EvaluatorKind::Task && jobs[i].precision != "F16") {
            EXPECT_EQ(jobs[i].depends_on, 1);  // the baseline's arc job, for the paired comparison
        } else {
            EXPECT_EQ(jobs[i].depends_on, -1);
        }
    }
    EXPECT_EQ(jobs[3].precision, "Q8_0");  // the others keep their order, canonically spelled
    EXPECT_EQ(jobs[7].precision, "Q4_K_M");
    // A precision's jobs are together, so its weights can go when its last job ends.
    for (size_t i = 1; i < jobs.size(); ++i) {
        if (jobs[i].precision != jobs[i - 1].precision) {
            for (size_t k = i; k < jobs.size(); ++k) EXPECT_NE(jobs[k].precision, jobs[i - 1].precision);
        }
    }
}

// Each task may carry its own item limit; the others take the matrix's, and the job settings say which.
TEST(JobMatrix, PerTaskLimitOverridesTheMatrixLimit) {
    qs::EvalMatrix m = matrix();
    m.task_limit = 100;
    m.tasks.push_back({"piqa", "/data/piqa.jsonl", "", 7});
    EXPECT_EQ(m.task_limit_of("arc"), 100);
    EXPECT_EQ(m.task_limit_of("piqa"), 7);
    int seen = 0;
    for (const qs::JobSpec& j : qs::plan_jobs(m)) {
        if (j.evaluator != qs::EvaluatorKind::Task) continue;
        const bool piqa = j.dataset == "piqa";
        EXPECT_NE(j.settings_json.find(piqa ? "\"limit\":7" : "\"limit\":100"), std::string::npos) << j.settings_json;
        ++seen;
    }
    EXPECT_EQ(seen, 6);
}

TEST(JobMatrix, RejectsBadMatrices) {
    auto expect_error = [](qs::EvalMatrix m, const char* what) {
        try {
            qs::plan_jobs(m);
            ADD_FAILURE() << "no error for " << what;
        } catch (const qs::Error& e) {
            EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
        }
    };
    auto m = matrix();
    m.baseline = "Q2_K";
    expect_error(m, "baseline");
    m = matrix();
    m.precisions.push_back("f16");
    expect_error(m, "twice");
    m = matrix();
    m.ppl_path.clear();
    expect_error(m, "--kld");
    m = matrix();
    m.precisions = {"Q9_X"};
    m.baseline.clear();
    expect_error(m, "Q9_X");
    m = matrix();
    m.precisions.clear();
    expect_error(m, "--precisions");
}

}  // namespace

TEST(JobMatrix, GenerationSettingsAreChecked) {
    qs::EvalMatrix m = matrix();
    m.gen_samples = 0;
    EXPECT_THROW(qs::plan_jobs(m), qs::Error);
    m.gen_samples = 10;
    m.gen_temperature = 0.0f;  // ten greedy samples would all be the same
    EXPECT_THROW(qs::plan_jobs(m), qs::Error);
    m.gen_temperature = 0.8f;
    EXPECT_NO_THROW(qs::plan_jobs(m));
    m.code_timeout = 0;
    EXPECT_THROW(qs::plan_jobs(m), qs::Error);
    m.code_timeout = 10;
    m.gen_parallel = 0;
    EXPECT_THROW(qs::plan_jobs(m), qs::Error);
    m.gen_parallel = 4;
    EXPECT_NE(qs::eval_matrix_json(m).find("\"chat_template\":\"none\""), std::string::npos);
}

TEST(JobMatrix, UserNamesOfPrecisionsGoWithEveryJob) {
    qs::EvalMatrix m = matrix();
    m.precisions = {"F16", "q4_k_m+ffn_down=q8_0", "nf4"};
    m.precision_names = {{"Q4_K_M+ffn_down=q8_0", "down in q8"}};  // by the canonical string
    const auto jobs = qs::plan_jobs(m);
    for (const auto& j : jobs) {
        if (j.precision == "F16") {
            EXPECT_EQ(j.precision_name, "");  // no name: the recipe string is shown
        } else if (j.precision == "Q4_K_M+ffn_down=q8_0") {
            EXPECT_EQ(j.precision_name, "down in q8");
        } else {
            EXPECT_EQ(j.precision, "Q8_0+.*=nf4");
            EXPECT_EQ(j.precision_name, "NF4");  // a preset given by its name
        }
    }
    m.precision_names = {{"q4_k_m+ffn_down=q8_0", "down in q8"}};  // or as given
    EXPECT_EQ(qs::plan_jobs(m)[4].precision_name, "down in q8");
    m.precision_names = {{"F16", "same"}, {"nf4", "same"}};
    EXPECT_THROW(qs::plan_jobs(m), qs::Error);  // two precisions one name: the views could not tell them apart
}
