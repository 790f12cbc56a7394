#include <QAbstractItemModelTester>
#include <QSortFilterProxyModel>
#include <gtest/gtest.h>

#include <cmath>

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
    const int ppl_delta = column_of(model, "Δ Perplexity (wiki) (%)");
    const int acc_ret = column_of(model, "Retention Accuracy (arc)");
    ASSERT_GE(ppl, 1);
    ASSERT_EQ(ppl_delta, ppl + 1);
    ASSERT_GE(acc_ret, 1);
    // Differences only where they mean something: no retention of perplexity, no Δ of a KL
    // divergence (already a comparison) or of bits per weight (a property of the format).
    EXPECT_EQ(column_of(model, "Retention Perplexity (wiki)"), -1);
    EXPECT_GE(column_of(model, "Mean KL divergence (wiki)"), 1);
    EXPECT_EQ(column_of(model, "Δ Mean KL divergence (wiki)"), -1);
    EXPECT_EQ(column_of(model, "Δ Weight bytes"), -1);
    EXPECT_EQ(column_of(model, "Retention Generation throughput"), -1);

    const int q4 = row_of(model, "Q4_K_M");
    const int base = row_of(model, "F16");
    EXPECT_TRUE(model.index(base, 0).data().toString().contains("baseline"));
    EXPECT_NEAR(model.index(q4, ppl).data(ResultsTableModel::SortRole).toDouble(), 11.0, 1e-12);
    // Perplexity changes read in % of the baseline's: 11 against 10 is +10 %.
    EXPECT_NEAR(model.index(q4, ppl_delta).data(ResultsTableModel::SortRole).toDouble(), 10.0, 1e-9);
    EXPECT_EQ(model.index(q4, ppl_delta).data().toString(), "+10 %");
    EXPECT_NEAR(model.index(q4, acc_ret).data(ResultsTableModel::SortRole).toDouble(), 100.0 * 50 / 60, 1e-9);
    EXPECT_EQ(model.index(q4, ppl).data().toString(), "11.00 ± 0.10");
    // Accuracy differences in percentage points.
    const int acc_delta = column_of(model, "Δ Accuracy (arc) (pp)");
    ASSERT_GE(acc_delta, 1);
    EXPECT_EQ(model.index(q4, acc_delta).data().toString(), QString::fromUtf8("\u221210.0 pp"));
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
    EXPECT_GE(row_of(model, "run 7 · Q8_0"), 0);
    EXPECT_GE(row_of(model, "run 1 · F16"), 0);
}

TEST(ResultsGrid, EachModelAgainstItsOwnBaseline) {
    // An 8B at Q4_K_M is not "−60 points" against a 3B's F16: each model has its own baseline.
    RunRecord big = test::sample_run(1), small = test::sample_run(2);
    big.model_name = "big";
    big.model_hash = "aaa";
    small.model_name = "small";
    small.model_hash = "bbb";
    for (auto& j : small.jobs)
        for (auto& m : j.metrics)
            if (m.key == "acc") m.value -= 30;  // the small model is 30 points worse at every precision
    const ResultsGrid g = ResultsGrid::from_runs({big, small}, "F16");
    ASSERT_EQ(g.model_count(), 2);
    ASSERT_EQ(g.rows().size(), 6);
    const int acc = g.column_of("acc", "arc", "task");
    ASSERT_GE(acc, 0);
    for (int r = 0; r < g.rows().size(); ++r) {
        const int b = g.baseline_row_of(r);
        ASSERT_GE(b, 0);
        EXPECT_EQ(g.rows()[b].model_index, g.rows()[r].model_index);
        EXPECT_EQ(g.rows()[b].precision, "F16");
        if (g.rows()[r].precision == "Q4_K_M") {
            EXPECT_NEAR(g.compare(r, acc).delta, -10.0, 1e-9) << g.rows()[r].label.toStdString();
        }
    }
    EXPECT_TRUE(g.rows()[3].label.startsWith(QString::fromUtf8("small · ")));
    // A cross-model reference is an explicit choice: then every row is compared with that one.
    const ResultsGrid x = ResultsGrid::from_runs({big, small}, "F16", QString::fromUtf8("big · F16"));
    ASSERT_TRUE(x.cross_model_reference());
    for (int r = 0; r < x.rows().size(); ++r)
        if (x.rows()[r].label == QString::fromUtf8("small · F16")) {
            EXPECT_NEAR(x.compare(r, acc).delta, -30.0, 1e-9);
        }
}

TEST(ResultsGrid, UsesTheRunsPairedIntervalForAccuracy) {
    RunRecord run = test::sample_run();
    for (auto& j : run.jobs)
        if (j.evaluator == EvaluatorKind::Task && j.precision == "Q8_0") {
            Metric d = test::metric("acc_delta", -0.5);
            d.ci_low = -2.5;
            d.ci_high = 1.5;
            j.metrics.push_back(d);
        }
    const ResultsGrid g = ResultsGrid::from_runs({run}, "F16");
    const int acc = g.column_of("acc", "arc", "task");
    int q8 = -1;
    for (int r = 0; r < g.rows().size(); ++r)
        if (g.rows()[r].precision == "Q8_0") q8 = r;
    const ResultComparison c = g.compare(q8, acc);
    EXPECT_DOUBLE_EQ(c.ci_low, -2.5);
    EXPECT_DOUBLE_EQ(c.ci_high, 1.5);
    EXPECT_FALSE(c.significant);
    // The interval belongs to the pairing against the run's baseline only.
    const ResultsGrid other = ResultsGrid::from_runs({run}, "Q4_K_M");
    EXPECT_TRUE(std::isnan(other.compare(q8, acc).ci_low));
}

