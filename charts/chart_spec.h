// What a chart shows, as plain data: QuantScope's own chart description, independent of the
// library that draws it. Pages and the report build ChartSpecs from results; a ChartView
// (chart_view.h) draws one. Replacing Qt Charts means writing one more ChartView, nothing else.
#pragma once

#include <QColor>
#include <QString>
#include <QVector>
#include <cmath>

namespace qs::charts {

// The i-th colour of the palette every chart and the report use: Okabe-Ito, distinguishable in
// print and for the common colour-vision deficiencies (yellow last: weak on white).
inline QColor palette_color(int i) {
    static const QColor colors[] = {QColor(0, 114, 178), QColor(213, 94, 0), QColor(0, 158, 115), QColor(204, 121, 167),
                                    QColor(230, 159, 0), QColor(86, 180, 233), QColor(0, 0, 0), QColor(240, 228, 66)};
    return colors[(i % 8 + 8) % 8];
}

// Marker shapes, so precisions stay apart when colour is taken by the model (cross-model charts)
// and in grey-scale print.
enum class Marker { Circle, Square, Triangle, Diamond, Star, Pentagon };

struct ChartPoint {
    double x = 0, y = 0;
    double x_err = NAN, y_err = NAN;  // half-width of the error bar; NaN = none
    QString label;                     // drawn beside the point and shown on hover ("Q4_K_M")
    QColor color;                      // invalid = the series colour (Bar: each bar its own colour)
};

enum class SeriesKind {
    Scatter,     // markers, optional error bars and labels
    Line,        // points joined in order (a Pareto frontier, a reference diagonal)
    Bar,         // one bar per point; label = the category name; y_err draws an error bar
    StackedBar,  // one segment per point, stacked with the other StackedBar series of the chart
};

struct ChartSeries {
    QString name;               // legend entry
    SeriesKind kind = SeriesKind::Scatter;
    QVector<ChartPoint> points;
    QColor color;               // invalid = the view's palette
    bool dashed = false;        // Line only
    Marker marker = Marker::Circle;  // Scatter only
    bool in_legend = true;
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
    QString subtitle;       // the context an exported chart needs: model, dataset, hardware, date
    QString caption;        // how to read it, for the report ("Lower left is better; ...")

    int point_count() const {
        int n = 0;
        for (const auto& s : series) n += int(s.points.size());
        return n;
    }
};

}  // namespace qs::charts
