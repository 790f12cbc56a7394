// The calibration study's views on a study stored through calibration_cell_job: the heatmap's rows,
// columns and colour values (KLD over its column's best), the cell labels, the cells kept out of the
// results grid, and the report's section with the heatmap and the figures with their ±.
#include <gtest/gtest.h>

#include "calibration_heatmap.h"
#include "mixplan/calibration_record.h"
#include "report/report.h"
#include "results_grid.h"

namespace qs::ui {
namespace {

// Two calibration texts and the row without an imatrix, on two evaluation texts, one precision.
RunRecord study_run() {
    CalibrationStudy s;
    s.base = "F32";
    s.calib = {"kjv", "code"};
    s.calib_paths = {"/t/kjv.txt", "/t/code.txt"};
    s.eval = {"kjv", "wiki"};
    s.eval_paths = {"/t/kjv.txt", "/t/wiki.txt"};
    s.precisions = {"Q3_K_S"};
    const double kld[3][2] = {{0.004, 0.020}, {0.002, 0.025}, {0.003, 0.010}};  // rows none, kjv, code
    for (int c = -1; c < 2; ++c)
        for (int e = 0; e < 2; ++e) {
            CalibrationCell cell;
            cell.calib = c;
            cell.eval = e;
            cell.kld = {kld[c + 1][e], 0.1 * kld[c + 1][e]};
            cell.metrics = {Metric{"kld_mean", cell.kld.value, cell.kld.unc}, Metric{"ppl", 100.0 + c}};
            s.cells.push_back(cell);
        }
    RunRecord run;
    run.id = 7;
    run.model_name = "demo";
    run.baseline = "F32";
    for (size_t i = 0; i < s.cells.size(); ++i) run.jobs.push_back(calibration_cell_job(s, s.cells[i], int(i), "{}"));
    JobRecord base;  // a base pass stays a result row
    base.index = 9;
    base.precision = "F32";
    base.evaluator = EvaluatorKind::Perplexity;
    base.status = JobStatus::Done;
    base.dataset = "wiki.txt";
    base.metrics = {Metric{"ppl", 90.0, 1.0}};
    run.jobs.push_back(base);
    return run;
}

TEST(CalibrationHeatmap, CellsAreKldOverTheColumnsBest) {
    const QVector<CalibrationView> views = calibration_views({study_run()});
    ASSERT_EQ(views.size(), 1);
    const charts::HeatmapSpec& h = views[0].heatmap;
    EXPECT_EQ(h.rows, (QStringList{"no imatrix", "imatrix: kjv", "imatrix: code"}));
    EXPECT_EQ(h.columns, (QStringList{"on kjv", "on wiki"}));
    EXPECT_DOUBLE_EQ(h.at(1, 0), 1.0);            // kjv's imatrix is the best on kjv
    EXPECT_DOUBLE_EQ(h.at(0, 0), 0.004 / 0.002);  // no imatrix: twice the best
    EXPECT_DOUBLE_EQ(h.at(2, 1), 1.0);            // code's imatrix is the best on wiki
    EXPECT_DOUBLE_EQ(h.at(1, 1), 2.5);
    EXPECT_EQ(h.labels.at(1 * 2 + 0), "0.002 (best)");
    EXPECT_EQ(h.labels.at(1 * 2 + 1), "0.025 ×2.50");
}

TEST(CalibrationHeatmap, StudyCellsAreNotResultRows) {
    const ResultsGrid g = ResultsGrid::from_runs({study_run()});
    ASSERT_EQ(g.rows().size(), 1);
    EXPECT_EQ(g.rows()[0].precision, "F32");
}

TEST(CalibrationHeatmap, ReportHasTheHeatmapAndTheFigures) {
    ReportInputs in;
    in.runs = {study_run()};
    const ReportDocument doc = report_build(in);
    int heatmaps = 0;
    const ReportBlock* figures = nullptr;
    for (const ReportBlock& b : doc.blocks) {
        if (b.kind == ReportBlock::Kind::Heatmap && b.heatmap.id.startsWith("calibration")) ++heatmaps;
        if (b.kind == ReportBlock::Kind::Table && b.header.value(0) == "Imatrix from") figures = &b;
    }
    EXPECT_EQ(heatmaps, 1);
    ASSERT_TRUE(figures);
    ASSERT_EQ(figures->rows.size(), 3);
    EXPECT_EQ(figures->rows[2], (QStringList{"imatrix: code", "0.003 ± 0.0003", "0.01 ± 0.001"}));
    EXPECT_TRUE(report_html(doc).contains("<h2>Calibration text</h2>"));
    // A study compares no precisions: the summary says what it asks, not "no precision is non-inferior".
    const QString html = report_html(doc);
    EXPECT_TRUE(html.contains("Which text to compute")) << html.left(2000).toStdString();
    EXPECT_TRUE(html.contains("Not a question this run answers"));
}

}  // namespace
}  // namespace qs::ui
