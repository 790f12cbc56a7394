// How the GUI writes a metric value for people: by its catalogue unit ("%", bytes, tok/s),
// with its ± when it has one, to a number of digits the uncertainty justifies. Shared by the
// results views, the CSV export, the charts and the report, so a figure reads the same everywhere.
#pragma once

#include <QString>
#include <string_view>

#include "eval/metric.h"

namespace qs::ui {

QString bytes_text(double bytes);                               // "1.94 MiB"
QString value_text(double value, std::string_view unit);        // "61.2 %", "1.94 MiB", "12.5 tok/s"
QString metric_text(const Metric& m);                           // value ± stderr, digits as number_text
QString metric_label(std::string_view key);                     // catalogue label, or the key itself

// A value with at least `min_significant` significant digits, and when an uncertainty is given,
// as many decimals as the uncertainty's first two significant digits need (so "115.7 ± 8.2",
// "0.01096 ± 0.00020"). NaN reads "—".
QString number_text(double value, double uncertainty = NAN, int min_significant = 4);
// "115.7 ± 8.2" (no unit); just the value when the uncertainty is NaN.
QString value_pm_text(double value, double uncertainty, int min_significant = 4);

// What a difference from the baseline means for a metric, so a table never shows "Δ of Δ" or
// "retention of bits per weight":
//   Points:   accuracy-like percentages; Δ in percentage points ("−2.5 pp"), retention defined.
//   Relative: ratio-scale figures (perplexity, speed, cost); Δ in % of the baseline ("+3.1 %").
//   Absolute: log-scale or bounded scores (NLL, bits per byte, Brier); Δ in the metric's unit.
//   None:     already a comparison with the baseline (KLD, PPL ratio, Δacc, McNemar p) or a property
//             of the format rather than a result (bits per weight, bytes): no Δ.
enum class DeltaKind { None, Points, Relative, Absolute };
DeltaKind delta_kind(std::string_view key);

// Signed differences as people read them: "+1.2 pp", "−3.4 %", "+0.012 nats"; "—" for NaN.
QString points_text(double delta_pp, int decimals = 1);
QString percent_change_text(double delta_pct);
// "[−4.1, +0.3] pp": a 95 % interval of a difference in points.
QString points_interval_text(double lo, double hi, int decimals = 1);

// Money for people: "$1,234.56", "$0.0123" for small amounts (3 significant digits below $1).
QString usd_text(double usd);

}  // namespace qs::ui
