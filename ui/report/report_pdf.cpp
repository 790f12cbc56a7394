// The report as a PDF, laid out page by page with QPainter on QPdfWriter: A4 portrait, landscape
// where the document asks for it (wide tables), tables that fit the page width (the font shrinks to
// a floor, long texts wrap) and are split across pages with their header repeated, charts drawn as
// vectors with their caption under them, a footer with the page number. Every table row is drawn
// on one baseline, so `pdftotext -layout` gives one line per row with its figures.
#include <QAbstractTextDocumentLayout>
#include <QFile>
#include <QFileInfo>
#include <QPageLayout>
#include <QPainter>
#include <QPdfWriter>
#include <filesystem>
#include <QTextDocument>
#include <QWidget>
#include <QTextBlock>
#include <QTextLayout>
#include <memory>
#include <numeric>

#include "chart_view.h"
#include "heatmap_view.h"
#include "core/error.h"
#include "report.h"

namespace qs::ui {
namespace {

constexpr int kDpi = 72;               // one device unit = one point
constexpr double kMarginMm = 14;
constexpr double kChartLayoutWidth = 760;  // charts are laid out at this size, then scaled to the page
constexpr double kChartAspect = 0.56;
const QString kFamily = "DejaVu Sans";
const QString kMonoFamily = "DejaVu Sans Mono";  // generated code in tables

class PdfLayout {
public:
    PdfLayout(const QString& path, const QString& title) : pdf_(path) {
        pdf_.setTitle(title);
        pdf_.setCreator("QuantScope");
        pdf_.setResolution(kDpi);
        pdf_.setPageLayout(layout(false));
        if (!painter_.begin(&pdf_)) throw qs::Error((path + ": cannot write the PDF file").toStdString());
        title_ = title;
        start_page();
    }

    void finish() {
        footer();
        painter_.end();
    }

    void page_break(bool landscape) {
        if (landscape == landscape_ && y_ <= content_.top() + 1) return;  // already on a fresh page of this kind
        landscape_ = landscape;
        new_page();
    }

    void heading(const QString& text, int level) {
        const double size = level == 0 ? 19 : level == 1 ? 14 : 11.5;
        QFont f(kFamily, 1);
        f.setPointSizeF(size);
        f.setBold(true);
        const double h = QFontMetricsF(f, &pdf_).height();
        // Keep a heading with what follows it.
        ensure(h + (level == 0 ? 8 : 120));  // room for a table's header and first rows
        y_ += level == 0 ? 0 : level == 1 ? 10 : 6;
        painter_.setFont(f);
        painter_.setPen(QColor(31, 35, 40));
        painter_.drawText(QPointF(content_.left(), y_ + QFontMetricsF(f, &pdf_).ascent()), text);
        y_ += h + 2;
        if (level == 1) {
            painter_.setPen(QPen(QColor(208, 215, 222), 1.2));
            painter_.drawLine(QPointF(content_.left(), y_), QPointF(content_.right(), y_));
            y_ += 6;
        } else {
            y_ += 3;
        }
    }

    // Rich text (<b>, <i>) wrapped to the content width, kept whole on one page: blocks are short
    // (a paragraph, one bullet), and splitting a text by clipping would leave the clipped lines in
    // the PDF's text, twice.
    void rich_text(const QString& html, double point_size = 9.5, double indent = 0, const QString& bullet = {}) {
        QTextDocument doc;
        doc.documentLayout()->setPaintDevice(&pdf_);
        QFont f(kFamily, 1);
        f.setPointSizeF(point_size);
        doc.setDefaultFont(f);
        doc.setDocumentMargin(0);
        doc.setTextWidth(content_.width() - indent);
        doc.setHtml(html);
        const double height = doc.size().height();
        ensure(height);
        if (!bullet.isEmpty()) {
            painter_.setFont(f);
            painter_.setPen(QColor(31, 35, 40));
            painter_.drawText(QPointF(content_.left() + indent - 10, y_ + QFontMetricsF(f, &pdf_).ascent()), bullet);
        }
        painter_.save();
        painter_.translate(content_.left() + indent, y_);
        doc.drawContents(&painter_);
        painter_.restore();
        y_ += height + (bullet.isEmpty() ? 6 : 3);
    }

