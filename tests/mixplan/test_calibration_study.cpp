// The calibration study against the slow, independent way: each calibration text's imatrix written
// to a file as `quantscope-cli imatrix` writes it, then the precision measured through the job
// runner's `eval --kld --imatrix FILE` path. Same imatrix, quantizer, chunks and base: same figures.
// Also: a text in both roles is scored only after the tokens its imatrix read, and errors name the text.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>

#include "common/test_paths.h"
#include "eval/imatrix_collect.h"
#include "eval/perplexity.h"
#include "jobs/job_runner.h"
#include "mixplan/calibration_record.h"
#include "mixplan/calibration_study.h"
#include "model/model.h"
#include "store/study_cell.h"
#include "tokenizer/tokenizer.h"

namespace qs {
namespace {

constexpr const char* kM1 = "models/synthetic/llama-d256-spm512.gguf";
constexpr const char* kWiki = "data/wikitext-2-raw/wiki.test.raw";
constexpr const char* kStories = "data/tinystories/tinystories_val_head.txt";

StudyText study_text(const std::string& name, const std::string& path, const Tokenizer& tokenizer) {
    return {name, path, tokenizer.encode(perplexity_read_text(path), true)};
}

CalibrationStudyOptions small_options() {
    CalibrationStudyOptions o;
    o.base = "F32";
    o.precisions = {"Q3_K_S"};
    o.eval.n_ctx = 64;
    o.eval.max_chunks = 2;
    o.imatrix.n_ctx = 64;
    o.imatrix.max_chunks = 3;
    return o;
}

double kld_of(const RunRecord& run, const std::string& precision) {
    for (const JobRecord& j : run.jobs)
        if (j.evaluator == EvaluatorKind::Kld && j.precision == precision) {
            EXPECT_EQ(j.status, JobStatus::Done) << j.error;
            if (const Metric* m = metric_find(j.metrics, "kld_mean")) return m->value;
        }
    ADD_FAILURE() << "no KLD job for " << precision;
    return 0;
}

TEST(CalibrationStudy, EveryCellEqualsEvalKldWithThatTextsImatrixFile) {
    QS_REQUIRE_SHARED(model_path, kM1);
    QS_REQUIRE_SHARED(wiki, kWiki);
    QS_REQUIRE_SHARED(stories, kStories);
    const auto model = Model::load(model_path);
    const auto tokenizer = Tokenizer::from_gguf(model->file());
    const std::vector<StudyText> calib = {study_text("stories", stories, *tokenizer)};
    const std::vector<StudyText> eval = {study_text("wiki", wiki, *tokenizer)};
    const CalibrationStudyOptions opts = small_options();
    Progress progress;
    const CalibrationStudy study = calibration_study(model, *tokenizer, calib, eval, opts, progress);
    ASSERT_EQ(study.cells.size(), 2u);  // "none" and "stories", on wiki
    ASSERT_EQ(study.eval_skipped, std::vector<int64_t>{0});
    const CalibrationCell* none = study.find(-1, 0, 0);
    const CalibrationCell* with = study.find(0, 0, 0);
    ASSERT_TRUE(none && with);
    EXPECT_NE(none->kld.value, with->kld.value);  // the imatrix changed the quantization

    // The imatrix as a file (the imatrix command's way), then the job runner's eval --kld with it.
    const std::string imatrix_file = (std::filesystem::temp_directory_path() / "qs_calibration_test.imatrix.gguf").string();
    {
        ModelContext ctx(model, opts.imatrix.n_ctx);
        ImatrixOptions io;
        io.chunks = opts.imatrix;
        io.dataset = stories;
        Progress p;
        imatrix_write(imatrix_collect(ctx, *tokenizer, calib[0].tokens, io, p).matrix, imatrix_file);
    }
    for (const bool use_imatrix : {false, true}) {
        EvalMatrix m;
        m.model_path = model_path;
        m.precisions = {"F32", "Q3_K_S"};
        m.ppl_path = wiki;
        m.kld = true;
        m.n_ctx = opts.eval.n_ctx;
        m.max_chunks = opts.eval.max_chunks;
        if (use_imatrix) m.imatrix_path = imatrix_file;
        JobRunner runner(m, {});
        const double expected = kld_of(runner.run(), "Q3_K_S");
        const CalibrationCell* cell = use_imatrix ? with : none;
        EXPECT_NEAR(cell->kld.value, expected, 1e-6 * expected) << (use_imatrix ? "with the stories imatrix" : "no imatrix");
    }
    std::remove(imatrix_file.c_str());

    // Stored and read back: the table holds both cells, and they are study cells (not result rows).
    RunRecord run;
    run.jobs.push_back(calibration_base_job(study, 0, 0, "{}"));
    for (size_t i = 0; i < study.cells.size(); ++i) run.jobs.push_back(calibration_cell_job(study, study.cells[i], int(i + 1), "{}"));
    EXPECT_FALSE(job_is_study_cell(run.jobs[0]));
    EXPECT_TRUE(job_is_study_cell(run.jobs[1]));
    const CalibrationTable table = calibration_table_from_run(run);
    EXPECT_EQ(table.calib, (std::vector<std::string>{kNoImatrixRow, "stories"}));
    EXPECT_EQ(table.eval, std::vector<std::string>{"wiki"});
    ASSERT_TRUE(table.find("stories", "wiki", "Q3_K_S"));
    EXPECT_DOUBLE_EQ(table.find("stories", "wiki", "Q3_K_S")->kld, with->kld.value);
    EXPECT_EQ(run.jobs[2].precision_name, "Q3_K_S, imatrix from stories");
}

TEST(CalibrationStudy, ATextInBothRolesIsScoredAfterWhatItsImatrixRead) {
    QS_REQUIRE_SHARED(model_path, kM1);
    QS_REQUIRE_SHARED(wiki, kWiki);
    const auto model = Model::load(model_path);
    const auto tokenizer = Tokenizer::from_gguf(model->file());
    const StudyText text = study_text("wiki", wiki, *tokenizer);
    CalibrationStudyOptions opts = small_options();
    opts.without_imatrix = false;
    Progress p1, p2;
    const CalibrationStudy both = calibration_study(model, *tokenizer, {text}, {text}, opts, p1);
    const int64_t read = int64_t(opts.imatrix.max_chunks) * opts.imatrix.n_ctx;
    ASSERT_EQ(both.eval_skipped, std::vector<int64_t>{read});

    // The same measurement with the evaluation text cut by hand (another path: no hold-out applies).
    StudyText rest = text;
    rest.path = "the rest of " + wiki;
    rest.tokens.erase(rest.tokens.begin(), rest.tokens.begin() + read);
    const CalibrationStudy cut = calibration_study(model, *tokenizer, {text}, {rest}, opts, p2);
    ASSERT_EQ(cut.eval_skipped, std::vector<int64_t>{0});
    ASSERT_EQ(both.cells.size(), 1u);
    ASSERT_EQ(cut.cells.size(), 1u);
    EXPECT_EQ(both.cells[0].kld.value, cut.cells[0].kld.value);

    // Reading the whole text for the imatrix would leave nothing held out: refused, naming the text.
    opts.imatrix.max_chunks = -1;
    Progress p3;
    try {
        calibration_study(model, *tokenizer, {text}, {text}, opts, p3);
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("'wiki'"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("held out"), std::string::npos) << e.what();
    }
}

TEST(CalibrationStudy, ATooShortTextIsNamedInTheError) {
    QS_REQUIRE_SHARED(model_path, kM1);
    QS_REQUIRE_SHARED(wiki, kWiki);
    const auto model = Model::load(model_path);
    const auto tokenizer = Tokenizer::from_gguf(model->file());
    StudyText tiny{"tiny", "tiny.txt", tokenizer->encode("just a few words", true)};
    const StudyText eval = study_text("wiki", wiki, *tokenizer);
    Progress progress;
    try {
        calibration_study(model, *tokenizer, {tiny}, {eval}, small_options(), progress);
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("calibration text 'tiny' (tiny.txt)"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace qs
