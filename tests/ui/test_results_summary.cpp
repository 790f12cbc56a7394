#include <QAbstractItemModelTester>
#include <gtest/gtest.h>

#include "metric_text.h"
#include "results_summary.h"
#include "results_summary_model.h"
#include "sample_runs.h"

using namespace qs;
using namespace qs::ui;

namespace {

int column(const ResultsSummary& s, SummaryColumn::Kind kind, const QString& dataset = {}) {
    for (int c = 0; c < s.columns().size(); ++c)
        if (s.columns()[c].kind == kind && (dataset.isEmpty() || s.columns()[c].dataset == dataset)) return c;
    return -1;
}
int row(const ResultsSummary& s, const QString& precision) {
    for (int r = 0; r < s.row_count(); ++r)
        if (s.grid().rows()[r].precision == precision) return r;
    return -1;
}

}  // namespace

TEST(NumberText, DigitsFollowTheUncertainty) {
    EXPECT_EQ(value_pm_text(115.7242, 8.2416), QString::fromUtf8("115.7 ± 8.2"));
    EXPECT_EQ(value_pm_text(0.010964, 0.000201), QString::fromUtf8("0.01096 ± 0.00020"));
    EXPECT_EQ(value_pm_text(10936.18, 1014.4), QString::fromUtf8("10936 ± 1014"));
    EXPECT_EQ(number_text(175.999), "176.0");
    EXPECT_EQ(number_text(NAN), QString::fromUtf8("—"));
    EXPECT_EQ(points_text(-2.54), QString::fromUtf8("\u22122.5 pp"));
    EXPECT_EQ(points_text(0.01), "0.0 pp");  // rounds to zero: no sign
    EXPECT_EQ(points_interval_text(-4.1, 0.3), QString::fromUtf8("[\u22124.1, +0.3] pp"));
    EXPECT_EQ(percent_change_text(1.234), "+1.2 %");
    EXPECT_EQ(usd_text(1411.5), "$1,411.50");
}

TEST(ResultsSummary, OneRowPerPrecisionWithTheDecisionsFigures) {
    const ResultsGrid grid = ResultsGrid::from_runs({test::sample_run()}, "F16");
    SummaryExtras extras;
    extras.cost_per_mtok = {{"F16", 2.0}, {"Q8_0", 1.5}};
    extras.cost_note = "test machine at $1/h";
    const ResultsSummary s = ResultsSummary::build(grid, extras);
    ASSERT_EQ(s.row_count(), 3);
    const int ppl = column(s, SummaryColumn::Kind::Ppl, "wiki"), dppl = column(s, SummaryColumn::Kind::PplDelta, "wiki");
    const int kld = column(s, SummaryColumn::Kind::Kld), acc = column(s, SummaryColumn::Kind::Acc, "arc");
    const int dacc = column(s, SummaryColumn::Kind::AccDelta, "arc"), tg = column(s, SummaryColumn::Kind::GenSpeed);
    const int size = column(s, SummaryColumn::Kind::Size), cost = column(s, SummaryColumn::Kind::Cost);
    for (int c : {ppl, dppl, kld, acc, dacc, tg, size, cost}) ASSERT_GE(c, 0);
    const int q4 = row(s, "Q4_K_M"), base = row(s, "F16");
    EXPECT_EQ(s.row_title(base), "F16 (baseline)");
    EXPECT_EQ(s.cell(q4, ppl).text, QString::fromUtf8("11.00 ± 0.10"));
    EXPECT_EQ(s.cell(q4, dppl).text, "+10 %");
    EXPECT_TRUE(s.cell(q4, dppl).significant_loss);
    EXPECT_EQ(s.cell(q4, dacc).text, QString::fromUtf8("\u221210.0 pp"));
    EXPECT_TRUE(s.cell(q4, dacc).significant_loss);
    EXPECT_TRUE(s.cell(base, dacc).text.isEmpty());  // the baseline has no difference with itself
    EXPECT_EQ(s.cell(q4, kld).text, QString::fromUtf8("0.0500 ± 0.0010"));
    EXPECT_EQ(s.cell(q4, size).text, "976.56 KiB");
    EXPECT_EQ(s.cell(row(s, "Q8_0"), cost).text, "$1.50");
    EXPECT_TRUE(s.cell(q4, cost).text.isEmpty());

    ResultsSummaryModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Warning);
    model.set_summary(s);
    EXPECT_EQ(model.rowCount(), 3);
    EXPECT_EQ(model.columnCount(), 1 + int(s.columns().size()));
    EXPECT_TRUE(model.index(q4, 1 + dppl).data(ResultsSummaryModel::SignificantLossRole).toBool());
    // One text and one task: the caption names them and the headers stay short.
    EXPECT_EQ(model.headerData(1 + ppl, Qt::Horizontal).toString(), "PPL");
    EXPECT_EQ(s.caption().toStdString(), "Perplexity and KLD on wiki; accuracy on arc (100 items).");
}

TEST(ResultsSummary, HeadersNameTheDatasetWhenThereAreSeveral) {
    RunRecord run = test::sample_run();
    for (const char* p : {"F16", "Q8_0", "Q4_K_M"}) run.jobs.push_back(test::job(p, EvaluatorKind::Task, "piqa", {test::metric("acc", 70, 1)}));
    const ResultsSummary s = ResultsSummary::build(ResultsGrid::from_runs({run}, "F16"));
    EXPECT_EQ(s.header(column(s, SummaryColumn::Kind::Acc, "piqa")).toStdString(), "Acc %\npiqa");
    EXPECT_EQ(s.header(column(s, SummaryColumn::Kind::Ppl, "wiki")).toStdString(), "PPL");
}

TEST(ResultsSummary, NoCostColumnWithoutAStatedSource) {
    SummaryExtras extras;
    extras.cost_per_mtok = {{"F16", 2.0}};
    const ResultsSummary s = ResultsSummary::build(ResultsGrid::from_runs({test::sample_run()}, "F16"), extras);
    EXPECT_EQ(column(s, SummaryColumn::Kind::Cost), -1);
}
