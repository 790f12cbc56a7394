// The results of one or more runs laid out as the results table shows them: a row per precision
// (per run when several runs are compared side by side), a column per dataset x metric, and each
// cell's comparison with the baseline row. Plain data shared by the table model, the CSV export,
// the charts and the report, so they always agree.
#pragma once

#include <QString>
#include <QStringList>
#include <QVector>
#include <optional>
#include <string>
#include <vector>

#include "store/run_record.h"

namespace qs::ui {

struct ResultColumn {
    QString evaluator;   // evaluator_name()
    QString dataset;     // "" for bench
    std::string key;     // metric_catalog() key
    QString title() const;  // "Perplexity (wiki.test.raw)"
};

// A cell against the baseline row's cell of the same column.
struct ResultComparison {
    double delta = NAN;       // value - baseline value, in the metric's unit
    double retention = NAN;   // % of the baseline kept: 100 * v/b when higher is better, 100 * b/v when lower is
    bool significant = false; // |delta| > 1.96 * sqrt(se^2 + se_base^2) (both standard errors known)
    bool loss = false;        // the change goes the metric's worse way
};

struct ResultRow {
    QString label;       // the precision, prefixed "run N: " when several runs are shown
    QString precision;
    int64_t run_id = 0;
};

class ResultsGrid {
public:
    // baseline: the precision compared against (first row when empty or absent). Metrics with no
    // better direction (counts) are left out.
    static ResultsGrid from_runs(const std::vector<RunRecord>& runs, const QString& baseline = {});

    const QVector<ResultRow>& rows() const { return rows_; }
    const QVector<ResultColumn>& columns() const { return columns_; }
    int baseline_row() const { return baseline_row_; }
    const Metric* cell(int row, int col) const;
    ResultComparison compare(int row, int col) const;
    // The first cell of `row` with metric `key` (any dataset), or nullptr.
    const Metric* find(int row, std::string_view key) const;

private:
    QVector<ResultRow> rows_;
    QVector<ResultColumn> columns_;
    std::vector<std::vector<std::optional<Metric>>> cells_;  // [rows][columns]
    int baseline_row_ = -1;
};

}  // namespace qs::ui
