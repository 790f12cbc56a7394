#include <QFile>
#include <gtest/gtest.h>

#include "common/test_paths.h"
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
