#include <QImage>
#include <QLogValueAxis>
#include <QValueAxis>
#include <QPainter>
#include <QScatterSeries>
#include <gtest/gtest.h>
#include <memory>

#include "chart_export.h"
#include "chart_file_checks.h"
#include "chart_view.h"
#include "common/test_paths.h"
#include "core/error.h"
#include "qtcharts_view.h"

using namespace qs::charts;

namespace {

ChartSpec scatter_spec() {
    ChartSpec c{"ppl_vs_acc", "Perplexity against accuracy", {"Perplexity"}, {"Accuracy (%)"}};
    c.series.push_back({"Precisions", SeriesKind::Scatter,
                        {{10, 60, 0.1, 1, "F16"}, {10.5, 58, 0.1, 1, "Q8_0"}, {12, 50, 0.2, 1.5, "Q4_K_M"}}});
    c.series.push_back({"Frontier", SeriesKind::Line, {{10, 60}, {12, 50}}, QColor(), true});
    return c;
}

ChartSpec bar_spec() {
    ChartSpec c{"tps", "Throughput", {"Precision"}, {"tok/s"}};
    c.series.push_back({"Prompt", SeriesKind::Bar, {{0, 400, NAN, NAN, "F16"}, {0, 600, NAN, NAN, "Q4_K_M"}}});
    c.series.push_back({"Generation", SeriesKind::Bar, {{0, 40, NAN, NAN, "F16"}, {0, 80, NAN, NAN, "Q4_K_M"}}});
    return c;
}

QString temp(const char* name) { return QString::fromStdString(qs::test::temp_dir()) + "/" + name; }

}  // namespace

TEST(ChartView, DrawsEveryPointOfTheSpec) {
    std::unique_ptr<ChartView> view(chart_view_create());
    view->set_chart(scatter_spec());
    EXPECT_EQ(view->drawn_point_count(), 5);
    view->set_chart(bar_spec());
    EXPECT_EQ(view->drawn_point_count(), 4);
    view->set_chart(ChartSpec{"empty", "Nothing", {}, {}, {}, "no data yet"});
    EXPECT_EQ(view->drawn_point_count(), 0);
}

TEST(ChartExport, PngSvgAndPdfFilesParse) {
    for (const ChartSpec& spec : {scatter_spec(), bar_spec()}) {
        std::unique_ptr<ChartView> view(chart_view_create());
        view->set_chart(spec);
        const QString png = temp("c.png"), svg = temp("c.svg"), pdf = temp("c.pdf");
        chart_export(*view, png, {800, 500});
        chart_export(*view, svg, {800, 500});
        chart_export(*view, pdf, {800, 500});
        EXPECT_EQ(qs::test::png_size(png), QSize(800, 500));
        EXPECT_TRUE(qs::test::svg_valid(svg));
        EXPECT_EQ(qs::test::pdf_page_count(pdf), 1);
        // Something was drawn: the image is not a blank page.
        QImage image(png);
        int non_white = 0;
        for (int y = 0; y < image.height(); y += 4)
            for (int x = 0; x < image.width(); x += 4) non_white += image.pixel(x, y) != qRgb(255, 255, 255);
        EXPECT_GT(non_white, 200);
    }
}

TEST(ChartExport, RefusesUnknownFormatsNamingTheFile) {
    try {
        chart_export(scatter_spec(), temp("c.bmpx"));
        FAIL() << "no error";
    } catch (const qs::Error& e) {
        EXPECT_NE(std::string(e.what()).find("c.bmpx"), std::string::npos);
    }
    EXPECT_THROW(chart_export(scatter_spec(), "/nonexistent-dir/c.png"), qs::Error);
}

TEST(ChartExport, PngBytesForTheReport) {
    const QByteArray bytes = chart_png_bytes(bar_spec(), {400, 300});
    QImage image;
    ASSERT_TRUE(image.loadFromData(bytes, "PNG"));
    EXPECT_EQ(image.size(), QSize(400, 300));
}

TEST(ChartView, LabelsOfNearbyPointsDoNotOverlap) {
    // Q8_0 and F16 a hair apart (the "Q8F16" pile-up): every label gets its own place.
    ChartSpec c{"close", "Close points", {"Perplexity"}, {"Accuracy (%)"}};
    const char* names[] = {"F16", "Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q4_0"};
    for (int i = 0; i < 6; ++i)
        c.series.push_back({names[i], SeriesKind::Scatter, {{10.0 + 0.001 * i, 60.0 - 0.01 * i, NAN, NAN, names[i]}}});
    c.series.push_back({"Far", SeriesKind::Scatter, {{14, 40, NAN, NAN, "Q2_K"}}});
    std::unique_ptr<ChartView> view(chart_view_create());
    view->widget()->resize(900, 560);
    view->set_chart(c);
    auto* qt = dynamic_cast<QtChartsView*>(view.get());
    ASSERT_NE(qt, nullptr);
    QImage image(900, 560, QImage::Format_ARGB32);
    QPainter painter(&image);
    view->render_to(painter, QRectF(0, 0, 900, 560));  // lays the chart out at this size
    painter.end();
    qt->resize(900, 560);
    const QVector<QRectF> rects = qt->label_rects();
    ASSERT_EQ(rects.size(), 7);
    for (int a = 0; a < rects.size(); ++a)
        for (int b = a + 1; b < rects.size(); ++b)
            EXPECT_FALSE(rects[a].intersects(rects[b])) << a << " overlaps " << b;
}

