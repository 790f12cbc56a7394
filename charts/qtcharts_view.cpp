#include "qtcharts_view.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QGraphicsLayout>
#include <QGraphicsLineItem>
#include <QGraphicsSimpleTextItem>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QPainter>
#include <QScatterSeries>
#include <QStackedBarSeries>
#include <QToolTip>
#include <QValueAxis>
#include <algorithm>
#include <limits>
#include <numeric>

namespace qs::charts {
namespace {

struct Range {
    double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
    void add(double v) {
        if (std::isnan(v) || std::isinf(v)) return;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    bool valid() const { return lo <= hi; }
};

QAbstractAxis* make_axis(const ChartAxis& spec, Range r, bool from_zero = false) {
    if (!r.valid()) r = {0, 1};
    if (spec.log) {
        auto* axis = new QLogValueAxis;
        axis->setTitleText(spec.title);
        axis->setLabelFormat("%g");
        axis->setMinorTickCount(-1);
        axis->setMinorGridLineColor(QColor(236, 236, 236));
        const double lo = std::max(r.lo, 1e-12);
        // Whole decades, so the tick labels are 0.001, 0.01, 0.1 ... and never below zero.
        axis->setRange(std::pow(10.0, std::floor(std::log10(lo))), std::pow(10.0, std::ceil(std::log10(std::max(r.hi, lo) * 1.05))));
        return axis;
    }
    auto* axis = new QValueAxis;
    axis->setTitleText(spec.title);
    axis->setLabelFormat("%.4g");  // "10000", "0.5": no "10000.0"
    const double pad = r.hi > r.lo ? 0.08 * (r.hi - r.lo) : std::max(std::abs(r.hi) * 0.1, 0.5);
    double lo = r.lo - pad, hi = r.hi + pad;
    // Padding never takes non-negative data below zero: an axis of accuracies that are all 0 runs
    // 0..0.5, not -0.6..0.6, where Qt's ticks (added up from the minimum) put "5.551e-17" at zero.
    if ((from_zero || lo < 0) && r.lo >= 0) lo = 0;
    axis->setRange(lo, hi);
    axis->applyNiceNumbers();
    if (!std::isnan(spec.min) && !std::isnan(spec.max)) axis->setRange(spec.min, spec.max);
    // Ticks at whole multiples of the interval, counted from 0: Qt's fixed ticks are min + i * step,
    // which puts "-2.776e-17" where 0 belongs on an axis that crosses zero.
    if (axis->tickCount() > 1) {
        axis->setTickType(QValueAxis::TicksDynamic);
        axis->setTickAnchor(0.0);
        axis->setTickInterval((axis->max() - axis->min()) / (axis->tickCount() - 1));
    }
    return axis;
}

QString num(double v) { return QString::number(v, 'g', 5); }

QString value_text(const ChartPoint& p, const ChartSpec& spec) {
    QString t = p.label.isEmpty() ? QString() : p.label + "\n";
    t += spec.x.title + ": " + num(p.x);
    if (!std::isnan(p.x_err)) t += QString::fromUtf8(" ± ") + num(p.x_err);
    t += "\n" + spec.y.title + ": " + num(p.y);
    if (!std::isnan(p.y_err)) t += QString::fromUtf8(" ± ") + num(p.y_err);
    return t;
}

QScatterSeries::MarkerShape marker_shape(Marker m) {
    switch (m) {
    case Marker::Square: return QScatterSeries::MarkerShapeRectangle;
    case Marker::Triangle: return QScatterSeries::MarkerShapeTriangle;
    case Marker::Diamond: return QScatterSeries::MarkerShapeRotatedRectangle;
    case Marker::Star: return QScatterSeries::MarkerShapeStar;
    case Marker::Pentagon: return QScatterSeries::MarkerShapePentagon;
    case Marker::Circle: break;
    }
    return QScatterSeries::MarkerShapeCircle;
}

void hide_from_legend(QChart* chart, QAbstractSeries* s) {
    for (auto* marker : chart->legend()->markers(s)) marker->setVisible(false);
}

// A short value for a bar's top: "412", "3.21", "0.0123".
QString bar_value_text(double v) {
    const double a = std::abs(v);
    if (a >= 100) return QString::number(v, 'f', 0);
    if (a >= 1) return QString::number(v, 'f', a >= 10 ? 1 : 2);
    return QString::number(v, 'g', 3);
}

}  // namespace

ChartView* chart_view_create(QWidget* parent) { return new QtChartsView(parent); }

QtChartsView::QtChartsView(QWidget* parent) : QChartView(parent) {
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(320, 240);
    setMouseTracking(true);
    set_chart(ChartSpec{});
}

void QtChartsView::set_chart(const ChartSpec& spec) {
    spec_ = spec;
    labels_.clear();
    markers_.clear();
    drawn_points_ = 0;
    hover_text_.clear();
    auto* chart = new QChart;
    const QString title = spec.point_count() == 0 && !spec.empty_message.isEmpty()
                              ? spec.title + QString::fromUtf8(" — ") + spec.empty_message
                              : spec.title;
    // The title item renders rich text: the subtitle (model, dataset, machine, date) under it.
    QString html = "<b>" + title.toHtmlEscaped() + "</b>";
    if (!spec.subtitle.isEmpty()) html += "<br><span style='font-size:small; color:#555555'>" + spec.subtitle.toHtmlEscaped() + "</span>";
    chart->setTitle(html);
    chart->legend()->setAlignment(Qt::AlignBottom);

    const bool bars = std::any_of(spec.series.begin(), spec.series.end(), [](const ChartSeries& s) {
        return s.kind == SeriesKind::Bar || s.kind == SeriesKind::StackedBar;
    });
    if (spec.point_count() == 0) {
        // Nothing to plot: the title says why; axes over a made-up range (-0.5..1.5) would look
        // like data.
    } else if (bars) {
        add_bar_series(chart);
    } else {
        chart->legend()->setMarkerShape(QLegend::MarkerShapeFromSeries);  // a scatter's entry shows its marker
        Range rx, ry;
        for (const auto& s : spec.series)
            for (const auto& p : s.points) {
                const double ex = std::isnan(p.x_err) ? 0 : p.x_err, ey = std::isnan(p.y_err) ? 0 : p.y_err;
                rx.add(p.x - ex);
                rx.add(p.x + ex);
                ry.add(spec.y.log ? p.y : p.y - ey);  // a log axis starts at the values, not below zero
                ry.add(p.y + ey);
                if (spec.y.log && ey > 0 && p.y - ey > 0) ry.add(p.y - ey);
            }
        auto* ax = make_axis(spec.x, rx);
        auto* ay = make_axis(spec.y, ry);
        chart->addAxis(ax, Qt::AlignBottom);
        chart->addAxis(ay, Qt::AlignLeft);
        // Lines and error bars first, markers last: the item added last is on top and takes the
        // hover, so the points (not the bars or the frontier) answer the mouse.
        for (int pass = 0; pass < 2; ++pass)
            for (int i = 0; i < spec.series.size(); ++i) {
                const auto& s = spec.series[i];
                if ((s.kind == SeriesKind::Scatter) != (pass == 1)) continue;
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
    if (s.kind == SeriesKind::Line) {
        auto* line = new QLineSeries;
        QPen pen(color, 2);
        if (s.dashed) pen.setStyle(Qt::DashLine);
        line->setPen(pen);
        line->setName(s.name);
        for (const auto& p : s.points) line->append(p.x, p.y);
        drawn_points_ += int(s.points.size());
        chart->addSeries(line);
        if (!s.in_legend) hide_from_legend(chart, line);
        return;
    }
    // Error bars: one short line series per bar, under the markers and kept out of the legend.
    for (const auto& p : s.points) {
        auto add_bar = [&](QPointF a, QPointF b) {
            auto* bar = new QLineSeries;
            bar->setPen(QPen(color.darker(115), 1.5));
            bar->append(a);
            bar->append(b);
            chart->addSeries(bar);
            hide_from_legend(chart, bar);
        };
        if (!std::isnan(p.y_err) && p.y_err > 0) add_bar({p.x, p.y - p.y_err}, {p.x, p.y + p.y_err});
        if (!std::isnan(p.x_err) && p.x_err > 0) add_bar({p.x - p.x_err, p.y}, {p.x + p.x_err, p.y});
    }
    auto* scatter = new QScatterSeries;
    scatter->setMarkerShape(marker_shape(s.marker));
    scatter->setMarkerSize(s.marker == Marker::Circle ? 11 : 13);
    scatter->setColor(color);
    scatter->setBorderColor(color.darker(140));
    scatter->setName(s.name);
    for (const auto& p : s.points) scatter->append(p.x, p.y);
    drawn_points_ += int(s.points.size());
    chart->addSeries(scatter);
    if (!s.in_legend) hide_from_legend(chart, scatter);
    const QString name = s.name;
    connect(scatter, &QXYSeries::hovered, this, [this, name](const QPointF& v, bool state) { show_hover(v, state, name); });
    for (const auto& p : s.points) {
        markers_.push_back({{p.x, p.y}, scatter});
        if (p.label.isEmpty()) continue;
        auto* item = new QGraphicsSimpleTextItem(p.label, chart);
        item->setFont(QFont(font().family(), 8));
        auto* leader = new QGraphicsLineItem(chart);
        leader->setPen(QPen(QColor(120, 120, 120), 0.8));
        leader->setVisible(false);
        labels_.push_back({item, leader, {p.x, p.y}, scatter});
    }
}

void QtChartsView::add_bar_series(QChart* chart) {
    // Categories in order of first appearance over every bar series.
    // A log axis cannot show zero: such bars are left out, and an empty slot of a set holds a value
    // far below any axis instead of 0 (Qt would take its logarithm).
    const double none = spec_.y.log ? 1e-30 : 0;
    QStringList categories;
    for (const auto& s : spec_.series)
        for (const auto& p : s.points)
            if (!categories.contains(p.label) && (p.y > 0 || !spec_.y.log)) categories << p.label;
    auto value_at = [](const ChartSeries& s, const QString& category) -> const ChartPoint* {
        for (const auto& p : s.points)
            if (p.label == category) return &p;
        return nullptr;
    };

    QVector<const ChartSeries*> plain, stacked;
    for (const auto& s : spec_.series) (s.kind == SeriesKind::StackedBar ? stacked : plain).push_back(&s);
    Range ry;
    QVector<double> top(categories.size(), 0);  // where each category's bars end (value labels go above)

    QAbstractBarSeries* bars = nullptr;
    if (!stacked.isEmpty()) {
        // Components stacked per category (memory: weights + KV cache + runtime).
        bars = new QStackedBarSeries;
        for (int i = 0; i < stacked.size(); ++i) {
            auto* set = new QBarSet(stacked[i]->name);
            set->setColor(stacked[i]->color.isValid() ? stacked[i]->color : palette_color(i));
            for (int c = 0; c < categories.size(); ++c) {
                const ChartPoint* p = value_at(*stacked[i], categories[c]);
                *set << (p ? p->y : none);
                top[c] += p ? p->y : 0;
            }
            drawn_points_ += int(stacked[i]->points.size());
            const ChartSeries copy = *stacked[i];
            connect(set, &QBarSet::hovered, this, [this, copy, categories](bool state, int index) {
                if (!state || index < 0 || index >= categories.size()) return QToolTip::hideText();
                for (const auto& p : copy.points)
                    if (p.label == categories[index]) {
                        hover_text_ = copy.name + "\n" + p.label + ": " + num(p.y) + " " + spec_.y.title;
                        show_tooltip();
                    }
            });
            bars->append(set);
        }
    } else if (plain.size() == 1) {
        // One bar per category in the category's own colour: a stacked series whose sets each fill
        // one category (Qt Charts colours whole sets, not single bars).
        bars = new QStackedBarSeries;
        const ChartSeries& s = *plain.front();
        for (int c = 0; c < categories.size(); ++c) {
            const ChartPoint* p = value_at(s, categories[c]);
            auto* set = new QBarSet(categories[c]);
            set->setColor(p && p->color.isValid() ? p->color : s.color.isValid() ? s.color : palette_color(0));
            for (int k = 0; k < categories.size(); ++k) *set << (k == c && p ? p->y : none);
            top[c] = p ? p->y + (std::isnan(p->y_err) ? 0 : p->y_err) : 0;
            const ChartPoint point = p ? *p : ChartPoint{};
            connect(set, &QBarSet::hovered, this, [this, point, name = s.name](bool state, int) {
                if (!state) return QToolTip::hideText();
                hover_text_ = name + "\n" + point.label + ": " + num(point.y);
                if (!std::isnan(point.y_err)) hover_text_ += QString::fromUtf8(" ± ") + num(point.y_err);
                hover_text_ += " " + spec_.y.title;
                show_tooltip();
            });
            bars->append(set);
        }
        drawn_points_ += int(s.points.size());
    } else {
        // Several series side by side, one colour per series.
        bars = new QBarSeries;
        for (int i = 0; i < plain.size(); ++i) {
            auto* set = new QBarSet(plain[i]->name);
            set->setColor(plain[i]->color.isValid() ? plain[i]->color : palette_color(i));
            for (int c = 0; c < categories.size(); ++c) {
                const ChartPoint* p = value_at(*plain[i], categories[c]);
                *set << (p ? p->y : none);
                if (p) top[c] = std::max(top[c], p->y);
            }
            drawn_points_ += int(plain[i]->points.size());
            bars->append(set);
        }
    }
    for (double t : top) ry.add(t);
    for (const auto& s : spec_.series)
        for (const auto& p : s.points)
            if (p.y > 0 || !spec_.y.log) ry.add(p.y);
    if (!spec_.y.log) ry.add(0);
    chart->addSeries(bars);
    auto* ax = new QBarCategoryAxis;
    ax->append(categories);
    ax->setTitleText(spec_.x.title);
    // Long names (API models) would be elided side by side: slant them.
    int longest = 0;
    for (const QString& c : categories) longest = std::max(longest, int(c.size()));
    if (categories.size() > 5 && longest > 10) ax->setLabelsAngle(-30);
    Range padded = ry;
    if (spec_.y.log) padded.hi *= 1.6;  // room for the value labels above the tallest bar
    else padded.hi += 0.06 * (ry.hi - std::min(0.0, ry.lo));
    auto* ay = make_axis(spec_.y, padded, true);
    chart->addAxis(ax, Qt::AlignBottom);
    chart->addAxis(ay, Qt::AlignLeft);
    bars->attachAxis(ax);
    bars->attachAxis(ay);
    if (plain.size() == 1 && stacked.isEmpty()) hide_from_legend(chart, bars);  // the axis names the bars

    // Error bars (an I-beam per bar) and an invisible anchor series whose axes map values to the
    // scene for the value labels.
    auto* anchor = new QLineSeries;
    anchor->setPen(Qt::NoPen);
    anchor->append(0, ry.valid() ? std::max(ry.lo, spec_.y.log ? 1e-12 : ry.lo) : 0);
    chart->addSeries(anchor);
    anchor->attachAxis(ax);
    anchor->attachAxis(ay);
    hide_from_legend(chart, anchor);
    if (plain.size() == 1 && stacked.isEmpty())
        for (const auto& p : plain.front()->points) {
            const double x = categories.indexOf(p.label);
            if (std::isnan(p.y_err) || p.y_err <= 0) continue;
            const double lo = spec_.y.log ? std::max(p.y - p.y_err, p.y * 0.05) : p.y - p.y_err, hi = p.y + p.y_err;
            auto* beam = new QLineSeries;
            beam->setPen(QPen(QColor(40, 40, 40), 1.5));
            for (QPointF q : {QPointF(x - 0.12, lo), QPointF(x + 0.12, lo), QPointF(x, lo), QPointF(x, hi), QPointF(x - 0.12, hi),
                              QPointF(x + 0.12, hi)})
                beam->append(q);
            chart->addSeries(beam);
            beam->attachAxis(ax);
            beam->attachAxis(ay);
            hide_from_legend(chart, beam);
        }
    // Value labels above each category (bar charts are read for their numbers).
    if (plain.size() <= 1)
        for (int c = 0; c < categories.size(); ++c) {
            if (top[c] <= 0) continue;
            double shown = 0;
            for (const auto* s : plain.isEmpty() ? stacked : plain)
                if (const ChartPoint* p = value_at(*s, categories[c])) shown += p->y;
            auto* item = new QGraphicsSimpleTextItem(bar_value_text(shown), chart);
            item->setFont(QFont(font().family(), 8));
            labels_.push_back({item, nullptr, {double(c), top[c]}, anchor, true});
        }
}

void QtChartsView::place_labels() {
    QChart* chart = QChartView::chart();
    const QRectF plot = chart->plotArea();
    // Obstacles: every marker, then each label as it is placed.
    QVector<QRectF> taken;
    for (const auto& [value, series] : markers_) {
        const QPointF pos = chart->mapToPosition(value, series);
        taken.push_back(QRectF(pos - QPointF(7, 7), QSizeF(14, 14)));
    }
    // Left to right, so neighbours negotiate in reading order.
    QVector<int> order(labels_.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return labels_[a].value.x() < labels_[b].value.x(); });
    for (int i : order) {
        auto& l = labels_[i];
        const QPointF pos = chart->mapToPosition(l.value, l.series);
        const QSizeF size = l.item->boundingRect().size();
        if (l.above_only) {
            l.item->setPos(pos + QPointF(-size.width() / 2, -size.height() - 2));
            l.item->setVisible(plot.adjusted(-2, -size.height() - 6, 2, 2).contains(pos));
            continue;
        }
        // Candidate places around the point, nearest first, then further out.
        QRectF best;
        double best_overlap = std::numeric_limits<double>::infinity();
        bool moved = false;
        for (double dist : {1.0, 2.0, 3.5, 5.0}) {
            const double d = 8 * dist;
            const QPointF offsets[] = {{d, -size.height() / 2},
                                       {d, -size.height() - d / 2},
                                       {-size.width() / 2, -size.height() - d},
                                       {-size.width() - d, -size.height() - d / 2},
                                       {-size.width() - d, -size.height() / 2},
                                       {d, d / 2},
                                       {-size.width() / 2, d},
                                       {-size.width() - d, d / 2}};
            for (const QPointF& o : offsets) {
                const QRectF r(pos + o, size);
                double overlap = plot.contains(r) ? 0 : 1e6;
                for (const QRectF& t : taken) {
                    const QRectF x = r.intersected(t);
                    if (!x.isEmpty()) overlap += x.width() * x.height();
                }
                if (overlap < best_overlap) {
                    best_overlap = overlap;
                    best = r;
                    moved = dist > 1.0;
                }
                if (overlap == 0) break;
            }
            if (best_overlap == 0) break;
        }
        l.item->setPos(best.topLeft());
        l.item->setVisible(plot.contains(pos));
        taken.push_back(best);
        if (l.leader) {
            // A leader line from the marker's edge to the nearest point of the label.
            const QPointF target(std::clamp(pos.x(), best.left(), best.right()), std::clamp(pos.y(), best.top(), best.bottom()));
            l.leader->setLine(QLineF(pos, target));
            l.leader->setVisible(moved && plot.contains(pos));
        }
    }
}

QVector<QRectF> QtChartsView::label_rects() const {
    QVector<QRectF> out;
    for (const auto& l : labels_)
        if (l.item->isVisible()) out.push_back(QRectF(l.item->pos(), l.item->boundingRect().size()));
    return out;
}

void QtChartsView::show_hover(const QPointF& value, bool state, const QString& series) {
    if (!state) return QToolTip::hideText();
    // The library reports the hovered value; find the spec point it came from for label and ±.
    for (const auto& s : spec_.series) {
        if (s.name != series) continue;
        for (const auto& p : s.points)
            if (qFuzzyCompare(p.x + 1, value.x() + 1) && qFuzzyCompare(p.y + 1, value.y() + 1)) {
                hover_text_ = value_text(p, spec_);
                return show_tooltip();
            }
    }
}

void QtChartsView::show_tooltip() {
    if (isVisible()) QToolTip::showText(QCursor::pos(), hover_text_, this);  // a view off screen (export) has no tooltip
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