    void table(const ReportBlock& b);
    void figure(const ReportBlock& b);
    // Starts a new page unless a heading and the figure after it fit on this one (a heading is
    // never left alone at the foot of a page, its figure on the next).
    void keep_heading_with_figure() { ensure(figure_width() * kChartAspect + 60); }
    double figure_width() const { return std::min(content_.width() * 0.94, 640.0); }

private:
    static QPageLayout layout(bool landscape) {
        return QPageLayout(QPageSize(QPageSize::A4), landscape ? QPageLayout::Landscape : QPageLayout::Portrait,
                           QMarginsF(kMarginMm, kMarginMm, kMarginMm, kMarginMm), QPageLayout::Millimeter);
    }

    void start_page() {
        const QRect paint = pdf_.pageLayout().paintRectPixels(kDpi);
        // The painter's origin is the paint rect's top left; leave room for the footer.
        content_ = QRectF(0, 0, paint.width(), paint.height() - 18);
        y_ = content_.top();
        ++page_;
    }

    void new_page() {
        footer();
        pdf_.setPageLayout(layout(landscape_));
        pdf_.newPage();
        start_page();
    }

    void footer() {
        QFont f(kFamily, 1);
        f.setPointSizeF(7.5);
        painter_.setFont(f);
        painter_.setPen(QColor(89, 99, 110));
        const double y = content_.bottom() + 14;
        painter_.drawText(QPointF(content_.left(), y), title_);
        const QString n = QString("page %1").arg(page_);
        painter_.drawText(QPointF(content_.right() - QFontMetricsF(f, &pdf_).horizontalAdvance(n), y), n);
    }

    void ensure(double height) {
        if (y_ + height > content_.bottom() && y_ > content_.top() + 1) new_page();
    }