TEST(ChartView, HoveringAPointShowsItsValues) {
    // The error bars and the frontier are drawn under the markers: hovering the marker answers.
    std::unique_ptr<ChartView> view(chart_view_create());
    view->set_chart(scatter_spec());
    auto* qt = dynamic_cast<QtChartsView*>(view.get());
    ASSERT_NE(qt, nullptr);
    QScatterSeries* scatter = nullptr;
    for (auto* s : qt->QChartView::chart()->series())
        if (auto* sc = qobject_cast<QScatterSeries*>(s)) scatter = sc;
    ASSERT_NE(scatter, nullptr);
    // The scatter series is the last added: on top of the error bars and the frontier line.
    EXPECT_EQ(qt->QChartView::chart()->series().last(), scatter);
    emit scatter->hovered(QPointF(12, 50), true);
    EXPECT_TRUE(qt->last_hover_text().contains("Q4_K_M")) << qt->last_hover_text().toStdString();
    EXPECT_TRUE(qt->last_hover_text().contains(QString::fromUtf8("± 1.5"))) << qt->last_hover_text().toStdString();
}

TEST(ChartView, LogAxisNeverRunsBelowZero) {
    ChartSpec c{"kld", "KLD", {"Bits"}, {"KLD", true}};
    c.series.push_back({"P", SeriesKind::Scatter, {{8.5, 0.0001, NAN, 0.00005, "Q8_0"}, {4.8, 0.01, NAN, 0.002, "Q4_K_M"}, {2.6, 0.3, NAN, 0.05, "Q2_K"}}});
    std::unique_ptr<ChartView> view(chart_view_create());
    view->set_chart(c);
    auto* qt = dynamic_cast<QtChartsView*>(view.get());
    bool found = false;
    for (auto* axis : qt->QChartView::chart()->axes(Qt::Vertical))
        if (auto* log = qobject_cast<QLogValueAxis*>(axis)) {
            found = true;
            EXPECT_GT(log->min(), 0);
            EXPECT_LE(log->min(), 0.0001);
            EXPECT_GE(log->max(), 0.35);
        }
    EXPECT_TRUE(found);
}

// Every task scoring 0 (a generation task a small model never solves): the axis starts at 0, not
// below, so no tick lands on a rounding residue of zero.
TEST(ChartView, AllZeroValuesKeepTheAxisAtZero) {
    ChartSpec c{"ppl_acc", "Perplexity and exact match", {"Perplexity"}, {"Exact match %"}};
    c.series.push_back({"P", SeriesKind::Scatter, {{12.0, 0.0, NAN, NAN, "F16"}, {13.5, 0.0, NAN, NAN, "Q4_K_M"}}});
    std::unique_ptr<ChartView> view(chart_view_create());
    view->set_chart(c);
    auto* qt = dynamic_cast<QtChartsView*>(view.get());
    ASSERT_NE(qt, nullptr);
    bool found = false;
    for (auto* axis : qt->QChartView::chart()->axes(Qt::Vertical))
        if (auto* v = qobject_cast<QValueAxis*>(axis)) {
            found = true;
            EXPECT_EQ(v->min(), 0.0);
            EXPECT_GT(v->max(), 0.0);
        }
    EXPECT_TRUE(found);
}

// A chart with nothing to plot shows its title and why, and no axes over a made-up range.
TEST(ChartView, AnEmptyChartHasNoAxes) {
    ChartSpec c{"drift", "Drift since the first check", {"Check"}, {"Mean log-prob change"}};
    c.empty_message = "no drift database open";
    std::unique_ptr<ChartView> view(chart_view_create());
    view->set_chart(c);
    auto* qt = dynamic_cast<QtChartsView*>(view.get());
    ASSERT_NE(qt, nullptr);
    EXPECT_TRUE(qt->QChartView::chart()->axes().isEmpty());
    EXPECT_TRUE(qt->QChartView::chart()->title().contains("no drift database open"));
}

namespace {
QStringList g_qt_warnings;
void collect_qt_warning(QtMsgType type, const QMessageLogContext&, const QString& message) {
    if (type != QtDebugMsg && type != QtInfoMsg) g_qt_warnings << message;
}
}  // namespace

// A cost chart on a log axis (API prices 100x the self-hosted bars, one colour per bar) draws
// without Qt refusing a value: a zero or a log of zero would print "Logarithms of zero ..." and
// leave bars out.
TEST(ChartView, LogBarChartWithPerBarColoursDrawsEveryBar) {
    ChartSpec c{"cost", "Cost", {"Precision / API"}, {"USD per Mtok", true}};
    c.series.push_back({"USD per Mtok", SeriesKind::Bar,
                        {{0, 0.004, NAN, NAN, "Q4_0", QColor(Qt::red)}, {0, 0.009, NAN, NAN, "F16", QColor(Qt::blue)},
                         {0, 10.0, NAN, NAN, "gpt-4o", QColor(Qt::gray)}, {0, 0.0, NAN, NAN, "free-api", QColor(Qt::gray)}}});
    g_qt_warnings.clear();
    const QtMessageHandler previous = qInstallMessageHandler(collect_qt_warning);
    const QByteArray png = chart_png_bytes(c, QSize(800, 500));
    qInstallMessageHandler(previous);
    EXPECT_GT(png.size(), 1000);
    EXPECT_TRUE(g_qt_warnings.isEmpty()) << g_qt_warnings.join("\n").toStdString();
}
