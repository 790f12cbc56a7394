// The report an engineer hands to stakeholders: an executive summary (the question, the
// recommendation with its evidence, monthly savings, risks), the summary table, every chart with
// its caption, the methods as prose and tables (definitions, settings, versions, file hashes) and
// an appendix with the detailed figures split by metric family.
//
// One document model (ReportDocument: headings, paragraphs, tables, figures), two renderers:
// HTML (one self-contained, styled file with print CSS and the charts embedded as SVG) and PDF
// (laid out page by page with QPainter: portrait A4, landscape pages for tables too wide for
// portrait, tables split across pages with their header repeated). The workbench's export and
// `quantscope-cli report` both call report_write_*(), so they produce the same report.
#pragma once

#include <QString>
#include <QStringList>
#include <QVector>
#include <vector>

#include "chart_spec.h"
#include "heatmap_spec.h"
#include "cost/cost_model.h"
#include "eval/decision.h"
#include "results_summary.h"
#include "store/run_record.h"

namespace qs::ui {

// What the decision says, in words, with the evidence behind it. Filled by the caller from the
// engine's decision rule (the report does not decide).
struct ReportRecommendation {
    QString headline;      // "Q4_K_M: non-inferior to F16 (Δacc ≥ −1 pp at 95 %), saves $X/month" or "not decided: ..."
    QStringList evidence;  // one line per candidate: its verdict and the bound behind it
    QString savings;       // "saves $1,234/month against F16 at 1 B tokens/month" ("" = no cost inputs)
};

// The rule's decision in words: the headline (decision_summary), one evidence line per candidate
// (its verdict and the reason), and the pick's cost against the baseline's at the profile whose
// speeds `costs` were computed with (`cost_where`: "on aws-g6.xlarge at $0.80/h, speeds estimated
// (roofline)"; with no costs it says why there are none).
ReportRecommendation report_recommendation(const Decision& d, const std::vector<PrecisionCost>& costs, const QString& cost_where);

struct ReportInputs {
    std::vector<RunRecord> runs;
    QString baseline;                      // precision each model is compared with ("" = the run's)
    QString reference;                     // a row label every row is compared with instead ("" = none)
    SummaryExtras extras;                  // size estimates, cost per Mtok and where it comes from
    QVector<QPair<QString, double>> api_prices;  // (API, USD per Mtok generated) for the cost chart
    ReportRecommendation recommendation;
    QString generated_by;                  // "QuantScope 0.1.0" ("" = this build's version)
};

// One block of the document.
struct ReportBlock {
    enum class Kind { Title, Heading, Subheading, Paragraph, Bullets, Table, Figure, Heatmap, PageBreak };
    Kind kind = Kind::Paragraph;
    QString text;                        // Title/Heading/Subheading/Paragraph (Paragraph: may hold <b>, <i>)
    QStringList items;                   // Bullets
    // Table
    QStringList header;
    QVector<QStringList> rows;
    QVector<QColor> row_swatch;          // [rows] colour chip before the first cell (invalid = none)
    QVector<QVector<bool>> flagged;      // [rows][cols] drawn on red: a significant loss
    QVector<bool> bold_row;              // [rows] the baseline
    QVector<bool> right_align;           // [cols]
    bool key_value = false;              // a two-column "what: value" table without a header row
    bool code = false;                   // cells hold program text: kept line by line in a monospace font,
                                         // every column wraps (the first narrow, the others sharing the rest)
    QString note;                        // small print under the table
    // Figure
    charts::ChartSpec chart;
    // Heatmap (text: its caption)
    charts::HeatmapSpec heatmap;
    // PageBreak: the orientation of the pages that follow
    bool landscape = false;
};

struct ReportDocument {
    QString title;
    QVector<ReportBlock> blocks;
};

ReportDocument report_build(const ReportInputs& in);

QString report_html(const ReportDocument& doc);
// Both throw qs::Error naming the file when it cannot be written.
void report_write_html(const QString& path, const ReportInputs& in);
void report_write_pdf(const QString& path, const ReportInputs& in);
// The PDF of an already built document (tests measure pages and text).
void report_write_pdf(const QString& path, const ReportDocument& doc);

// Text made safe to place in the report's HTML (what both the document and the HTML export use).
inline QString esc(const QString& s) { return s.toHtmlEscaped(); }

}  // namespace qs::ui
