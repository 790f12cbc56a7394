#include <QAbstractItemModelTester>
#include <QSortFilterProxyModel>
#include <gtest/gtest.h>

#include "results_table_model.h"
#include "sample_runs.h"

using namespace qs;
using namespace qs::ui;

namespace {

int column_of(const ResultsTableModel& m, const QString& header) {
    for (int c = 0; c < m.columnCount(); ++c)
        if (m.headerData(c, Qt::Horizontal).toString() == header) return c;
    return -1;
}
int row_of(const ResultsTableModel& m, const QString& prefix) {
    for (int r = 0; r < m.rowCount(); ++r)
        if (m.index(r, 0).data().toString().startsWith(prefix)) return r;
    return -1;
}

}  // namespace

TEST(ResultsTableModel, PassesTheItemModelTesterThroughResets) {
    ResultsTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Warning);
    model.set_runs({test::sample_run()}, "F16");
    model.set_baseline("Q8_0");
    model.set_runs({test::sample_run(1), test::sample_run(2)});
    model.set_runs({});
    EXPECT_EQ(model.rowCount(), 0);
}

TEST(ResultsTableModel, RowPerPrecisionColumnsPerMetricWithDeltasAndRetention) {
    ResultsTableModel model;
    model.set_runs({test::sample_run()}, "F16");
    ASSERT_EQ(model.rowCount(), 3);
    // Counts (tokens_scored, items) are not compared: no column for them.
    EXPECT_EQ(column_of(model, "Tokens scored (wiki)"), -1);
    const int ppl = column_of(model, "Perplexity (wiki)");
    const int ppl_delta = column_of(model, "Δ Perplexity (wiki)");
    const int acc_ret = column_of(model, "Retention Accuracy (arc)");
    ASSERT_GE(ppl, 1);
    ASSERT_EQ(ppl_delta, ppl + 1);
    ASSERT_GE(acc_ret, 1);

    const int q4 = row_of(model, "Q4_K_M");
    const int base = row_of(model, "F16");
    EXPECT_TRUE(model.index(base, 0).data().toString().contains("baseline"));
    EXPECT_NEAR(model.index(q4, ppl).data(ResultsTableModel::SortRole).toDouble(), 11.0, 1e-12);
    EXPECT_NEAR(model.index(q4, ppl_delta).data(ResultsTableModel::SortRole).toDouble(), 1.0, 1e-12);
    EXPECT_NEAR(model.index(q4, acc_ret).data(ResultsTableModel::SortRole).toDouble(), 100.0 * 50 / 60, 1e-9);
    EXPECT_TRUE(model.index(q4, ppl).data().toString().contains("±"));
    // Lower-is-better retention: baseline / value.
    EXPECT_NEAR(model.index(q4, ppl + 2).data(ResultsTableModel::SortRole).toDouble(), 100.0 * 10 / 11, 1e-9);
}

TEST(ResultsTableModel, MarksOnlySignificantLosses) {
    ResultsTableModel model;
    model.set_runs({test::sample_run()}, "F16");
    const int ppl = column_of(model, "Perplexity (wiki)");
    const int q4 = row_of(model, "Q4_K_M"), q8 = row_of(model, "Q8_0");
    EXPECT_TRUE(model.index(q4, ppl).data(ResultsTableModel::SignificantLossRole).toBool());
    EXPECT_TRUE(model.index(q4, ppl).data(Qt::BackgroundRole).isValid());
    EXPECT_FALSE(model.index(q8, ppl).data(ResultsTableModel::SignificantLossRole).toBool());
    EXPECT_FALSE(model.index(q8, ppl).data(Qt::BackgroundRole).isValid());
    // A significant gain is not coloured: Q4_K_M against a Q4_K_M-worse baseline.
    model.set_baseline("Q4_K_M");
    EXPECT_FALSE(model.index(row_of(model, "F16"), ppl).data(ResultsTableModel::SignificantLossRole).toBool());
}

TEST(ResultsTableModel, SortsNumericallyThroughAProxy) {
    ResultsTableModel model;
    model.set_runs({test::sample_run()}, "F16");
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(ResultsTableModel::SortRole);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::Warning);
    const int tg = column_of(model, "Generation throughput");
    ASSERT_GE(tg, 1);
    proxy.sort(tg, Qt::DescendingOrder);
    EXPECT_TRUE(proxy.index(0, 0).data().toString().startsWith("Q4_K_M"));
    EXPECT_TRUE(proxy.index(2, 0).data().toString().startsWith("F16"));
}

TEST(ResultsTableModel, ComparesRunsSideBySide) {
    ResultsTableModel model;
    model.set_runs({test::sample_run(1), test::sample_run(7)});
    EXPECT_EQ(model.rowCount(), 6);
    EXPECT_GE(row_of(model, "run 7: Q8_0"), 0);
    EXPECT_GE(row_of(model, "run 1: F16"), 0);
}
