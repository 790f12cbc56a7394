#include "chart_export.h"

#include <QBuffer>
#include <QFileInfo>
#include <QImage>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>
#include <QWidget>
#include <QSvgGenerator>
#include <memory>

#include "chart_view.h"
#include "core/error.h"

namespace qs::charts {
namespace {

[[noreturn]] void fail(const QString& path, const char* what) { throw qs::Error(path.toStdString() + ": " + what); }

QImage render_image(ChartView& view, QSize size) {
    QImage image(size, QImage::Format_ARGB32);
    image.fill(Qt::white);
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    view.render_to(painter, QRectF(QPointF(0, 0), QSizeF(size)));
    return image;
}

}  // namespace

void chart_export(ChartView& view, const QString& path, QSize size) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix != "png" && suffix != "svg" && suffix != "pdf") fail(path, "unknown chart format (use .png, .svg or .pdf)");
    QSaveFile file(path);  // whole or not at all: a temporary renamed into place by commit()
    if (!file.open(QIODevice::WriteOnly)) fail(path, "cannot create the file");
    if (suffix == "png") {
        if (!render_image(view, size).save(&file, "PNG")) fail(path, "cannot write the PNG file");
    } else if (suffix == "svg") {
        QSvgGenerator svg;
        svg.setOutputDevice(&file);
        svg.setSize(size);
        svg.setViewBox(QRect(QPoint(0, 0), size));
        svg.setTitle(view.chart().title);
        QPainter painter;
        if (!painter.begin(&svg)) fail(path, "cannot write the SVG file");
        view.render_to(painter, QRectF(QPointF(0, 0), QSizeF(size)));
        painter.end();
    } else {
        QPdfWriter pdf(&file);
        pdf.setTitle(view.chart().title);
        pdf.setResolution(96);  // one PDF pixel per screen pixel: the page is the chart's size
        pdf.setPageSize(QPageSize(QSizeF(size) * 72.0 / 96.0, QPageSize::Point));
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
        QPainter painter;
        if (!painter.begin(&pdf)) fail(path, "cannot write the PDF file");
        view.render_to(painter, QRectF(painter.viewport()));
        painter.end();
    }
    if (!file.commit()) fail(path, "write failed");
}

// A view of `spec` at `size`, off any window: what every export draws from.
static std::unique_ptr<ChartView> chart_view_for(const ChartSpec& spec, QSize size) {
    std::unique_ptr<ChartView> view(chart_view_create(nullptr));
    view->widget()->resize(size);
    view->set_chart(spec);
    return view;
}

void chart_export(const ChartSpec& spec, const QString& path, QSize size) {
    const std::unique_ptr<ChartView> view = chart_view_for(spec, size);
    chart_export(*view, path, size);
}

QByteArray svg_document_bytes(QSize size, const QString& title, const std::function<void(QPainter&)>& paint) {
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    QSvgGenerator svg;
    svg.setOutputDevice(&buffer);
    svg.setSize(size);
    svg.setViewBox(QRect(QPoint(0, 0), size));
    svg.setTitle(title);
    QPainter painter(&svg);
    paint(painter);
    painter.end();
    return bytes;
}

QByteArray chart_svg_bytes(const ChartSpec& spec, QSize size) {
    const std::unique_ptr<ChartView> view = chart_view_for(spec, size);
    return svg_document_bytes(size, spec.title, [&](QPainter& p) { view->render_to(p, QRectF(QPointF(0, 0), QSizeF(size))); });
}

QByteArray chart_png_bytes(const ChartSpec& spec, QSize size) {
    const std::unique_ptr<ChartView> view = chart_view_for(spec, size);
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    render_image(*view, size).save(&buffer, "PNG");
    return bytes;
}

}  // namespace qs::charts
