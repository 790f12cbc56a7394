// Writes a chart to a file: PNG, SVG or PDF, chosen by the file's suffix. Used by the Charts page's
// export buttons and by the report.
#pragma once

#include <QSize>
#include <functional>

class QPainter;
#include <QString>

#include "chart_spec.h"

namespace qs::charts {

class ChartView;

// Throws qs::Error("<path>: ...") for an unknown suffix or a file that cannot be written.
void chart_export(ChartView& view, const QString& path, QSize size = {1200, 800});

// Draws `spec` off screen (a temporary view) and writes it as above.
void chart_export(const ChartSpec& spec, const QString& path, QSize size = {1200, 800});

// The chart as a PNG or an SVG document in memory (the HTML report embeds the SVG).
QByteArray chart_png_bytes(const ChartSpec& spec, QSize size = {1000, 650});
QByteArray chart_svg_bytes(const ChartSpec& spec, QSize size = {1000, 650});
// An SVG document of `size` titled `title`, drawn by `paint` (charts and heatmaps share it).
QByteArray svg_document_bytes(QSize size, const QString& title, const std::function<void(QPainter&)>& paint);

}  // namespace qs::charts
