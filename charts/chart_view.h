// The chart interface the rest of the GUI talks to. Pages hand a ChartSpec to a ChartView and
// never touch the charting library; chart_view_create() is the one place that picks it (Qt Charts
// today, qtcharts_view.cpp).
#pragma once

#include <QRectF>

#include "chart_spec.h"

class QPainter;
class QWidget;

namespace qs::charts {

class ChartView {
public:
    virtual ~ChartView() = default;

    virtual void set_chart(const ChartSpec& spec) = 0;
    virtual const ChartSpec& chart() const = 0;
    // The widget to put in a layout (owned by its Qt parent, as any widget).
    virtual QWidget* widget() = 0;
    // Draws the chart as it appears on screen into `target` of `painter` (export, report).
    virtual void render_to(QPainter& painter, const QRectF& target) = 0;
    // Data points handed to the charting library (error bars and frontier lines excluded): lets
    // tests check that what the spec asks for is really drawn.
    virtual int drawn_point_count() const = 0;
};

// A Qt Charts view, owned by `parent` (may be null: the caller owns widget()).
ChartView* chart_view_create(QWidget* parent = nullptr);

}  // namespace qs::charts
