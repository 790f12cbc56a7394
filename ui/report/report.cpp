#include "report.h"

#include <QFile>
#include <QImage>
#include <QPageSize>
#include <QPdfWriter>
#include <QTextDocument>
#include <QUrl>

#include "chart_export.h"
#include "core/error.h"
#include "metric_text.h"
#include "heatmap_view.h"
#include "results_grid.h"
#include "sensitivity_heatmap.h"

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

QString chart_src(const charts::ChartSpec& spec, bool embed) {
    if (!embed) return "chart-" + spec.id + ".png";
    return "data:image/png;base64," + QString::fromLatin1(charts::chart_png_bytes(spec, kChartSize).toBase64());
}

const QSize kHeatmapSize{1000, 560};

QString heatmap_src(const charts::HeatmapSpec& spec, bool embed) {
    if (!embed) return "heatmap-" + spec.id + ".png";
    return "data:image/png;base64," + QString::fromLatin1(charts::heatmap_png_bytes(spec, kHeatmapSize).toBase64());
}

// The sensitivity scans the runs carry: per scan and type, the heatmap and the ten most sensitive groups.
QString sensitivity_html(const QVector<SensitivityView>& views, bool embed) {
    if (views.isEmpty()) return {};
    QString h = "<h2>Sensitivity</h2>";
    for (const SensitivityView& v : views) {
        h += "<h3>" + esc(v.heatmap.title) + "</h3><p>" + esc(v.heatmap.note) + "</p><p><img src='" +
             heatmap_src(v.heatmap, embed) + QString("' width='%1' height='%2'></p>").arg(kHeatmapSize.width() * 2 / 3).arg(kHeatmapSize.height() * 2 / 3);
        h += "<table border='1' cellspacing='0' cellpadding='3'><tr><th>Rank</th><th>Group</th><th>Mean KLD</th><th>ln PPL ratio</th></tr>";
        for (size_t r = 0; r < v.ranked.size() && r < 10; ++r) {
            const SensitivityEntry& e = v.ranked[r];
            h += QString("<tr><td align='right'>%1</td><td>%2</td><td align='right'>%3 ± %4</td><td align='right'>%5 ± %6</td></tr>")
                     .arg(r + 1).arg(esc(e.group)).arg(e.kld, 0, 'g', 5).arg(e.kld_stderr, 0, 'g', 2)
                     .arg(e.ln_ppl_ratio, 0, 'f', 5).arg(e.ln_ppl_ratio_stderr, 0, 'f', 5);
        }
        h += "</table>";
    }
    return h;
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
    h += sensitivity_html(sensitivity_views(in.runs), embed_images);
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
    for (const SensitivityView& v : sensitivity_views(in.runs))
        doc.addResource(QTextDocument::ImageResource, QUrl("heatmap-" + v.heatmap.id + ".png"),
                        charts::heatmap_image(v.heatmap, kHeatmapSize));
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
