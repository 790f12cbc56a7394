// ChartView drawn with Qt Charts: scatter series with error bars (short line series) and point
// labels (text items placed after each layout), line series, bar sets; exact values on hover.
#pragma once

#include <QChartView>
#include <QVector>

#include "chart_view.h"

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

private:
    void add_xy_series(QChart* chart, const ChartSeries& s, const QColor& color);
    void add_bar_series(QChart* chart);
    void place_labels();
    void show_hover(const QPointF& value, bool state, const QString& series);

    struct PlacedLabel {
        QGraphicsSimpleTextItem* item;
        QPointF value;
        QAbstractSeries* series;
    };
    ChartSpec spec_;
    QVector<PlacedLabel> labels_;
    int drawn_points_ = 0;
};

}  // namespace qs::charts
