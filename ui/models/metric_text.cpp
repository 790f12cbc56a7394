#include "metric_text.h"

#include <QLocale>
#include <algorithm>
#include <cmath>

namespace qs::ui {
namespace {

const QString kMinus = QString::fromUtf8("\u2212");  // a real minus sign: "−2.5 pp" lines up with "+2.5 pp"

// Decimals that show `sig` significant digits of |v| (0 for integers that already have them).
int decimals_for(double v, int sig) {
    const double a = std::abs(v);
    if (a == 0 || !std::isfinite(a)) return std::max(0, sig - 1);
    const int magnitude = int(std::floor(std::log10(a)));  // 115.7 -> 2, 0.0109 -> -2
    return std::clamp(sig - 1 - magnitude, 0, 12);
}

QString signed_number(double v, int decimals) {
    const QString digits = QString::number(std::abs(v), 'f', decimals);
    // Rounds to zero: no sign at all ("0.0", not "−0.0").
    if (digits.toDouble() == 0) return digits;
    return (v < 0 ? kMinus : QString("+")) + digits;
}

}  // namespace

QString bytes_text(double bytes) {
    static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (std::abs(bytes) >= 1024 && u < 4) bytes /= 1024, ++u;
    return QString::number(bytes, 'f', u == 0 ? 0 : 2) + " " + units[u];
}

QString number_text(double value, double uncertainty, int min_significant) {
    if (std::isnan(value)) return QString::fromUtf8("—");
    int decimals = decimals_for(value, min_significant);
    if (!std::isnan(uncertainty) && uncertainty > 0) decimals = std::max(decimals, decimals_for(uncertainty, 2));
    // Large values in a fixed format would print "1234567.0000": cap at the value's own digits.
    if (std::abs(value) >= 1e6) return QString::number(value, 'g', std::max(min_significant, 6));
    return QString::number(value, 'f', decimals);
}

QString value_pm_text(double value, double uncertainty, int min_significant) {
    if (std::isnan(uncertainty) || uncertainty <= 0) return number_text(value, NAN, min_significant);
    int decimals = std::max(decimals_for(value, min_significant), decimals_for(uncertainty, 2));
    if (std::abs(value) >= 1e6) return number_text(value, NAN, min_significant);
    return QString::number(value, 'f', decimals) + QString::fromUtf8(" ± ") + QString::number(uncertainty, 'f', decimals);
}

QString value_text(double value, std::string_view unit) {
    if (std::isnan(value)) return QString::fromUtf8("—");
    if (unit == "bytes") return bytes_text(value);
    QString s = number_text(value, NAN, 4);
    if (unit.empty()) return s;
    return s + " " + QString::fromUtf8(unit.data(), qsizetype(unit.size()));
}

QString metric_text(const Metric& m) {
    const MetricInfo* info = metric_info(m.key);
    const std::string_view unit = info ? info->unit : std::string_view();
    if (unit == "bytes") return bytes_text(m.value);
    const int digits = unit == "%" ? 3 : 4;  // "25.8 ± 4.0 %", "182.8 ± 10.5"
    QString s = m.has_stderr() ? value_pm_text(m.value, m.stderr_, digits) : number_text(m.value, NAN, digits);
    if (!unit.empty()) s += " " + QString::fromUtf8(unit.data(), qsizetype(unit.size()));
    return s;
}

QString metric_label(std::string_view key) {
    const MetricInfo* info = metric_info(key);
    const std::string_view label = info ? info->label : key;
    return QString::fromUtf8(label.data(), qsizetype(label.size()));
}

DeltaKind delta_kind(std::string_view key) {
    static const std::string_view points[] = {"acc", "acc_norm", "acc_per_token", "ece", "ece_mass", "mce", "rmsce",
                                              "pass_at_1", "pass_at_10", "pass_at_100", "exact_match", "exact_match_flexible"};
    static const std::string_view relative[] = {"ppl",           "pp_tps",        "tg_tps",       "ttft_ms",
                                                "decode_p50_ms", "decode_p99_ms", "cost_per_mtok", "cost_per_mtok_prompt"};
    static const std::string_view absolute[] = {"nll_mean", "bits_per_byte", "brier"};
    auto in = [&](const auto& list) { return std::find(std::begin(list), std::end(list), key) != std::end(list); };
    if (in(points)) return DeltaKind::Points;
    if (in(relative)) return DeltaKind::Relative;
    if (in(absolute)) return DeltaKind::Absolute;
    return DeltaKind::None;
}

QString points_text(double delta_pp, int decimals) {
    if (std::isnan(delta_pp)) return QString::fromUtf8("—");
    return signed_number(delta_pp, decimals) + " pp";
}

QString percent_change_text(double delta_pct) {
    if (std::isnan(delta_pct)) return QString::fromUtf8("—");
    const int decimals = std::abs(delta_pct) >= 10 ? 0 : std::abs(delta_pct) >= 1 ? 1 : 2;
    return signed_number(delta_pct, decimals) + " %";
}

QString points_interval_text(double lo, double hi, int decimals) {
    if (std::isnan(lo) || std::isnan(hi)) return QString();
    return "[" + signed_number(lo, decimals) + ", " + signed_number(hi, decimals) + "] pp";
}

QString usd_text(double usd) {
    if (std::isnan(usd)) return QString::fromUtf8("—");
    const double a = std::abs(usd);
    QString digits;
    if (a >= 1) digits = QLocale(QLocale::English).toString(a, 'f', 2);
    else digits = QString::number(a, 'f', decimals_for(a, 3));
    return (usd < 0 ? kMinus : QString()) + "$" + digits;
}

}  // namespace qs::ui
