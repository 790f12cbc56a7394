// The Pareto frontier of a set of points: the ones no other point beats on both axes.
#pragma once

#include <QVector>

#include "chart_spec.h"

namespace qs::charts {

// Points of `points` on the frontier, sorted by x. lower_x_better / higher_y_better say which
// direction wins on each axis (perplexity: lower; accuracy: higher). Ties keep every tied point.
QVector<ChartPoint> pareto_frontier(const QVector<ChartPoint>& points, bool lower_x_better, bool higher_y_better);

}  // namespace qs::charts
