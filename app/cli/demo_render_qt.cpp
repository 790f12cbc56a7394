// demo_render() with Qt: a QApplication on the "offscreen" platform exists only while the files are
// drawn (Qt Charts draws through QGraphicsView, which needs a widgets application, not a window).
#include "demo_render.h"

#include <QApplication>
#include <QDir>
#include <memory>

#include "chart_export.h"
#include "report/report.h"
#include "results_charts.h"
#include "results_grid.h"

namespace qs::cli {
namespace {

// The application the chart and report code needs; reuses one that already exists.
std::unique_ptr<QApplication> make_application(bool offscreen) {
    if (QCoreApplication::instance()) return nullptr;
    if (offscreen) qputenv("QT_QPA_PLATFORM", "offscreen");
    static int argc = 1;
    static char name[] = "quantscope-cli";
    static char* argv[] = {name, nullptr};
    return std::make_unique<QApplication>(argc, argv);
}

}  // namespace

bool demo_render_available() { return true; }

std::vector<std::string> demo_render(const DemoRenderInputs& in) {
    const auto app = make_application(in.offscreen);
    const std::vector<RunRecord> runs = {*in.run};
    const QString baseline = QString::fromStdString(in.run->baseline);
    const ui::ResultsGrid grid = ui::ResultsGrid::from_runs(runs, baseline);

    ui::ChartInputs chart_in;
    chart_in.runs = &runs;
    chart_in.grid = &grid;
    chart_in.hardware_price_per_hour = in.usd_per_hour;
    for (const auto& [name, usd] : in.api_prices) chart_in.api_prices.append({QString::fromStdString(name), usd});
    const QVector<charts::ChartSpec> specs = ui::all_charts(chart_in);

    std::vector<std::string> written;
    const QDir out(QString::fromStdString(in.out_dir));
    out.mkpath("charts");
    for (const charts::ChartSpec& spec : specs) {
        if (spec.point_count() == 0) continue;  // the report says what the chart would need
        for (const char* suffix : {".png", ".svg"}) {
            const QString path = out.filePath("charts/" + spec.id + suffix);
            charts::chart_export(spec, path);
            written.push_back(path.toStdString());
        }
    }

    ui::ReportInputs report;
    report.runs = runs;
    report.baseline = baseline;
    report.charts = specs;
    report.recommendation = QString::fromStdString(in.recommendation);
    const QString html = out.filePath("report.html"), pdf = out.filePath("report.pdf");
    ui::report_write_html(html, report);
    written.push_back(html.toStdString());
    ui::report_write_pdf(pdf, report);
    written.push_back(pdf.toStdString());
    return written;
}

}  // namespace qs::cli
