// Checks that exported chart/report files are what their suffix says: a PNG of the right size, an
// SVG that parses, a PDF with N pages.
#pragma once

#include <QFile>
#include <QImage>
#include <QRegularExpression>
#include <QSvgRenderer>

namespace qs::test {

inline QSize png_size(const QString& path) {
    QImage image;
    return image.load(path, "PNG") ? image.size() : QSize();
}

inline bool svg_valid(const QString& path) { return QSvgRenderer(path).isValid(); }

// Page objects in the PDF ("/Type /Page", not "/Pages"); -1 when the file is not a PDF.
inline int pdf_page_count(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return -1;
    const QByteArray bytes = f.readAll();
    if (!bytes.startsWith("%PDF-") || !bytes.contains("%%EOF")) return -1;
    static const QRegularExpression page("/Type\\s*/Page(?![s])");
    return int(QString::fromLatin1(bytes).count(page));
}

}  // namespace qs::test
