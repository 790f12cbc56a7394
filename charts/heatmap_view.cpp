#include "heatmap_view.h"

#include "chart_export.h"

#include <QBuffer>
#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>
#include <algorithm>

namespace qs::charts {

namespace {

// Where each part goes inside the rectangle; the widget's hover test uses the same layout.
struct Layout {
    QRect title, grid, bar;
    double cell_w = 0, cell_h = 0;
};

Layout layout_for(const QRect& r, const HeatmapSpec& s, const QFontMetrics& fm) {
    Layout l;
    const int line = fm.height();
    l.title = QRect(r.left() + 8, r.top() + 4, r.width() - 16, line * (s.note.isEmpty() ? 1 : 2) + 6);
    int label_w = 0;
    for (const QString& row : s.rows) label_w = std::max(label_w, fm.horizontalAdvance(row));
    const int left = r.left() + 12 + label_w, top = l.title.bottom() + line + 10;
    const int bar_w = 70 + fm.horizontalAdvance("0.000000");
    const int right = r.right() - bar_w, bottom = r.bottom() - 8;
    l.grid = QRect(left, top, std::max(10, right - left), std::max(10, bottom - top));
    l.bar = QRect(right + 16, top, 16, std::max(10, l.grid.height() - line - 6));  // its title below it
    l.cell_w = s.columns.isEmpty() ? 0 : double(l.grid.width()) / s.columns.size();
    l.cell_h = s.rows.isEmpty() ? 0 : double(l.grid.height()) / s.rows.size();
    return l;
}

// Light yellow -> orange -> dark red, t in [0, 1].
QColor ramp(double t) {
    t = std::clamp(t, 0.0, 1.0);
    const QColor stops[] = {QColor(255, 255, 204), QColor(254, 178, 76), QColor(240, 59, 32), QColor(128, 0, 38)};
    const double x = t * 3.0;
    const int i = std::min(2, int(x));
    const double f = x - i;
    auto mix = [&](int a, int b) { return int(a + (b - a) * f + 0.5); };
    return QColor(mix(stops[i].red(), stops[i + 1].red()), mix(stops[i].green(), stops[i + 1].green()),
                  mix(stops[i].blue(), stops[i + 1].blue()));
}

struct Scale {
    double lo = 0, hi = 1;
    bool log = true;
    double t(double v) const {
        if (log) v = v > 0 ? std::log10(v) : lo;
        return hi > lo ? (v - lo) / (hi - lo) : 0.5;
    }
    double value_at(double t) const {
        const double x = lo + t * (hi - lo);
        return log ? std::pow(10.0, x) : x;
    }
};

Scale scale_for(const HeatmapSpec& s) {
    Scale sc;
    sc.log = s.log_scale;
    bool first = true;
    for (double v : s.values) {
        if (std::isnan(v) || (sc.log && v <= 0)) continue;
        const double x = sc.log ? std::log10(v) : v;
        if (first) sc.lo = sc.hi = x, first = false;
        sc.lo = std::min(sc.lo, x);
        sc.hi = std::max(sc.hi, x);
    }
    return sc;
}

QString short_value(double v) {
    if (v == 0) return "0";
    if (std::abs(v) >= 0.01) return QString::number(v, 'f', 4);
    return QString::number(v, 'e', 2);
}

int cell_at(const Layout& l, const HeatmapSpec& s, QPoint p) {
    if (!l.grid.contains(p) || l.cell_w <= 0 || l.cell_h <= 0) return -1;
    const int c = std::min(int(s.columns.size()) - 1, int((p.x() - l.grid.left()) / l.cell_w));
    const int r = std::min(int(s.rows.size()) - 1, int((p.y() - l.grid.top()) / l.cell_h));
    return r * int(s.columns.size()) + c;
}

}  // namespace

void heatmap_paint(QPainter& p, const QRect& rect, const HeatmapSpec& s) {
    p.save();
    p.setRenderHint(QPainter::Antialiasing, false);
    QFont title_font = p.font();
    title_font.setBold(true);
    const QFontMetrics fm(p.font());
    const Layout l = layout_for(rect, s, fm);
    p.setPen(Qt::black);
    p.setFont(title_font);
    p.drawText(l.title, Qt::AlignLeft | Qt::AlignTop, s.title);
    p.setFont(QFont(p.font().family(), p.font().pointSize()));
    if (!s.note.isEmpty()) p.drawText(l.title.adjusted(0, fm.height() + 2, 0, 0), Qt::AlignLeft | Qt::AlignTop, s.note);
    if (s.empty()) {
        p.drawText(rect, Qt::AlignCenter, s.empty_message.isEmpty() ? QString("no data") : s.empty_message);
        p.restore();
        return;
    }
    const Scale sc = scale_for(s);
    // Column labels above the grid, row labels to its left.
    for (int c = 0; c < s.columns.size(); ++c)
        p.drawText(QRectF(l.grid.left() + c * l.cell_w, l.grid.top() - fm.height() - 4, l.cell_w, fm.height()),
                   Qt::AlignCenter, fm.elidedText(s.columns[c], Qt::ElideRight, int(l.cell_w) - 2));
    for (int r = 0; r < s.rows.size(); ++r)
        p.drawText(QRectF(rect.left(), l.grid.top() + r * l.cell_h, l.grid.left() - rect.left() - 6, l.cell_h),
                   Qt::AlignRight | Qt::AlignVCenter, s.rows[r]);
    for (int r = 0; r < s.rows.size(); ++r)
        for (int c = 0; c < s.columns.size(); ++c) {
            const QRectF cell(l.grid.left() + c * l.cell_w, l.grid.top() + r * l.cell_h, l.cell_w, l.cell_h);
            const double v = s.at(r, c);
            if (std::isnan(v)) {
                p.fillRect(cell, QColor(245, 245, 245));
                continue;
            }
            const double t = sc.t(v);
            p.fillRect(cell, ramp(t));
            p.setPen(t > 0.6 ? Qt::white : Qt::black);
            const int i = r * int(s.columns.size()) + c;
            const QString text = i < s.labels.size() && !s.labels[i].isEmpty() ? s.labels[i] : short_value(v);
            if (l.cell_w > fm.horizontalAdvance(text) + 4 && l.cell_h > fm.height()) p.drawText(cell, Qt::AlignCenter, text);
        }
    p.setPen(QColor(200, 200, 200));
    for (int r = 0; r <= s.rows.size(); ++r)
        p.drawLine(QPointF(l.grid.left(), l.grid.top() + r * l.cell_h), QPointF(l.grid.left() + s.columns.size() * l.cell_w, l.grid.top() + r * l.cell_h));
    for (int c = 0; c <= s.columns.size(); ++c)
        p.drawLine(QPointF(l.grid.left() + c * l.cell_w, l.grid.top()), QPointF(l.grid.left() + c * l.cell_w, l.grid.top() + s.rows.size() * l.cell_h));
    // Colour bar, largest at the top.
    for (int y = 0; y < l.bar.height(); ++y) p.fillRect(QRect(l.bar.left(), l.bar.top() + y, l.bar.width(), 1), ramp(1.0 - double(y) / std::max(1, l.bar.height() - 1)));
    p.setPen(Qt::black);
    p.drawRect(l.bar);
    for (double t : {1.0, 0.5, 0.0}) {
        const int y = l.bar.top() + int((1.0 - t) * l.bar.height());
        p.drawText(QRect(l.bar.right() + 4, y - fm.height() / 2, 200, fm.height()), Qt::AlignLeft | Qt::AlignVCenter,
                   short_value(sc.value_at(t)));
    }
    p.drawText(QRect(l.bar.left() - 4, l.bar.bottom() + 4, rect.right() - l.bar.left() + 4, fm.height()), Qt::AlignLeft,
               s.value_title + (s.log_scale ? " (log)" : ""));
    p.restore();
}

QImage heatmap_image(const HeatmapSpec& spec, QSize size) {
    QImage img(size, QImage::Format_ARGB32);
    img.fill(Qt::white);
    QPainter p(&img);
    heatmap_paint(p, img.rect(), spec);
    return img;
}

QByteArray heatmap_png_bytes(const HeatmapSpec& spec, QSize size) {
    QByteArray bytes;
    QBuffer buf(&bytes);
    buf.open(QIODevice::WriteOnly);
    heatmap_image(spec, size).save(&buf, "PNG");
    return bytes;
}

QByteArray heatmap_svg_bytes(const HeatmapSpec& spec, QSize size) {
    return svg_document_bytes(size, spec.title, [&](QPainter& p) {
        p.fillRect(QRect(QPoint(0, 0), size), Qt::white);
        heatmap_paint(p, QRect(QPoint(0, 0), size), spec);
    });
}

HeatmapView::HeatmapView(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setMinimumSize(320, 200);
}

void HeatmapView::set_heatmap(const HeatmapSpec& spec) {
    spec_ = spec;
    update();
}

void HeatmapView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), Qt::white);
    heatmap_paint(p, rect(), spec_);
}

bool HeatmapView::event(QEvent* e) {
    if (e->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(e);
        const int i = cell_at(layout_for(rect(), spec_, fontMetrics()), spec_, help->pos());
        if (i >= 0 && i < spec_.tooltips.size() && !spec_.tooltips[i].isEmpty())
            QToolTip::showText(help->globalPos(), spec_.tooltips[i], this);
        else
            QToolTip::hideText();
        return true;
    }
    return QWidget::event(e);
}

}  // namespace qs::charts