    QPdfWriter pdf_;
    QPainter painter_;
    QString title_;
    QRectF content_;
    double y_ = 0;
    int page_ = 0;
    bool landscape_ = false;
};

void PdfLayout::table(const ReportBlock& b) {
    const int cols = b.key_value ? 2 : int(b.header.isEmpty() ? (b.rows.isEmpty() ? 0 : b.rows[0].size()) : b.header.size());
    if (cols == 0) return;
    const double pad = 4, swatch = 7;
    // Column widths: the widest cell, and for the header its longest word (headers wrap between
    // words; cells never wrap but in the one column that must, when even the smallest font is too wide).
    double size = 8.5;
    QVector<double> widths(cols);
    auto measure = [&](double pt) {
        QFont f(kFamily, 1), fb(kFamily, 1);
        f.setPointSizeF(pt);
        fb.setPointSizeF(pt);
        fb.setBold(true);
        const QFontMetricsF m(f, &pdf_), mb(fb, &pdf_);
        std::fill(widths.begin(), widths.end(), 0.0);
        QVector<double> header_line(cols, 0.0);
        for (int c = 0; c < cols && !b.header.isEmpty(); ++c)
            for (const QString& line : b.header[c].split('\n')) {
                header_line[c] = std::max(header_line[c], mb.horizontalAdvance(line));
                for (const QString& word : line.split(' ')) widths[c] = std::max(widths[c], mb.horizontalAdvance(word));
            }
        for (int r = 0; r < b.rows.size(); ++r)
            for (int c = 0; c < cols && c < b.rows[r].size(); ++c) {
                double w = (b.bold_row.value(r) ? mb : m).horizontalAdvance(b.rows[r][c]);
                if (c == 0 && r < b.row_swatch.size() && b.row_swatch[r].isValid()) w += swatch + 4;
                widths[c] = std::max(widths[c], w);
            }
        // A header a little wider than its cells stays on one line rather than wrapping.
        for (int c = 0; c < cols; ++c) widths[c] = std::max(widths[c], std::min(header_line[c], widths[c] * 1.6));
        double total = 0;
        for (double& w : widths) total += (w += 2 * pad + 1);
        return total;
    };
    double total = 0;
    if (b.code) {  // program text: fixed widths, the first column narrow, every column wraps
        size = 7;
        widths[0] = content_.width() * 0.14;
        for (int c = 1; c < cols; ++c) widths[c] = (content_.width() - widths[0]) / (cols - 1);
    } else {
        total = measure(size);
        while (total > content_.width() && size > 6.01) total = measure(size -= 0.5);
    }
    int wrap = -1;
    if (b.key_value) wrap = 1;
    if (!b.code && total > content_.width()) {
        // Still too wide: the widest column wraps (key-value tables: the value column).
        if (wrap < 0) wrap = int(std::max_element(widths.begin(), widths.end()) - widths.begin());
        widths[wrap] = std::max(40.0, widths[wrap] - (total - content_.width()));
    }
    QFont f(kFamily, 1), fb(kFamily, 1);
    f.setPointSizeF(size);
    fb.setPointSizeF(size);
    fb.setBold(true);
    const QFontMetricsF m(f, &pdf_);
    const double line = m.height();

    QFont mono(kMonoFamily, 1);
    mono.setPointSizeF(size);
    mono.setStyleHint(QFont::Monospace);
    auto font_of = [&](int c, bool header, int r) -> const QFont& {
        if (header || b.bold_row.value(r)) return fb;
        return b.code && c > 0 ? mono : f;
    };

    auto flags_of = [&](int c, bool header) {
        if (header) return int(Qt::TextWordWrap);
        if (b.code) return int(Qt::TextWordWrap | Qt::TextWrapAnywhere);
        return c == wrap ? int(Qt::TextWordWrap | Qt::TextWrapAnywhere) : int(Qt::TextSingleLine);
    };
    auto cell_height = [&](const QString& text, int c, const QFont& font, bool header) {
        const QRectF r = QFontMetricsF(font, &pdf_).boundingRect(QRectF(0, 0, widths[c] - 2 * pad, 1e6), flags_of(c, header), text);
        return std::max(line, r.height()) + 2 * pad;
    };
    auto row_height = [&](const QStringList& cells, bool header, int r) {
        double h = 0;
        for (int c = 0; c < cols && c < cells.size(); ++c) h = std::max(h, cell_height(cells[c], c, font_of(c, header, r), header));
        return h;
    };
    const double table_width = std::accumulate(widths.begin(), widths.end(), 0.0);
    auto draw_row = [&](const QStringList& cells, bool header, int r, double h) {
        double x = content_.left();
        if (header) painter_.fillRect(QRectF(x, y_, table_width, h), QColor(246, 248, 250));
        for (int c = 0; c < cols && c < cells.size(); ++c) {
            QRectF cell(x, y_, widths[c], h);
            if (!header && r < b.flagged.size() && b.flagged[r].value(c)) painter_.fillRect(cell, QColor(255, 215, 213));
            QRectF text = cell.adjusted(pad, pad, -pad, -pad);
            if (!header && c == 0 && r < b.row_swatch.size() && b.row_swatch[r].isValid()) {
                painter_.fillRect(QRectF(text.left(), text.top() + (line - swatch) / 2, swatch, swatch), b.row_swatch[r]);
                text.setLeft(text.left() + swatch + 4);
            }
            painter_.setFont(font_of(c, header, r));
            painter_.setPen(b.key_value && c == 0 ? QColor(89, 99, 110) : QColor(31, 35, 40));
            const int align = (b.right_align.value(c) ? Qt::AlignRight : Qt::AlignLeft) | (header ? Qt::AlignBottom : Qt::AlignTop);
            painter_.drawText(text, align | flags_of(c, header), cells[c]);
            x += widths[c];
        }
        painter_.setPen(QPen(QColor(208, 215, 222), 0.6));
        painter_.drawLine(QPointF(content_.left(), y_ + h), QPointF(x, y_ + h));
        y_ += h;
    };
    const double header_h = b.header.isEmpty() ? 0 : row_height(b.header, true, -1);
    // The header and the first rows stay together; the header comes back on every page.
    ensure(header_h + 3 * (line + 2 * pad));
    if (!b.header.isEmpty()) draw_row(b.header, true, -1, header_h);
    for (int r = 0; r < b.rows.size(); ++r) {
        const double h = row_height(b.rows[r], false, r);
        const int before = page_;
        ensure(h);
        if (page_ != before && !b.header.isEmpty()) draw_row(b.header, true, -1, header_h);
        draw_row(b.rows[r], false, r, h);
    }
    y_ += 4;
    if (!b.note.isEmpty()) rich_text("<span style='color:#59636e'>" + b.note + "</span>", 7.5);
    else y_ += 6;
}

void PdfLayout::figure(const ReportBlock& b) {
    const double width = figure_width();
    const double height = width * kChartAspect;
    QTextDocument caption;
    caption.documentLayout()->setPaintDevice(&pdf_);
    QFont f(kFamily, 1);
    f.setPointSizeF(8.5);
    caption.setDefaultFont(f);
    caption.setDocumentMargin(0);
    caption.setTextWidth(width);
    caption.setHtml("<span style='color:#59636e'>" + b.text.toHtmlEscaped() + "</span>");
    ensure(height + caption.size().height() + 10);
    painter_.save();
    painter_.translate(content_.left(), y_);
    const double scale = width / kChartLayoutWidth;
    painter_.scale(scale, scale);
    const QRectF area(0, 0, kChartLayoutWidth, kChartLayoutWidth * kChartAspect);
    if (b.kind == ReportBlock::Kind::Heatmap) {
        // Its own font: the painter's current one is whatever was drawn last (a heading, a footer).
        QFont f(kFamily, 1);
        f.setPointSizeF(11);
        painter_.setFont(f);
        charts::heatmap_paint(painter_, area.toRect(), b.heatmap);
    } else {
        std::unique_ptr<charts::ChartView> view(charts::chart_view_create(nullptr));
        view->widget()->resize(int(kChartLayoutWidth), int(kChartLayoutWidth * kChartAspect));
        view->set_chart(b.chart);
        view->render_to(painter_, area);
    }
    painter_.restore();
    painter_.setPen(QPen(QColor(208, 215, 222), 0.6));
    painter_.drawRect(QRectF(content_.left(), y_, width, height));
    y_ += height + 4;
    painter_.save();
    painter_.translate(content_.left(), y_);
    caption.drawContents(&painter_);
    painter_.restore();
    y_ += caption.size().height() + 14;
}

}  // namespace

void report_write_pdf(const QString& path, const ReportDocument& doc) {
    // Drawn to a temporary file and renamed: a crash never leaves half a report under the name.
    const QString tmp = path + ".part";
    {
        PdfLayout out(tmp, doc.title);
        for (size_t i = 0; i < doc.blocks.size(); ++i) {
            const ReportBlock& b = doc.blocks[i];
            const bool figure_next = i + 1 < doc.blocks.size() && (doc.blocks[i + 1].kind == ReportBlock::Kind::Figure ||
                                                                   doc.blocks[i + 1].kind == ReportBlock::Kind::Heatmap);
            if (figure_next && (b.kind == ReportBlock::Kind::Heading || b.kind == ReportBlock::Kind::Subheading))
                out.keep_heading_with_figure();
            switch (b.kind) {
            case ReportBlock::Kind::Title: out.heading(b.text, 0); break;
            case ReportBlock::Kind::Heading: out.heading(b.text, 1); break;
            case ReportBlock::Kind::Subheading: out.heading(b.text, 2); break;
            case ReportBlock::Kind::Paragraph: out.rich_text(b.text); break;
            case ReportBlock::Kind::Bullets:
                for (const auto& i : b.items) out.rich_text(i, 9.5, 16, QString::fromUtf8("•"));
                out.rich_text(QString(), 2);  // a little space after the list
                break;
            case ReportBlock::Kind::Table: out.table(b); break;
            case ReportBlock::Kind::Figure:
            case ReportBlock::Kind::Heatmap: out.figure(b); break;
            case ReportBlock::Kind::PageBreak: out.page_break(b.landscape); break;
            }
        }
        out.finish();
    }
    // Whole or not at all: the finished temporary replaces the old file in one rename.
    // (Whether anything was drawn is read before the rename: afterwards the temporary is gone.)
    std::error_code ec;
    const bool written = QFileInfo(tmp).size() > 0;
    if (written) std::filesystem::rename(tmp.toStdString(), path.toStdString(), ec);
    if (!written || ec) {
        QFile::remove(tmp);
        throw qs::Error((path + ": the PDF was not written" + (ec ? ": " + QString::fromStdString(ec.message()) : QString())).toStdString());
    }
}

void report_write_pdf(const QString& path, const ReportInputs& in) { report_write_pdf(path, report_build(in)); }

}  // namespace qs::ui
