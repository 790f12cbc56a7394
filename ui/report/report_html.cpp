// The report as one self-contained HTML file: styled for the screen, with print CSS (A4, figures
// and table rows kept whole, wide tables on landscape pages where the browser supports named pages),
// every chart embedded as SVG.
#include <QFile>
#include <QSaveFile>

#include "chart_export.h"
#include "heatmap_view.h"
#include "core/error.h"
#include "report.h"

namespace qs::ui {
namespace {

const char* kStyle = R"CSS(
:root { --ink: #1f2328; --muted: #59636e; --rule: #d0d7de; --flag: #ffd7d5; --band: #f6f8fa; }
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink);
       max-width: 1100px; margin: 2em auto; padding: 0 1.5em; line-height: 1.45; font-size: 15px; }
h1 { font-size: 1.9em; margin-bottom: 0.2em; }
h2 { font-size: 1.4em; border-bottom: 2px solid var(--rule); padding-bottom: 0.2em; margin-top: 1.8em; }
h3 { font-size: 1.1em; margin-top: 1.4em; }
p.meta { color: var(--muted); margin-top: 0; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; font-variant-numeric: tabular-nums; }
th, td { padding: 0.35em 0.7em; border-bottom: 1px solid var(--rule); vertical-align: top; }
th { background: var(--band); text-align: left; white-space: pre-line; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
tr.base td { font-weight: 700; }
td.flag { background: var(--flag); }
table.code { table-layout: fixed; width: 100%; }
table.code td { white-space: pre-wrap; word-break: break-all; font-family: "DejaVu Sans Mono", monospace; font-size: 0.85em; }
table.code td:first-child { width: 14%; font-family: inherit; }
table.kv td:first-child { font-weight: 600; white-space: nowrap; color: var(--muted); }
table.kv td { border-bottom: 1px solid #eaeef2; word-break: break-all; }
span.chip { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 2px; margin-right: 0.45em;
            vertical-align: baseline; }
p.note { color: var(--muted); font-size: 0.85em; margin-top: -0.3em; }
figure { margin: 1.4em 0; page-break-inside: avoid; break-inside: avoid; }
figure img { width: 100%; max-width: 900px; border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-size: 0.9em; max-width: 900px; margin-top: 0.4em; }
.scroll { overflow-x: auto; }
@page { size: A4; margin: 15mm; }
@page wide { size: A4 landscape; margin: 12mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  .landscape { page: wide; }
  .break { break-before: page; page-break-before: always; }
  tr, figure { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  .scroll { overflow: visible; }
}
)CSS";


QString table_html(const ReportBlock& b) {
    QString h = b.key_value ? "<div class='scroll'><table class='kv'>" : b.code ? "<div class='scroll'><table class='code'>" : "<div class='scroll'><table>";
    if (!b.header.isEmpty()) {
        h += "<thead><tr>";
        for (int c = 0; c < b.header.size(); ++c)
            h += QString("<th%1>").arg(b.right_align.value(c) ? " class='num'" : "") + esc(b.header[c]) + "</th>";
        h += "</tr></thead>";
    }
    h += "<tbody>";
    for (int r = 0; r < b.rows.size(); ++r) {
        h += b.bold_row.value(r) ? "<tr class='base'>" : "<tr>";
        for (int c = 0; c < b.rows[r].size(); ++c) {
            QStringList cls;
            if (b.right_align.value(c)) cls << "num";
            if (r < b.flagged.size() && b.flagged[r].value(c)) cls << "flag";
            h += cls.isEmpty() ? "<td>" : "<td class='" + cls.join(' ') + "'>";
            if (c == 0 && r < b.row_swatch.size() && b.row_swatch[r].isValid())
                h += "<span class='chip' style='background:" + b.row_swatch[r].name() + "'></span>";
            h += esc(b.rows[r][c]) + "</td>";
        }
        h += "</tr>";
    }
    h += "</tbody></table></div>";
    if (!b.note.isEmpty()) h += "<p class='note'>" + b.note + "</p>";
    return h;
}

}  // namespace

QString report_html(const ReportDocument& doc) {
    QString h = "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>" + esc(doc.title) +
                "</title><meta name='viewport' content='width=device-width, initial-scale=1'><style>" + kStyle +
                "</style></head><body>";
    bool in_section = false;  // a <section> per page-orientation run, for print
    auto open_section = [&](bool landscape, bool page_break) {
        if (in_section) h += "</section>";
        QStringList cls;
        if (landscape) cls << "landscape";
        if (page_break) cls << "break";
        h += cls.isEmpty() ? "<section>" : "<section class='" + cls.join(' ') + "'>";
        in_section = true;
    };
    open_section(false, false);
    for (const ReportBlock& b : doc.blocks) {
        switch (b.kind) {
        case ReportBlock::Kind::Title: h += "<h1>" + esc(b.text) + "</h1>"; break;
        case ReportBlock::Kind::Heading: h += "<h2>" + esc(b.text) + "</h2>"; break;
        case ReportBlock::Kind::Subheading: h += "<h3>" + esc(b.text) + "</h3>"; break;
        case ReportBlock::Kind::Paragraph: h += "<p>" + b.text + "</p>"; break;
        case ReportBlock::Kind::Bullets:
            h += "<ul>";
            for (const auto& i : b.items) h += "<li>" + i + "</li>";
            h += "</ul>";
            break;
        case ReportBlock::Kind::Table: h += table_html(b); break;
        case ReportBlock::Kind::Figure:
            h += "<figure><img alt='" + esc(b.chart.title) + "' src='data:image/svg+xml;base64," +
                 QString::fromLatin1(charts::chart_svg_bytes(b.chart, {1000, 620}).toBase64()) + "'><figcaption>" +
                 esc(b.text) + "</figcaption></figure>";
            break;
        case ReportBlock::Kind::Heatmap:
            h += "<figure><img alt='" + esc(b.heatmap.title) + "' src='data:image/svg+xml;base64," +
                 QString::fromLatin1(charts::heatmap_svg_bytes(b.heatmap, {1000, 620}).toBase64()) + "'><figcaption>" +
                 esc(b.text) + "</figcaption></figure>";
            break;
        case ReportBlock::Kind::PageBreak: open_section(b.landscape, true); break;
        }
    }
    if (in_section) h += "</section>";
    return h + "</body></html>";
}

void report_write_html(const QString& path, const ReportInputs& in) {
    // Written to a temporary file and renamed: a crash never leaves half a report under the name.
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly)) throw qs::Error((path + ": cannot write: " + f.errorString()).toStdString());
    const QByteArray bytes = report_html(report_build(in)).toUtf8();
    if (f.write(bytes) != bytes.size() || !f.commit())
        throw qs::Error((path + ": write failed: " + f.errorString()).toStdString());
}

}  // namespace qs::ui
