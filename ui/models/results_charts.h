// The workbench's charts, built as ChartSpecs from results (no drawing here): the Charts page
// shows them, the report and the export write them. Each chart says what it needs in
// empty_message when the runs do not have it (e.g. no task accuracy measured yet).
#pragma once

#include <QMap>
#include <QVector>

#include "chart_spec.h"
#include "results_grid.h"

namespace qs::ui {

struct ChartInputs {
    const std::vector<RunRecord>* runs = nullptr;      // for the calibration bins
    const ResultsGrid* grid = nullptr;
    QMap<QString, double> bits_per_weight;             // precision -> estimate (when no bench measured it)
    QMap<QString, double> memory_bytes;                // precision -> estimate
    double hardware_price_per_hour = 0;                // USD, for cost per Mtok from throughput
    QVector<QPair<QString, double>> api_prices;        // (name, USD per Mtok generated)
};

charts::ChartSpec chart_ppl_vs_accuracy(const ChartInputs& in);
charts::ChartSpec chart_kld_vs_bits(const ChartInputs& in);
charts::ChartSpec chart_throughput(const ChartInputs& in);   // prompt and generation tok/s
charts::ChartSpec chart_ttft(const ChartInputs& in);
charts::ChartSpec chart_memory(const ChartInputs& in);
charts::ChartSpec chart_cost(const ChartInputs& in);          // USD per Mtok per precision + API rows
charts::ChartSpec chart_reliability(const ChartInputs& in);   // reliability diagram per precision

QVector<charts::ChartSpec> all_charts(const ChartInputs& in);

}  // namespace qs::ui
