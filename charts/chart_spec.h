// What a chart shows, as plain data: QuantScope's own chart description, independent of the
// library that draws it. Pages and the report build ChartSpecs from results; a ChartView
// (chart_view.h) draws one. Replacing Qt Charts means writing one more ChartView, nothing else.
#pragma once

#include <QColor>
#include <QString>
#include <QVector>
#include <cmath>

namespace qs::charts {

struct ChartPoint {
    double x = 0, y = 0;
    double x_err = NAN, y_err = NAN;  // half-width of the error bar; NaN = none
    QString label;                     // drawn beside the point and shown on hover ("Q4_K_M")
};

enum class SeriesKind {
    Scatter,  // markers, optional error bars and labels
    Line,     // points joined in order (a Pareto frontier, a reference diagonal)
    Bar,      // one bar per point; x is the category index, label the category name
};

struct ChartSeries {
    QString name;               // legend entry
    SeriesKind kind = SeriesKind::Scatter;
    QVector<ChartPoint> points;
    QColor color;               // invalid = the view's palette
    bool dashed = false;        // Line only
};

struct ChartAxis {
    QString title;      // "Perplexity", "Accuracy (%)"
    bool log = false;   // logarithmic scale (values must be > 0)
    double min = NAN, max = NAN;  // fixed range (a reliability diagram's 0..100); NaN = from the data
};

struct ChartSpec {
    QString id;         // stable file-name stem for export ("ppl_vs_acc")
    QString title;
    ChartAxis x, y;
    QVector<ChartSeries> series;
    QString empty_message;  // shown instead of the plot when no series has points

    int point_count() const {
        int n = 0;
        for (const auto& s : series) n += int(s.points.size());
        return n;
    }
};

}  // namespace qs::charts
