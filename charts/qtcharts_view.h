// ChartView drawn with Qt Charts: scatter series (one marker shape each) over their error bars,
// point labels placed so they do not collide (leader lines where a label had to move away), line
// series, bars coloured per category with error bars and value labels, stacked bars; exact values
// on hover.
#pragma once

#include <QChartView>
#include <QVector>

#include "chart_view.h"

class QGraphicsLineItem;
class QGraphicsSimpleTextItem;

namespace qs::charts {

class QtChartsView : public QChartView, public ChartView {
    Q_OBJECT
public:
    explicit QtChartsView(QWidget* parent = nullptr);

    void set_chart(const ChartSpec& spec) override;
    const ChartSpec& chart() const override { return spec_; }
    QWidget* widget() override { return this; }
    void render_to(QPainter& painter, const QRectF& target) override;
    int drawn_point_count() const override { return drawn_points_; }

    // For tests: what the last hover showed ("" when nothing), and the labels' scene rectangles
    // after the last layout (to check that none overlap).
    const QString& last_hover_text() const { return hover_text_; }
    QVector<QRectF> label_rects() const;

private:
    void add_xy_series(QChart* chart, const ChartSeries& s, const QColor& color);
    void add_bar_series(QChart* chart);
    void place_labels();
    void show_hover(const QPointF& value, bool state, const QString& series);
    void show_tooltip();

    struct PlacedLabel {
        QGraphicsSimpleTextItem* item;
        QGraphicsLineItem* leader;     // drawn when the label had to move away from its point
        QPointF value;
        QAbstractSeries* series;       // whose axes map `value` to the scene
        bool above_only = false;       // bar value labels: centred above the bar
    };
    ChartSpec spec_;
    QVector<PlacedLabel> labels_;
    QVector<QPair<QPointF, QAbstractSeries*>> markers_;  // every drawn point: labels keep clear of them
    int drawn_points_ = 0;
    QString hover_text_;
};

}  // namespace qs::charts
