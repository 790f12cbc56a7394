#include "qtcharts_view.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QGraphicsLayout>
#include <QGraphicsSimpleTextItem>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QPainter>
#include <QScatterSeries>
#include <QToolTip>
#include <QValueAxis>
#include <algorithm>
#include <limits>

namespace qs::charts {
namespace {

// Colours that stay distinguishable in print and for the common colour-vision deficiencies
// (Okabe-Ito).
QColor palette_color(int i) {
    static const QColor colors[] = {QColor(0, 114, 178), QColor(230, 159, 0), QColor(0, 158, 115), QColor(204, 121, 167),
                                    QColor(86, 180, 233), QColor(213, 94, 0), QColor(240, 228, 66), QColor(0, 0, 0)};
    return colors[i % 8];
}

struct Range {
    double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
    void add(double v) {
        if (std::isnan(v)) return;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    bool valid() const { return lo <= hi; }
};

QAbstractAxis* make_axis(const ChartAxis& spec, Range r) {
    if (!r.valid()) r = {0, 1};
    if (spec.log) {
        auto* axis = new QLogValueAxis;
        axis->setTitleText(spec.title);
        axis->setLabelFormat("%g");
        const double lo = std::max(r.lo, 1e-12);
        axis->setRange(lo / 1.2, std::max(r.hi, lo) * 1.2);
        return axis;
    }
    auto* axis = new QValueAxis;
    axis->setTitleText(spec.title);
    const double pad = r.hi > r.lo ? 0.08 * (r.hi - r.lo) : std::max(std::abs(r.hi) * 0.1, 0.5);
    axis->setRange(r.lo - pad, r.hi + pad);
    axis->applyNiceNumbers();
    if (!std::isnan(spec.min) && !std::isnan(spec.max)) axis->setRange(spec.min, spec.max);
    return axis;
}

QString value_text(const ChartPoint& p, const ChartSpec& spec) {
    auto num = [](double v) { return QString::number(v, 'g', 6); };
    QString t = p.label.isEmpty() ? QString() : p.label + "\n";
    t += spec.x.title + ": " + num(p.x);
    if (!std::isnan(p.x_err)) t += " ± " + num(p.x_err);
    t += "\n" + spec.y.title + ": " + num(p.y);
    if (!std::isnan(p.y_err)) t += " ± " + num(p.y_err);
    return t;
}

}  // namespace

ChartView* chart_view_create(QWidget* parent) { return new QtChartsView(parent); }

QtChartsView::QtChartsView(QWidget* parent) : QChartView(parent) {
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(320, 240);
    set_chart(ChartSpec{});
}

void QtChartsView::set_chart(const ChartSpec& spec) {
    spec_ = spec;
    labels_.clear();
    drawn_points_ = 0;
    auto* chart = new QChart;
    chart->setTitle(spec.point_count() == 0 && !spec.empty_message.isEmpty() ? spec.title + " — " + spec.empty_message
                                                                           : spec.title);
    chart->legend()->setAlignment(Qt::AlignBottom);

    const bool bars = std::any_of(spec.series.begin(), spec.series.end(), [](const ChartSeries& s) { return s.kind == SeriesKind::Bar; });
    if (bars) {
        add_bar_series(chart);
    } else {
        Range rx, ry;
        for (const auto& s : spec.series)
            for (const auto& p : s.points) {
                rx.add(p.x - (std::isnan(p.x_err) ? 0 : p.x_err));
                rx.add(p.x + (std::isnan(p.x_err) ? 0 : p.x_err));
                ry.add(p.y - (std::isnan(p.y_err) ? 0 : p.y_err));
                ry.add(p.y + (std::isnan(p.y_err) ? 0 : p.y_err));
            }
        auto* ax = make_axis(spec.x, rx);
        auto* ay = make_axis(spec.y, ry);
        chart->addAxis(ax, Qt::AlignBottom);
        chart->addAxis(ay, Qt::AlignLeft);
        for (int i = 0; i < spec.series.size(); ++i) {
            const auto& s = spec.series[i];
            add_xy_series(chart, s, s.color.isValid() ? s.color : palette_color(i));
        }
        for (auto* series : chart->series()) {
            series->attachAxis(ax);
            series->attachAxis(ay);
        }
    }
    QChart* old = QChartView::chart();
    setChart(chart);  // the view owns the new chart
    delete old;
    connect(chart, &QChart::plotAreaChanged, this, [this] { place_labels(); });
    place_labels();
}

void QtChartsView::add_xy_series(QChart* chart, const ChartSeries& s, const QColor& color) {
    QXYSeries* series = nullptr;
    if (s.kind == SeriesKind::Line) {
        auto* line = new QLineSeries;
        QPen pen(color, 2);
        if (s.dashed) pen.setStyle(Qt::DashLine);
        line->setPen(pen);
        series = line;
    } else {
        auto* scatter = new QScatterSeries;
        scatter->setMarkerSize(11);
        scatter->setColor(color);
        scatter->setBorderColor(color.darker(140));
        series = scatter;
    }
    series->setName(s.name);
    for (const auto& p : s.points) series->append(p.x, p.y);
    drawn_points_ += int(s.points.size());
    chart->addSeries(series);
    const QString name = s.name;
    connect(series, &QXYSeries::hovered, this, [this, name](const QPointF& v, bool state) { show_hover(v, state, name); });

    if (s.kind != SeriesKind::Scatter) return;
    for (const auto& p : s.points) {
        // Error bars: one short line series per bar, kept out of the legend.
        auto add_bar = [&](QPointF a, QPointF b) {
            auto* bar = new QLineSeries;
            bar->setPen(QPen(color.darker(120), 1.5));
            bar->append(a);
            bar->append(b);
            chart->addSeries(bar);
            for (auto* marker : chart->legend()->markers(bar)) marker->setVisible(false);
        };
        if (!std::isnan(p.y_err) && p.y_err > 0) add_bar({p.x, p.y - p.y_err}, {p.x, p.y + p.y_err});
        if (!std::isnan(p.x_err) && p.x_err > 0) add_bar({p.x - p.x_err, p.y}, {p.x + p.x_err, p.y});
        if (!p.label.isEmpty()) {
            auto* item = new QGraphicsSimpleTextItem(p.label, chart);
            item->setFont(QFont(font().family(), 8));
            labels_.push_back({item, {p.x, p.y}, series});
        }
    }
}

void QtChartsView::add_bar_series(QChart* chart) {
    auto* bars = new QBarSeries;
    QStringList categories;
    Range ry;
    ry.add(0);
    for (int i = 0; i < spec_.series.size(); ++i) {
        const auto& s = spec_.series[i];
        auto* set = new QBarSet(s.name);
        set->setColor(s.color.isValid() ? s.color : palette_color(i));
        for (const auto& p : s.points) {
            if (categories.size() < int(&p - s.points.data()) + 1) categories << p.label;
            *set << p.y;
            ry.add(p.y);
        }
        drawn_points_ += int(s.points.size());
        const ChartSeries copy = s;
        connect(set, &QBarSet::hovered, this, [this, copy](bool state, int index) {
            if (!state || index < 0 || index >= copy.points.size()) return QToolTip::hideText();
            const auto& p = copy.points[index];
            QToolTip::showText(QCursor::pos(), copy.name + "\n" + p.label + ": " + QString::number(p.y, 'g', 6) + " " + spec_.y.title);
        });
        bars->append(set);
    }
    chart->addSeries(bars);
    auto* ax = new QBarCategoryAxis;
    ax->append(categories);
    ax->setTitleText(spec_.x.title);
    auto* ay = make_axis(spec_.y, ry);
    if (auto* value_axis = qobject_cast<QValueAxis*>(ay); value_axis && ry.lo >= 0) value_axis->setMin(0);  // bars grow from 0
    chart->addAxis(ax, Qt::AlignBottom);
    chart->addAxis(ay, Qt::AlignLeft);
    bars->attachAxis(ax);
    bars->attachAxis(ay);
}

void QtChartsView::place_labels() {
    QChart* chart = QChartView::chart();
    for (auto& l : labels_) {
        const QPointF pos = chart->mapToPosition(l.value, l.series);
        l.item->setPos(pos + QPointF(7, -16));
        l.item->setVisible(chart->plotArea().contains(pos));
    }
}

void QtChartsView::show_hover(const QPointF& value, bool state, const QString& series) {
    if (!state) return QToolTip::hideText();
    // The library reports the hovered value; find the spec point it came from for label and ±.
    for (const auto& s : spec_.series) {
        if (s.name != series) continue;
        for (const auto& p : s.points)
            if (qFuzzyCompare(p.x + 1, value.x() + 1) && qFuzzyCompare(p.y + 1, value.y() + 1))
                return QToolTip::showText(QCursor::pos(), s.name + "\n" + value_text(p, spec_), this);
    }
}

void QtChartsView::render_to(QPainter& painter, const QRectF& target) {
    // Lay the chart out at the target's size so text and markers keep their on-screen proportions,
    // draw it, and put it back.
    QChart* chart = QChartView::chart();
    const QRectF old = chart->geometry();
    chart->setGeometry(QRectF(QPointF(0, 0), target.size()));
    if (chart->layout()) chart->layout()->activate();
    place_labels();
    scene()->render(&painter, target, chart->geometry());
    chart->setGeometry(old);
    if (chart->layout()) chart->layout()->activate();
    place_labels();
}

}  // namespace qs::charts
