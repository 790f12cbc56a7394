// report_render() with Qt: a QApplication on the "offscreen" platform exists only while the files are
// drawn (Qt Charts draws through QGraphicsView, which needs a widgets application, not a window).
#include "report_render.h"

#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <memory>

#include "chart_export.h"
#include "core/error.h"
#include "report/report.h"
#include "results_charts.h"
#include "results_grid.h"
#include "results_summary.h"

namespace qs::cli {
namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

// The application the chart and report code needs; reuses one that already exists.
std::unique_ptr<QApplication> make_application(bool offscreen) {
    if (QCoreApplication::instance()) return nullptr;
    if (offscreen) qputenv("QT_QPA_PLATFORM", "offscreen");
    static int argc = 1;
    static char name[] = "quantscope-cli";
    static char* argv[] = {name, nullptr};
    return std::make_unique<QApplication>(argc, argv);
}

ui::ReportInputs report_inputs(const ReportRenderInputs& in) {
    ui::ReportInputs r;
    r.runs = in.runs;
    r.baseline = q(in.baseline);
    r.reference = q(in.reference);
    QMap<QString, double> by_precision;
    for (const auto& [precision, usd] : in.cost_per_mtok) by_precision[q(precision)] = usd;
    if (!in.runs.empty())
        r.extras.cost_per_mtok = ui::cost_by_row(ui::ResultsGrid::from_runs(r.runs, r.baseline, r.reference), in.runs.front().id, by_precision);
    r.extras.cost_note = q(in.cost_note);
    for (const auto& [name, usd] : in.api_prices) r.api_prices.append({q(name), usd});
    if (in.decision) r.recommendation = ui::report_recommendation(*in.decision, in.costs, q(in.cost_where));
    return r;
}

}  // namespace

bool report_render_available() { return true; }

void report_render(const ReportRenderInputs& in, const std::string& path) {
    const auto app = make_application(in.offscreen);
    const QString p = q(path);
    const QString suffix = QFileInfo(p).suffix().toLower();
    if (suffix == "pdf") ui::report_write_pdf(p, report_inputs(in));
    else if (suffix == "html" || suffix == "htm") ui::report_write_html(p, report_inputs(in));
    else throw Error(path + ": unknown report format (use .pdf or .html)");
}

std::vector<std::string> charts_render(const ReportRenderInputs& in, const std::string& dir) {
    const auto app = make_application(in.offscreen);
    const ui::ReportInputs r = report_inputs(in);
    const ui::ResultsGrid grid = ui::ResultsGrid::from_runs(r.runs, r.baseline, r.reference);
    ui::ChartInputs chart_in;
    chart_in.runs = &r.runs;
    chart_in.grid = &grid;
    chart_in.cost_per_mtok = r.extras.cost_per_mtok;
    chart_in.cost_note = r.extras.cost_note;
    chart_in.api_prices = r.api_prices;
    std::vector<std::string> written;
    const QDir out(q(dir));
    if (!out.mkpath(".")) throw Error(dir + ": cannot create the folder");
    for (const charts::ChartSpec& spec : ui::all_charts(chart_in)) {
        if (spec.point_count() == 0) continue;  // the report says what the chart would need
        for (const char* suffix : {".png", ".svg"}) {
            const QString path = out.filePath(spec.id + suffix);
            charts::chart_export(spec, path);
            written.push_back(path.toStdString());
        }
    }
    return written;
}

}  // namespace qs::cli
