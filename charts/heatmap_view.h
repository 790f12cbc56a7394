// Draws a HeatmapSpec with QPainter: one coloured cell per value (light = small, dark red = large,
// on a log scale by default) with the value printed in it, row and column labels, and a colour bar.
// The same painting serves the widget (hover shows the cell's tooltip) and the images the report
// and exports embed.
#pragma once

#include <QImage>
#include <QWidget>

#include "heatmap_spec.h"

namespace qs::charts {

// Paints the heatmap into `rect` of any QPaintDevice.
void heatmap_paint(QPainter& painter, const QRect& rect, const HeatmapSpec& spec);
// The heatmap as an image (white background) and as PNG bytes.
QImage heatmap_image(const HeatmapSpec& spec, QSize size);
QByteArray heatmap_png_bytes(const HeatmapSpec& spec, QSize size);
// The heatmap as an SVG document (the HTML report embeds it).
QByteArray heatmap_svg_bytes(const HeatmapSpec& spec, QSize size);

class HeatmapView : public QWidget {
    Q_OBJECT
public:
    explicit HeatmapView(QWidget* parent = nullptr);
    void set_heatmap(const HeatmapSpec& spec);
    const HeatmapSpec& heatmap() const { return spec_; }
    QSize sizeHint() const override { return {760, 420}; }

protected:
    void paintEvent(QPaintEvent*) override;
    bool event(QEvent* e) override;  // tooltips

private:
    HeatmapSpec spec_;
};

}  // namespace qs::charts
