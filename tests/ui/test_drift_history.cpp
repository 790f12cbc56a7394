// The Remote page's drift history: checks written by the monitor's store, read back as a series
// list, a table and a chart, with the flagged check where drift_test put it.
#include <QAbstractItemModelTester>
#include <gtest/gtest.h>

#include <filesystem>

#include "common/test_paths.h"
#include "drift_history_model.h"
#include "remote/drift_store.h"

using namespace qs;
using namespace qs::ui;

namespace {

DriftCheck check_with(int seq, double shift) {
    DriftCheck c;
    c.seq = seq;
    c.checked_at = "2026-12-02T05:0" + std::to_string(seq) + ":00Z";
    c.fingerprint = shift == 0 ? "fp_a" : "fp_b";
    for (int i = 0; i < 12; ++i) {
        const double lp = -1.0 - 0.2 * i + shift;
        c.items.push_back({lp, lp, "out " + std::to_string(i), "out " + std::to_string(i)});
    }
    return c;
}

}  // namespace

TEST(DriftHistory, StoredSeriesShowsItsChecksAndTheFlaggedOne) {
    const std::string path = qs::test::temp_dir() + "/drift_history.sqlite";
    std::filesystem::remove(path);
    {
        DriftStore store(path);
        const int64_t id = store.series("http://127.0.0.1:1/v1", "m1", "/tmp/golden.jsonl", "abc");
        DriftCheck first = check_with(1, 0);
        store.add_check(id, first);
        for (int seq = 2; seq <= 4; ++seq) {
            DriftCheck c = check_with(seq, seq == 4 ? -0.3 : 0);  // the served model changes before check 4
            drift_test(first, c, 0.05);
            store.add_check(id, c);
        }
    }
    DriftStore store(path);
    const auto series = store.series_list();
    ASSERT_EQ(series.size(), 1u);
    EXPECT_EQ(series[0].checks, 4);
    EXPECT_EQ(series[0].flagged, 1);
    EXPECT_EQ(series[0].last_check, "2026-12-02T05:04:00Z");

    DriftHistoryModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Warning);
    model.set_checks(store.checks(series[0].id));
    ASSERT_EQ(model.rowCount(), 4);
    EXPECT_EQ(model.index(0, DriftHistoryModel::MeanDelta).data().toString(), "reference");
    EXPECT_EQ(model.index(1, DriftHistoryModel::Verdict).data().toString(), "no change");
    EXPECT_EQ(model.index(3, DriftHistoryModel::Verdict).data().toString(), "CHANGED");
    EXPECT_EQ(model.index(3, DriftHistoryModel::MeanDelta).data().toString(), "-0.3000");
    EXPECT_EQ(model.index(3, DriftHistoryModel::Fingerprint).data().toString(), "fp_b");

    const charts::ChartSpec spec = drift_history_chart(model.checks(), "m1");
    ASSERT_EQ(spec.series.size(), 3);
    EXPECT_EQ(spec.series[1].points.size(), 3);  // checks 1-3: no evidence
    ASSERT_EQ(spec.series[2].points.size(), 1);  // check 4: flagged
    EXPECT_EQ(spec.series[2].points[0].x, 4);
    EXPECT_NEAR(spec.series[2].points[0].y, -0.3, 1e-12);
    EXPECT_EQ(drift_history_chart({model.checks()[0]}, "m1").point_count(), 0);  // one check: nothing to compare
}
