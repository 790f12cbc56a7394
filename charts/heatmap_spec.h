// A heatmap as plain data (rows x columns of values), like ChartSpec for the other charts: item
// models build it from results, HeatmapView (heatmap_view.h) draws it. Used for the sensitivity
// scan (layers x roles, mean KLD of each tensor group quantized alone).
#pragma once

#include <QString>
#include <QStringList>
#include <QVector>
#include <cmath>

namespace qs::charts {

struct HeatmapSpec {
    QString id;                // file-name stem for export ("sensitivity_q2_K")
    QString title;
    QString note;              // one line under the title (what a cell is, against what)
    QStringList rows, columns; // labels: rows top to bottom, columns left to right
    QVector<double> values;    // [rows][columns] row-major; NaN = no such cell (drawn empty)
    QStringList tooltips;      // [rows][columns] hover text ("" = none)
    QStringList labels;        // [rows][columns] text drawn in the cell; empty list or "" = the value itself
    QString value_title;       // the colour scale's title ("mean KLD")
    bool log_scale = true;     // colour by log10(value); values <= 0 take the lowest colour
    QString empty_message;     // shown when there is no cell

    double at(int r, int c) const { return values[r * columns.size() + c]; }
    bool empty() const {
        for (double v : values)
            if (!std::isnan(v)) return false;
        return true;
    }
};

}  // namespace qs::charts
