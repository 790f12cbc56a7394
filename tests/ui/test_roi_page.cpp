// The ROI page on a hand-made run (offscreen): each profile priced with the speed that belongs to
// it and labelled so, losses in words, and the recommendation rule's verdicts on the page.
// QS_ROI_SCREENSHOT=FILE.png saves what the page shows (to look at it).
#include <QComboBox>
#include <QLabel>
#include <QTableWidget>
#include <gtest/gtest.h>

#include "common/test_paths.h"
#include "pages/roi_page.h"
#include "results_grid.h"

namespace qs::ui {
namespace {

// A run on a 2-thread AVX-512 EPYC (the shipped aws-c7a.large profile's rule) of 300 task items:
// F16 (baseline) and three candidates that each change a few answers, with bench jobs.
RunRecord paired_run() {
    struct P {
        const char* name;
        int lost, gained;
        double tg, weight_bytes, bpw;
    };
    const P ps[] = {{"F16", 0, 0, 400, 2e8, 16}, {"Q8_0", 2, 2, 380, 1.06e8, 8.5}, {"Q4_K_M", 4, 3, 520, 6.4e7, 5.1}, {"Q2_K", 6, 6, 600, 4.5e7, 3.6}};
    RunRecord run;
    run.id = 7;
    run.model_name = "paired-run-model";
    run.baseline = "F16";
    run.machine = "AMD EPYC; avx512; 1 workers x 2 threads";
    for (const P& p : ps) {
        JobRecord task;
        task.precision = p.name;
        task.evaluator = EvaluatorKind::Task;
        task.dataset = "arc-easy";
        task.status = JobStatus::Done;
        task.item_correct.assign(300, 0);
        for (int i = 0; i < 200; ++i) task.item_correct[size_t(i)] = i >= p.lost;
        for (int i = 0; i < p.gained; ++i) task.item_correct[size_t(200 + i)] = 1;
        int right = 0;
        for (uint8_t c : task.item_correct) right += c;
        task.metrics = {{"acc", 100.0 * right / 300}};
        run.jobs.push_back(task);
        JobRecord bench;
        bench.precision = p.name;
        bench.evaluator = EvaluatorKind::Bench;
        bench.status = JobStatus::Done;
        bench.settings_json = R"({"n_prompt": 512, "n_gen": 128, "repetitions": 3})";
        bench.metrics = {{"pp_tps", 20 * p.tg, 10}, {"tg_tps", p.tg, 5}, {"weight_bytes", p.weight_bytes}, {"bits_per_weight", p.bpw}, {"kv_bytes", 655360}};
        run.jobs.push_back(bench);
    }
    for (size_t i = 0; i < run.jobs.size(); ++i) run.jobs[i].index = int(i), run.jobs[i].run_id = run.id;
    return run;
}

QString cell(const QTableWidget* t, int row, int col) { return t->item(row, col) ? t->item(row, col)->text() : QString(); }

int row_of(const QTableWidget* t, const QString& precision) {
    for (int r = 0; r < t->rowCount(); ++r)
        if (cell(t, r, 0) == precision) return r;
    return -1;
}

TEST(RoiPage, SpeedsBelongToTheirMachineAndTheRecommendationNeedsEvidence) {
    RoiPage page;
    page.resize(1400, 860);
    const std::vector<RunRecord> runs = {paired_run()};
    page.set_results(ResultsGrid::from_runs(runs), runs);
    auto* hardware = page.findChild<QComboBox*>();
    auto tables = page.findChildren<QTableWidget*>();
    QTableWidget* results = nullptr;
    for (auto* t : tables)
        if (t->columnCount() == 9) results = t;
    ASSERT_TRUE(hardware && results);
    EXPECT_EQ(results->horizontalHeaderItem(8)->text(), "Fits at once");

    // This machine's own profile: measured, and charts may multiply its speeds by the price.
    hardware->setCurrentText("aws-c7a.large");
    ASSERT_EQ(results->rowCount(), 4);
    EXPECT_EQ(cell(results, row_of(results, "Q8_0"), 1), "measured");
    EXPECT_DOUBLE_EQ(page.price_per_hour(), 0.10264);
    // Q8_0 is slower than F16 here: it costs more, and says so.
    EXPECT_TRUE(cell(results, row_of(results, "Q8_0"), 5).startsWith("costs $")) << cell(results, row_of(results, "Q8_0"), 5).toStdString();
    EXPECT_TRUE(cell(results, row_of(results, "Q2_K"), 5).startsWith("saves $"));
    EXPECT_EQ(cell(results, row_of(results, "Q8_0"), 6), "never");
    // Sequences at once: the shipped profile's 4 GiB, 90 % usable, less F16's 2e8 weight bytes, over
    // 1024 KV bytes per position (655360 / 640) and 4096 positions per sequence.
    const int64_t f16_sequences = int64_t((0.9 * 4.295e9 - 2e8) / 1024.0) / 4096;
    EXPECT_EQ(cell(results, row_of(results, "F16"), 8), QString("%1 × 4096").arg(f16_sequences));
    // 300 items: every interval straddles the 1-point margin; nothing is recommended.
    EXPECT_FALSE(page.decision().decided);
    EXPECT_EQ(cell(results, row_of(results, "Q2_K"), 7), "undecided");
    EXPECT_TRUE(page.recommendation().startsWith("No recommendation: Q2_K vs F16 needs about")) << page.recommendation().toStdString();

    // An L4: not this machine, so the roofline estimate (0.6 x 300 GB/s over the weights + 512 KV
    // positions of 655360 / 640 = 1024 bytes), and no price for charts of this machine's speeds.
    hardware->setCurrentText("aws-g6.xlarge");
    ASSERT_EQ(results->rowCount(), 4);
    const int q2 = row_of(results, "Q2_K");
    EXPECT_EQ(cell(results, q2, 1), "estimated");
    EXPECT_NEAR(cell(results, q2, 2).toDouble(), 0.6 * 300e9 / (4.5e7 + 1024.0 * 512), 0.05);
    EXPECT_EQ(page.price_per_hour(), -1);
    EXPECT_TRUE(page.speed_source_text().contains("aws-g6.xlarge is a GPU profile"));
    if (const QByteArray shot = qgetenv("QS_ROI_SCREENSHOT"); !shot.isEmpty())
        page.grab().save(QString::fromLocal8Bit(shot).replace(".png", "-estimated.png"));

    // An Intel CPU profile: neither this machine nor figures for an estimate.
    hardware->setCurrentText("aws-c7i.2xlarge");
    EXPECT_EQ(results->rowCount(), 0);
    EXPECT_TRUE(page.speed_source_text().contains("no speed for aws-c7i.2xlarge"));

    if (const std::string path = test::shared_path("reference/llama-bench-m1.json"); !path.empty()) {
        // llama.cpp's own bench of the M1 files, imported for that CPU profile: its four rows.
        EXPECT_EQ(page.import_bench(QString::fromStdString(path)), "");
        EXPECT_EQ(results->rowCount(), 4);
        EXPECT_EQ(cell(results, 0, 1), "imported");
        // The same file for the H100 profile is refused: it ran on a CPU.
        hardware->setCurrentText("lambda-1x-h100-pcie");
        EXPECT_EQ(page.import_bench(QString::fromStdString(path)), "");
        EXPECT_EQ(results->rowCount(), 0);
        EXPECT_TRUE(page.speed_source_text().contains("is a GPU machine"));
    }
    hardware->setCurrentText("aws-c7a.large");
    if (const QByteArray shot = qgetenv("QS_ROI_SCREENSHOT"); !shot.isEmpty()) page.grab().save(QString::fromLocal8Bit(shot));
}

}  // namespace
}  // namespace qs::ui