// A run of one precision (an endpoint alone) compares nothing: its row is not called a baseline.
TEST(ResultsTableModel, ASinglePrecisionIsNoBaseline) {
    RunRecord r = test::sample_run();
    std::erase_if(r.jobs, [](const JobRecord& j) { return j.precision != "Q8_0"; });
    ResultsTableModel model;
    model.set_runs({r});
    ASSERT_EQ(model.rowCount(), 1);
    EXPECT_EQ(model.index(0, 0).data().toString(), "Q8_0");
}

// A run stopped when decided (eval --until-decided) shows one "Decided" column per dataset:
// the verdict and after how many items, the difference and its interval in the tooltip.
TEST(ResultsTableModel, DecidedComparisonsReadAsVerdictAfterItems) {
    RunRecord r = test::sample_run();
    auto decision = [](double verdict, double n, double delta, double lo, double hi) {
        Metric d = test::metric("decision_delta", delta);
        d.ci_low = lo;
        d.ci_high = hi;
        return std::vector<Metric>{test::metric("decision", verdict), test::metric("decided_after", n), d};
    };
    for (JobRecord& j : r.jobs) {
        std::vector<Metric> add;
        if (j.precision == "Q8_0" && j.evaluator == EvaluatorKind::Task) {
            add = decision(1, 212, -0.4, -0.9, 0.1);
            Metric paired = test::metric("acc_delta", -2.0);  // on the 212 items both scored
            paired.ci_low = -3.0;
            paired.ci_high = -1.0;
            add.push_back(paired);
        }
        if (j.precision == "Q4_K_M" && j.evaluator == EvaluatorKind::Task) add = decision(2, 57, -10, -16, -4);
        if (j.precision == "Q4_K_M" && j.evaluator == EvaluatorKind::Perplexity) add = decision(0, 40, -4.0, -8, 0.5);
        j.metrics.insert(j.metrics.end(), add.begin(), add.end());
    }
    ResultsTableModel model;
    model.set_runs({r}, "F16");
    const int arc = column_of(model, "Decided (arc)");
    const int wiki = column_of(model, "Decided (wiki)");
    ASSERT_GE(arc, 1);
    ASSERT_GE(wiki, 1);
    // The three metrics are one column, not three.
    for (int c = 0; c < model.columnCount(); ++c) {
        const QString h = model.headerData(c, Qt::Horizontal).toString();
        EXPECT_FALSE(h.contains("Items (or chunks)") || h.contains("time-uniform") || h.contains("Verdict")) << h.toStdString();
    }
    const int q8 = row_of(model, "Q8_0"), q4 = row_of(model, "Q4_K_M"), base = row_of(model, "F16");
    EXPECT_EQ(model.index(q8, arc).data().toString(), "non-inferior after 212 items");
    EXPECT_EQ(model.index(q4, arc).data().toString(), "inferior after 57 items");
    EXPECT_EQ(model.index(q4, wiki).data().toString(), "not decided after 40 chunks");
    EXPECT_EQ(model.index(base, arc).data().toString(), "");
    EXPECT_EQ(model.index(q4, arc).data(ResultsTableModel::SortRole).toDouble(), 57.0);
    const QString tip = model.index(q8, arc).data(Qt::ToolTipRole).toString();
    EXPECT_TRUE(tip.contains("-0.4") || tip.contains(QString::fromUtf8("\u22120.4"))) << tip.toStdString();
    EXPECT_TRUE(tip.contains("[")) << tip.toStdString();

    // The differences of a stopped row are the paired ones on the subset it scored, not its value
    // against the baseline's value over every item: Q4_K_M's perplexity 4.0 % of mean NLL above
    // the baseline's on the same chunks is exp(0.04) - 1 = +4.08 %, not 11 against 10 (+10 %).
    const int ppl_delta = column_of(model, "Δ Perplexity (wiki) (%)");
    ASSERT_GE(ppl_delta, 1);
    EXPECT_NEAR(model.index(q4, ppl_delta).data(ResultsTableModel::SortRole).toDouble(), 100.0 * std::expm1(0.04), 1e-9);
    EXPECT_FALSE(model.index(q4, ppl_delta).data(ResultsTableModel::SignificantLossRole).toBool());  // its interval holds 0
    // A stopped row's other figures have no paired difference: no Δ rather than one that mixes
    // chunk sets (the accuracy's is the stored paired one, below).
    RunRecord r2 = r;
    for (JobRecord& j : r2.jobs)
        if (j.precision == "Q4_K_M" && j.evaluator == EvaluatorKind::Perplexity) j.metrics.push_back(test::metric("bits_per_byte", 5.0));
        else if (j.precision == "F16" && j.evaluator == EvaluatorKind::Perplexity) j.metrics.push_back(test::metric("bits_per_byte", 4.0));
    const ResultsGrid g2 = ResultsGrid::from_runs({r2}, "F16");
    const int bpb = g2.column_of("bits_per_byte", "wiki", "perplexity");
    ASSERT_GE(bpb, 0);
    EXPECT_EQ(g2.rows()[q4].precision, "Q4_K_M");
    EXPECT_TRUE(std::isnan(g2.compare(q4, bpb).delta));  // 5 against 4 would say +1 bit
    const int acc_delta = column_of(model, "Δ Accuracy (arc) (pp)");
    EXPECT_NEAR(model.index(q8, acc_delta).data(ResultsTableModel::SortRole).toDouble(), -2.0, 1e-9);  // not 59.5 - 60
    EXPECT_TRUE(model.index(q8, acc_delta).data(ResultsTableModel::SignificantLossRole).toBool());   // [-3, -1]
}
