// The report: run settings, machine, the results table, every chart and the recommendation, as
// HTML (one self-contained file, charts embedded as PNG data) and as PDF (the same document
// printed through QTextDocument onto A4 pages).
#pragma once

#include <QString>
#include <QVector>
#include <vector>

#include "chart_spec.h"
#include "store/run_record.h"

namespace qs::ui {

struct ReportInputs {
    std::vector<RunRecord> runs;
    QString baseline;
    QVector<charts::ChartSpec> charts;
    QString recommendation;  // the ROI page's pick and why ("" = not computed)
};

// Images are referenced as "chart-<id>.png"; embed_images = true inlines them as data: URIs.
QString report_html(const ReportInputs& in, bool embed_images);
void report_write_html(const QString& path, const ReportInputs& in);  // throws qs::Error naming the file
void report_write_pdf(const QString& path, const ReportInputs& in);   // throws qs::Error naming the file

}  // namespace qs::ui
