// How the GUI writes a metric value for people: by its catalogue unit ("%", bytes, tok/s),
// with its ± when it has one. Shared by the results table, the CSV export and the report.
#pragma once

#include <QString>
#include <string_view>

#include "eval/metric.h"

namespace qs::ui {

QString bytes_text(double bytes);                               // "1.94 MiB"
QString value_text(double value, std::string_view unit);        // "61.2 %", "1.94 MiB", "12.5 tok/s"
QString metric_text(const Metric& m);                           // value_text + " ± stderr" when defined
QString metric_label(std::string_view key);                     // catalogue label, or the key itself

}  // namespace qs::ui
