// The summary a person reads first: one row per precision (per model), and only the figures a
// quantization decision turns on, each with its uncertainty and its difference from the row's own
// baseline in the unit that difference is read in:
//
//   Bits/weight | Size | PPL (text) | Δ PPL % | KLD | Acc (task) | Δ acc pp [95 % CI] | ... |
//   Prompt tok/s | Gen tok/s | $/Mtok
//
// Columns appear only when some row has the figure. Plain data (texts, sort keys, flags): the
// Results page's summary model, the report's table and its PDF are all built from it, so they
// always show the same digits.
#pragma once

#include <QMap>
#include <QString>
#include <QVector>

#include "results_grid.h"

namespace qs::ui {

struct SummaryColumn {
    enum class Kind { Bits, Size, Ppl, PplDelta, Kld, Acc, AccDelta, PromptSpeed, GenSpeed, Cost };
    Kind kind;
    QString title;      // short header: "PPL", "Δ PPL", "Acc %", "Δ acc (95 % CI)"
    QString dataset;    // the text or task it belongs to ("" for the rest)
    QString unit_note;  // what the header cannot say: "tok/s, this machine", "USD, aws-c7a.large"
    QString group() const;  // header group for people: "wiki.test.raw", "arc", "Speed", "Size"
};

struct SummaryCell {
    QString text;                 // as shown: "115.7 ± 8.2", "−1.5 pp [−3.9, +0.8]"
    double sort = NAN;            // numeric sort key
    bool significant_loss = false;
    QString tooltip;              // what the figure is, in words
};

// What the summary needs beyond the runs' metrics.
struct SummaryExtras {
    QMap<QString, double> bits_per_weight;  // precision -> estimate, when no bench measured it
    QMap<QString, double> weight_bytes;     // precision -> estimate, when no bench measured it
    QMap<QString, double> cost_per_mtok;    // row label -> USD per million generated tokens
    QString cost_note;                      // where the cost's speed and price come from ("" = no cost column)
};

// Costs priced per precision (the recipe) for one run, keyed by the grid's row labels as
// SummaryExtras::cost_per_mtok and the charts want them: only that run's rows get a cost.
QMap<QString, double> cost_by_row(const ResultsGrid& grid, int64_t run_id, const QMap<QString, double>& cost_by_precision);

class ResultsSummary {
public:
    static ResultsSummary build(const ResultsGrid& grid, const SummaryExtras& extras = {});

    const ResultsGrid& grid() const { return grid_; }
    const QVector<SummaryColumn>& columns() const { return columns_; }
    int row_count() const { return int(grid_.rows().size()); }
    const SummaryCell& cell(int row, int col) const { return cells_[size_t(row)][size_t(col)]; }
    // "Q4_K_M" or "Q4_K_M (baseline)".
    QString row_title(int row) const;
    // A column's header: its title, and its dataset under it when several datasets have such a
    // column ("Acc %\narc"); with one, the caption names it instead and the table stays narrow.
    QString header(int col) const;
    // What the figures were measured on: "Perplexity and KLD: wiki.test.raw. Accuracy: arc (120 items)."
    QString caption() const;

private:
    ResultsGrid grid_;
    QVector<SummaryColumn> columns_;
    std::vector<std::vector<SummaryCell>> cells_;  // [rows][columns]
};

}  // namespace qs::ui
