#include <gtest/gtest.h>

#include "pareto.h"

using namespace qs::charts;

TEST(ParetoFrontier, KeepsOnlyUndominatedPointsSortedByX) {
    // Lower x (perplexity) and higher y (accuracy) are better.
    const QVector<ChartPoint> pts = {{10, 60, NAN, NAN, "a"}, {11, 62, NAN, NAN, "b"}, {12, 55, NAN, NAN, "c"},
                                     {9, 50, NAN, NAN, "d"}, {11, 61, NAN, NAN, "e"}};
    const auto front = pareto_frontier(pts, true, true);
    QStringList labels;
    for (const auto& p : front) labels << p.label;
    EXPECT_EQ(labels, (QStringList{"d", "a", "b"}));  // c is beaten by a; e by b
}

TEST(ParetoFrontier, DirectionsMatter) {
    const QVector<ChartPoint> pts = {{1, 1}, {2, 2}};
    EXPECT_EQ(pareto_frontier(pts, true, true).size(), 2);   // trade-off
    EXPECT_EQ(pareto_frontier(pts, true, false).size(), 1);  // (1,1) wins on both
    EXPECT_EQ(pareto_frontier(pts, true, false)[0].x, 1);
}
