// The chart specs built from results: what each chart plots, in which colour, on which scale.
#include <gtest/gtest.h>

#include "results_charts.h"
#include "sample_runs.h"

using namespace qs;
using namespace qs::ui;
using charts::SeriesKind;

namespace {

// sample_run with a second task ("piqa", Q4_K_M 20 points lower there) and calibration on both.
RunRecord two_task_run() {
    RunRecord r = test::sample_run();
    for (const char* p : {"F16", "Q8_0", "Q4_K_M"}) {
        JobRecord j = test::job(p, EvaluatorKind::Task, "piqa", {test::metric("acc", std::string(p) == "Q4_K_M" ? 40 : 70, 1)});
        j.calibration = {{0.0, 1.0, 5, 0.5, 0.5}};
        r.jobs.push_back(j);
    }
    return r;
}

const charts::ChartSeries* series(const charts::ChartSpec& c, const QString& name) {
    for (const auto& s : c.series)
        if (s.name == name) return &s;
    return nullptr;
}

}  // namespace

TEST(ResultsCharts, OneColourPerPrecisionInEveryChart) {
    const std::vector<RunRecord> runs = {test::sample_run()};
    const ResultsGrid grid = ResultsGrid::from_runs(runs, "F16");
    ChartInputs in;
    in.runs = &runs;
    in.grid = &grid;
    const auto ppl = chart_ppl_vs_accuracy(in), speed = chart_generation_speed(in);
    ASSERT_NE(series(ppl, "Q4_K_M"), nullptr);
    const QColor q4 = series(ppl, "Q4_K_M")->color;
    EXPECT_NE(q4, series(ppl, "F16")->color);
    ASSERT_EQ(speed.series.size(), 1);
    bool found = false;
    for (const auto& p : speed.series[0].points)
        if (p.label == "Q4_K_M") {
            found = true;
            EXPECT_EQ(p.color, q4);
        }
    EXPECT_TRUE(found);
    // Speed bars carry their standard errors; the subtitle names the model.
    EXPECT_TRUE(speed.subtitle.contains("m1"));
}

TEST(ResultsCharts, TheTaskSelectorChoosesTheAccuracyShown) {
    const std::vector<RunRecord> runs = {two_task_run()};
    const ResultsGrid grid = ResultsGrid::from_runs(runs, "F16");
    EXPECT_EQ(chart_tasks(grid), (QStringList{"arc", "piqa"}));
    ChartInputs in;
    in.runs = &runs;
    in.grid = &grid;
    in.task = "piqa";
    const auto c = chart_ppl_vs_accuracy(in);
    EXPECT_TRUE(c.title.contains("piqa"));
    ASSERT_NE(series(c, "Q4_K_M"), nullptr);
    EXPECT_DOUBLE_EQ(series(c, "Q4_K_M")->points[0].y, 40.0);
    in.task = "arc";
    EXPECT_DOUBLE_EQ(series(chart_ppl_vs_accuracy(in), "Q4_K_M")->points[0].y, 50.0);
    const auto rel = chart_reliability(in);
    EXPECT_TRUE(rel.title.contains("arc"));
    EXPECT_EQ(rel.series.size(), 4);  // three precisions and the diagonal
}

// A generation task is chosen like any other, on the metric it is judged by: perplexity can hold
// while pass@1 falls, and the chart must show it. It has no confidence to calibrate, and says so.
TEST(ResultsCharts, AGenerationTaskIsSelectableWithItsPassAt1) {
    RunRecord run = test::sample_run();
    for (const auto& [precision, pass] : {std::pair{"F16", 30.0}, {"Q8_0", 29.0}, {"Q4_K_M", 7.0}}) {
        run.jobs.push_back(test::job(precision, EvaluatorKind::Task, "humaneval",
                                     {test::metric("pass_at_1", pass, 3), test::metric("agreement", 100)}));
        run.jobs.back().run_id = run.id;
    }
    const std::vector<RunRecord> runs = {run};
    const ResultsGrid grid = ResultsGrid::from_runs(runs, "F16");
    EXPECT_EQ(chart_tasks(grid), (QStringList{"arc", "humaneval"}));
    ChartInputs in;
    in.runs = &runs;
    in.grid = &grid;
    in.task = "humaneval";
    const auto c = chart_ppl_vs_accuracy(in);
    EXPECT_TRUE(c.title.contains("humaneval"));
    EXPECT_TRUE(c.y.title.contains("pass@1")) << c.y.title.toStdString();
    ASSERT_NE(series(c, "Q4_K_M"), nullptr);
    const auto& q4 = series(c, "Q4_K_M")->points[0];
    EXPECT_DOUBLE_EQ(q4.x, 11.0);  // its perplexity
    EXPECT_DOUBLE_EQ(q4.y, 7.0);   // its pass@1
    EXPECT_DOUBLE_EQ(q4.y_err, 3.0);
    const auto rel = chart_reliability(in);
    EXPECT_EQ(rel.point_count(), 0);
    EXPECT_TRUE(rel.empty_message.contains("generation")) << rel.empty_message.toStdString();
    in.task = "arc";  // the multiple-choice task is unchanged beside it
    EXPECT_DOUBLE_EQ(series(chart_ppl_vs_accuracy(in), "Q4_K_M")->points[0].y, 50.0);
}

