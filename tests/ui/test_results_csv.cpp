#include <QFile>
#include <gtest/gtest.h>

#include "common/test_paths.h"
#include "results_charts.h"
#include "results_csv.h"
#include "sample_runs.h"

using namespace qs::ui;

TEST(ResultsCsv, OneLinePerMetricWithTheHeaderColumns) {
    const auto run = qs::test::sample_run();
    size_t metrics = 0;
    for (const auto& j : run.jobs) metrics += j.metrics.size();
    const QString path = QString::fromStdString(qs::test::temp_dir()) + "/results.csv";
    results_csv_write(path, {run}, "F16");
    QFile f(path);
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
    ASSERT_EQ(size_t(lines.size()), metrics + 1);
    EXPECT_EQ(lines[0].split(','), results_csv_columns());
    for (const auto& l : lines) EXPECT_EQ(l.split(',').size(), results_csv_columns().size()) << l.toStdString();
    // Q4_K_M's perplexity line: delta 1 against F16, flagged as a significant loss.
    bool found = false;
    for (const auto& l : lines) {
        const QStringList f = l.split(',');
        if (f[2] == "Q4_K_M" && f[6] == "ppl") {
            found = true;
            EXPECT_DOUBLE_EQ(f[11].toDouble(), 1.0);
            EXPECT_EQ(f[13], "1");
        }
    }
    EXPECT_TRUE(found);
}

TEST(ResultsCsv, QuotesFieldsThatNeedIt) {
    EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
    EXPECT_EQ(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
    EXPECT_EQ(csv_field("plain"), "plain");
}

// Perplexity against accuracy: one series per task, each on the metric that task is judged by
// (acc for ARC, pass@1 for HumanEval), so a precision whose perplexity holds while its pass@1
// falls shows it; the Pareto frontier only when one task is plotted.
TEST(ResultsCharts, PerplexityAgainstEachTasksAccuracyIncludingPassAt1) {
    auto run = qs::test::sample_run();
    const ResultsGrid arc_grid = ResultsGrid::from_runs({run}, "F16");
    const auto only_arc = qs::ui::chart_ppl_vs_accuracy({nullptr, &arc_grid});
    ASSERT_EQ(only_arc.series.size(), 2u);
    EXPECT_EQ(only_arc.series[0].name, "Precisions");
    EXPECT_EQ(only_arc.series[1].name, "Pareto frontier");

    using qs::test::job;
    using qs::test::metric;
    for (const auto& [precision, pass] : {std::pair{"F16", 30.0}, {"Q8_0", 29.0}, {"Q4_K_M", 7.0}}) {
        run.jobs.push_back(job(precision, qs::EvaluatorKind::Task, "humaneval",
                               {metric("pass_at_1", pass, 3), metric("agreement", 100)}));
        run.jobs.back().run_id = run.id;
    }
    const ResultsGrid grid = ResultsGrid::from_runs({run}, "F16");
    const auto c = qs::ui::chart_ppl_vs_accuracy({nullptr, &grid});
    ASSERT_EQ(c.series.size(), 2u) << "one series per task, no frontier across tasks";
    EXPECT_EQ(c.series[0].name, "arc (acc)");
    EXPECT_EQ(c.series[1].name, "humaneval (pass_at_1)");
    ASSERT_EQ(c.series[1].points.size(), 3);
    const auto& q4 = c.series[1].points[2];
    EXPECT_EQ(q4.label, "Q4_K_M");
    EXPECT_DOUBLE_EQ(q4.x, 11.0);  // its perplexity
    EXPECT_DOUBLE_EQ(q4.y, 7.0);   // its pass@1
    EXPECT_DOUBLE_EQ(q4.y_err, 3.0);
}
