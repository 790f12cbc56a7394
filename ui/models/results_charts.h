// The workbench's charts, built as ChartSpecs from results (no drawing here): the Charts page
// shows them, the report and the export write them. Each chart says what it needs in
// empty_message when the runs do not have it (e.g. no task accuracy measured yet), names its
// context in the subtitle (model, dataset, machine, date) and says how to read it in the caption.
//
// Colours and markers: with one model, each precision has one colour, the same in every chart
// and in the report (precision_style); with several models, the colour is the model's and the
// marker shape the precision's, and each model has its own baseline and Pareto frontier.
#pragma once

#include <QMap>
#include <QVector>

#include "chart_spec.h"
#include "results_grid.h"

namespace qs::ui {

struct ChartInputs {
    const std::vector<RunRecord>* runs = nullptr;      // for the calibration bins, machine and dates
    const ResultsGrid* grid = nullptr;
    QMap<QString, double> bits_per_weight;             // precision -> estimate (when no bench measured it)
    QMap<QString, double> memory_bytes;                // precision -> weight bytes estimate (when no bench measured it)
    QString task;                                      // task dataset of the accuracy charts ("" = the first)
    QMap<QString, double> cost_per_mtok;               // row label -> USD per million generated tokens
    QString cost_note;                                 // where cost's speed and price come from (subtitle)
    QVector<QPair<QString, double>> api_prices;        // (name, USD per Mtok generated)
};

// The colour and marker a row is drawn with in every chart.
struct RowStyle {
    QColor color;
    charts::Marker marker = charts::Marker::Circle;
};
RowStyle precision_style(const ResultsGrid& grid, int row);

// Task datasets that have an accuracy, in column order (the task selector's entries).
QStringList chart_tasks(const ResultsGrid& grid);

charts::ChartSpec chart_ppl_vs_accuracy(const ChartInputs& in);
charts::ChartSpec chart_kld_vs_bits(const ChartInputs& in);
charts::ChartSpec chart_prompt_speed(const ChartInputs& in);      // prompt tok/s, ± standard error
charts::ChartSpec chart_generation_speed(const ChartInputs& in);  // generated tok/s, ± standard error
charts::ChartSpec chart_ttft(const ChartInputs& in);
charts::ChartSpec chart_memory(const ChartInputs& in);            // weights + KV cache + runtime buffers, stacked
charts::ChartSpec chart_cost(const ChartInputs& in);              // USD per Mtok per precision + API rows
charts::ChartSpec chart_reliability(const ChartInputs& in);       // reliability diagram per precision

QVector<charts::ChartSpec> all_charts(const ChartInputs& in);

}  // namespace qs::ui
