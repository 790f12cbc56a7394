#include "pareto.h"

#include <algorithm>

namespace qs::charts {

QVector<ChartPoint> pareto_frontier(const QVector<ChartPoint>& points, bool lower_x_better, bool higher_y_better) {
    // a dominates b when it is at least as good on both axes and strictly better on one.
    auto better_x = [&](double a, double b) { return lower_x_better ? a < b : a > b; };
    auto better_y = [&](double a, double b) { return higher_y_better ? a > b : a < b; };
    auto dominates = [&](const ChartPoint& a, const ChartPoint& b) {
        const bool no_worse = !better_x(b.x, a.x) && !better_y(b.y, a.y);
        return no_worse && (better_x(a.x, b.x) || better_y(a.y, b.y));
    };
    QVector<ChartPoint> front;
    for (const auto& p : points) {
        if (std::isnan(p.x) || std::isnan(p.y)) continue;
        const bool dominated = std::any_of(points.begin(), points.end(), [&](const ChartPoint& q) { return dominates(q, p); });
        if (!dominated) front.push_back(p);
    }
    std::sort(front.begin(), front.end(), [](const ChartPoint& a, const ChartPoint& b) { return a.x < b.x; });
    return front;
}

}  // namespace qs::charts
