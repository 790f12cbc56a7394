#include <QImage>
#include <gtest/gtest.h>
#include <memory>

#include "chart_export.h"
#include "chart_file_checks.h"
#include "chart_view.h"
#include "common/test_paths.h"
#include "core/error.h"

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
