// The report's sensitivity section on a hand-made run carrying a scan: one heatmap per low type
// whose cells are the jobs' mean KLD at (layer, role), the groups ranked by it, and the HTML
// embedding the heatmap as an image.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "report/report.h"
#include "results_grid.h"
#include "sensitivity_heatmap.h"

namespace qs::ui {
namespace {

JobRecord cell_job(int index, int layer, const std::string& role, double kld) {
    JobRecord j;
    j.index = index;
    j.evaluator = EvaluatorKind::Kld;
    j.status = JobStatus::Done;
    j.dataset = "wiki";
    const std::string group = layer >= 0 ? "blk." + std::to_string(layer) + "." + role : role;
    j.precision = "Q8_0+" + group + "=q2_K+.*=f32";
    j.settings_json = nlohmann::json{{"sensitivity", {{"group", group}, {"layer", layer}, {"role", role}, {"type", "q2_K"},
                                                      {"bytes", 1000 + index}, {"base", "F32"}}}}.dump();
    j.metrics = {Metric{"kld_mean", kld, 0.1 * kld}, Metric{"ln_ppl_ratio", kld / 2, 0.01}};
    return j;
}

RunRecord scan_run() {
    RunRecord run;
    run.id = 3;
    run.model_name = "m1";
    run.baseline = "F32";
    int i = 0;  // KLD 0.001, 0.002, ... in job order
    for (int layer = 0; layer < 2; ++layer)
        for (const char* role : {"attn_q", "ffn_down"}) {
            run.jobs.push_back(cell_job(i, layer, role, 0.001 * (i + 1)));
            ++i;
        }
    run.jobs.push_back(cell_job(i, -1, "output", 0.05));
    return run;
}

TEST(ReportSensitivity, HeatmapCellsAndRankingComeFromTheScanJobs) {
    const QVector<SensitivityView> views = sensitivity_views({scan_run()});
    ASSERT_EQ(views.size(), 1);
    const charts::HeatmapSpec& h = views[0].heatmap;
    const int c_q = int(h.columns.indexOf("attn_q")), c_down = int(h.columns.indexOf("ffn_down"));
    ASSERT_GE(c_q, 0);
    ASSERT_GE(c_down, 0);
    const int r1 = int(h.rows.indexOf("blk.1"));
    ASSERT_GE(r1, 0);
    EXPECT_DOUBLE_EQ(h.at(r1, c_down), 0.004);  // the 4th job: layer 1, ffn_down
    EXPECT_DOUBLE_EQ(h.at(r1, c_q), 0.003);
    ASSERT_EQ(views[0].ranked.size(), 5u);
    EXPECT_EQ(views[0].ranked.front().group, "output");  // largest KLD first
    EXPECT_EQ(views[0].ranked.back().group, "blk.0.attn_q");
}

TEST(ReportSensitivity, ScanCellsAreNotResultRows) {
    RunRecord run = scan_run();
    JobRecord base;  // the base pass stays a row
    base.index = 99;
    base.precision = "F32";
    base.evaluator = EvaluatorKind::Perplexity;
    base.status = JobStatus::Done;
    base.dataset = "wiki";
    base.metrics = {Metric{"ppl", 175.0, 6.0}};
    run.jobs.push_back(base);
    const ResultsGrid g = ResultsGrid::from_runs({run});
    ASSERT_EQ(g.rows().size(), 1);
    EXPECT_EQ(g.rows()[0].precision, "F32");
}

TEST(ReportSensitivity, ReportHasTheHeatmapAndTheRankedTable) {
    ReportInputs in;
    in.runs = {scan_run()};
    const ReportDocument doc = report_build(in);
    int heatmaps = 0;
    bool ranked = false;
    for (const ReportBlock& b : doc.blocks) {
        if (b.kind == ReportBlock::Kind::Heatmap) ++heatmaps;
        if (b.kind == ReportBlock::Kind::Table && b.header.contains("Mean KLD") && !b.rows.isEmpty())
            ranked = b.rows.front().at(1) == "output";
    }
    EXPECT_EQ(heatmaps, 1);
    EXPECT_TRUE(ranked);
    const QString html = report_html(doc);
    EXPECT_TRUE(html.contains("<h2>Sensitivity</h2>"));
    EXPECT_TRUE(html.contains("data:image/svg+xml;base64,"));
}

}  // namespace
}  // namespace qs::ui