TEST(ResultsCharts, ScalesAndKindsThatShowTheDifferences) {
    const std::vector<RunRecord> runs = {test::sample_run()};
    const ResultsGrid grid = ResultsGrid::from_runs(runs, "F16");
    ChartInputs in;
    in.runs = &runs;
    in.grid = &grid;
    EXPECT_TRUE(chart_kld_vs_bits(in).y.log);
    // Prompt and generation speeds are two charts (their scales differ by 10x).
    EXPECT_EQ(chart_prompt_speed(in).series.size(), 1);
    EXPECT_EQ(chart_generation_speed(in).series.size(), 1);
    // Memory: weights and KV cache stacked, not the process's peak RSS.
    const auto mem = chart_memory(in);
    ASSERT_FALSE(mem.series.isEmpty());
    for (const auto& s : mem.series) {
        EXPECT_EQ(s.kind, SeriesKind::StackedBar);
        EXPECT_FALSE(s.name.contains("resident", Qt::CaseInsensitive));
    }
    EXPECT_DOUBLE_EQ(mem.series[0].points[2].y, 1e6 / (1024.0 * 1024.0));  // Q4_K_M's weights
    // Cost: API prices 100x the self-hosted ones put the axis on a log scale.
    in.cost_per_mtok = {{"F16", 0.05}, {"Q8_0", 0.03}, {"Q4_K_M", 0.02}};
    in.api_prices = {{"API", 10.0}};
    EXPECT_TRUE(chart_cost(in).y.log);
    in.api_prices = {{"API", 0.06}};
    EXPECT_FALSE(chart_cost(in).y.log);
}

TEST(ResultsCharts, SeveralModelsEachWithItsColourAndFrontier) {
    RunRecord a = test::sample_run(1), b = test::sample_run(2);
    a.model_name = "big", a.model_hash = "a";
    b.model_name = "small", b.model_hash = "b";
    // Q8_0 more accurate but more perplexed than F16: both are on each model's frontier.
    for (RunRecord* r : {&a, &b})
        for (auto& j : r->jobs)
            if (j.precision == "Q8_0" && j.evaluator == EvaluatorKind::Task) j.metrics[0].value = 61;
    const std::vector<RunRecord> runs = {a, b};
    const ResultsGrid grid = ResultsGrid::from_runs(runs, "F16");
    ChartInputs in;
    in.runs = &runs;
    in.grid = &grid;
    const auto c = chart_ppl_vs_accuracy(in);
    // The precision first, so that an elided legend entry still shows it.
    const auto* big_q4 = series(c, QString::fromUtf8("Q4_K_M · big"));
    const auto* small_q4 = series(c, QString::fromUtf8("Q4_K_M · small"));
    const auto* small_f16 = series(c, QString::fromUtf8("F16 · small"));
    ASSERT_TRUE(big_q4 && small_q4 && small_f16);
    EXPECT_NE(big_q4->color, small_q4->color);       // colour = model
    EXPECT_EQ(small_q4->color, small_f16->color);
    EXPECT_EQ(big_q4->marker, small_q4->marker);     // marker = precision
    EXPECT_NE(small_q4->marker, small_f16->marker);
    int frontiers = 0;
    for (const auto& s : c.series) frontiers += s.name.startsWith("Pareto frontier");
    EXPECT_EQ(frontiers, 2);
}
