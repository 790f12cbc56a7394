#include "report.h"

#include <QFile>
#include <QImage>
#include <QPageSize>
#include <QPdfWriter>
#include <QTextDocument>
#include <QUrl>

#include "chart_export.h"
#include "core/error.h"
#include "generation_changes.h"
#include "metric_text.h"
#include "results_grid.h"

namespace qs::ui {
namespace {

const QSize kChartSize{900, 560};

QString esc(const QString& s) { return s.toHtmlEscaped(); }
QString esc(const std::string& s) { return QString::fromStdString(s).toHtmlEscaped(); }

QString results_table_html(const ResultsGrid& g) {
    QString t = "<table border='1' cellspacing='0' cellpadding='3'><tr><th>Precision</th>";
    for (const auto& c : g.columns()) t += "<th>" + esc(c.title()) + "</th><th>Δ / retention</th>";
    t += "</tr>";
    for (int r = 0; r < g.rows().size(); ++r) {
        t += "<tr><td><b>" + esc(g.rows()[r].label) + "</b>" + (r == g.baseline_row() ? " (baseline)" : "") + "</td>";
        for (int c = 0; c < g.columns().size(); ++c) {
            const Metric* m = g.cell(r, c);
            const ResultComparison cmp = g.compare(r, c);
            const bool marked = cmp.significant && cmp.loss;
            const QString bg = marked ? " bgcolor='#ffcdcd'" : "";
            t += "<td align='right'" + bg + ">" + (m ? esc(metric_text(*m)) : QString()) + "</td>";
            QString d;
            if (m && r != g.baseline_row() && !std::isnan(cmp.delta)) {
                const MetricInfo* info = metric_info(m->key);
                d = (cmp.delta >= 0 ? "+" : "") + value_text(cmp.delta, info ? info->unit : "");
                if (!std::isnan(cmp.retention)) d += QString(" / %1 %").arg(cmp.retention, 0, 'f', 2);
            }
            t += "<td align='right'" + bg + ">" + esc(d) + "</td>";
        }
        t += "</tr>";
    }
    return t + "</table>";
}

// Per generation task and precision: how many answers the baseline got right and this precision
// broke (and the other way round), then the first few such items with both outputs side by side.
QString generation_changes_html(const QVector<GenerationChanges>& all) {
    constexpr int kShown = 5;
    if (all.isEmpty()) return {};
    QString h = "<h2>Generation tasks: answers that changed</h2>";
    for (const GenerationChanges& c : all) {
        h += "<h3>" + esc(c.dataset) + ": " + esc(c.precision) + " against " + esc(c.baseline) + "</h3>";
        h += QString("<p>%1 items: <b>%2 the baseline passed now fail</b>, %3 it failed now pass; %4 of %1 outputs "
                     "are the baseline's, byte for byte.</p>")
                 .arg(c.items)
                 .arg(c.broken)
                 .arg(c.fixed)
                 .arg(c.same_text);
        if (c.changes.isEmpty()) continue;
        h += "<table border='1' cellspacing='0' cellpadding='3' width='100%'><tr><th width='14%'>Item</th><th width='43%'>" +
             esc(c.baseline) + "</th><th width='43%'>" + esc(c.precision) + "</th></tr>";
        for (int i = 0; i < std::min<int>(kShown, c.changes.size()); ++i) {
            const GenerationChange& g = c.changes[i];
            // pre-wrap: the generated code keeps its indentation and still wraps inside the page.
            const QString code = "<div style='white-space: pre-wrap; font-family: monospace'>";
            h += "<tr><td valign='top'><b>" + esc(g.item_id) + QString("</b><br>item %1</td>").arg(g.item);
            h += "<td valign='top'><b>" + esc(g.baseline_verdict) + "</b>" + code + esc(g.baseline_text) + "</div></td>";
            h += "<td valign='top'><b>" + esc(g.verdict) + "</b>" + (g.detail.isEmpty() ? QString() : ": " + esc(g.detail)) + code +
                 esc(g.text) + "</div></td></tr>";
        }
        h += "</table>";
        if (c.changes.size() > kShown)
            h += QString("<p><small>and %1 more (<code>quantscope-cli history --run %2 --item N</code> shows item N).</small></p>")
                     .arg(c.changes.size() - kShown)
                     .arg(c.run_id);
    }
    return h;
}

QString chart_src(const charts::ChartSpec& spec, bool embed) {
    if (!embed) return "chart-" + spec.id + ".png";
    return "data:image/png;base64," + QString::fromLatin1(charts::chart_png_bytes(spec, kChartSize).toBase64());
}

[[noreturn]] void fail(const QString& path, const QString& what) { throw qs::Error((path + ": " + what).toStdString()); }

}  // namespace

QString report_html(const ReportInputs& in, bool embed_images) {
    const ResultsGrid grid = ResultsGrid::from_runs(in.runs, in.baseline);
    QString h = "<html><head><meta charset='utf-8'><title>QuantScope report</title></head><body>";
    h += "<h1>QuantScope report</h1>";
    for (const auto& run : in.runs) {
        h += QString("<h2>Run %1: %2</h2><table cellpadding='2'>").arg(run.id).arg(esc(run.model_name));
        auto row = [&](const char* k, const std::string& v) { h += "<tr><td><b>" + QString(k) + "</b></td><td>" + esc(v) + "</td></tr>"; };
        row("Model file", run.model_path);
        row("Model SHA-256", run.model_hash);
        row("Started / finished", run.started_at + " / " + (run.finished_at.empty() ? "not finished" : run.finished_at));
        row("Baseline", run.baseline);
        row("Machine", run.machine);
        row("Engine", run.engine_version);
        row("Settings", run.settings_json);
        int done = 0;
        for (const auto& j : run.jobs) done += j.status == JobStatus::Done;
        row("Jobs", std::to_string(done) + " of " + std::to_string(run.jobs.size()) + " done");
        h += "</table>";
    }
    h += "<h2>Results</h2>" + results_table_html(grid);
    h += "<p><small>Δ and retention against " + esc(in.baseline.isEmpty() ? QString("the first precision") : in.baseline) +
         "; red cells: a loss larger than 1.96 standard errors of the difference.</small></p>";
    h += generation_changes_html(generation_changes(in.runs, in.baseline));
    if (!in.recommendation.isEmpty()) h += "<h2>Recommendation</h2><p>" + esc(in.recommendation) + "</p>";
    h += "<h2>Charts</h2>";
    for (const auto& c : in.charts) {
        if (c.point_count() == 0) {
            h += "<p><b>" + esc(c.title) + "</b>: " + esc(c.empty_message) + "</p>";
            continue;
        }
        h += "<h3>" + esc(c.title) + "</h3><p><img src='" + chart_src(c, embed_images) +
             QString("' width='%1' height='%2'></p>").arg(kChartSize.width() * 2 / 3).arg(kChartSize.height() * 2 / 3);
    }
    return h + "</body></html>";
}

void report_write_html(const QString& path, const ReportInputs& in) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) fail(path, "cannot write: " + f.errorString());
    const QByteArray bytes = report_html(in, true).toUtf8();
    if (f.write(bytes) != bytes.size()) fail(path, "write failed: " + f.errorString());
}

void report_write_pdf(const QString& path, const ReportInputs& in) {
    QTextDocument doc;
    // QTextDocument does not read data: URIs: hand it the chart images as resources instead.
    for (const auto& c : in.charts)
        if (c.point_count() > 0)
            doc.addResource(QTextDocument::ImageResource, QUrl("chart-" + c.id + ".png"),
                            QImage::fromData(charts::chart_png_bytes(c, kChartSize), "PNG"));
    doc.setHtml(report_html(in, false));
    QPdfWriter pdf(path);
    pdf.setTitle("QuantScope report");
    pdf.setPageSize(QPageSize(QPageSize::A4));
    pdf.setResolution(150);
    doc.print(&pdf);
    QFile check(path);
    if (!check.exists() || check.size() == 0) fail(path, "the PDF was not written");
}

}  // namespace qs::ui
