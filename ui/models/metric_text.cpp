#include "metric_text.h"

#include <cmath>

namespace qs::ui {

QString bytes_text(double bytes) {
    static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (std::abs(bytes) >= 1024 && u < 4) bytes /= 1024, ++u;
    return QString::number(bytes, 'f', u == 0 ? 0 : 2) + " " + units[u];
}

QString value_text(double value, std::string_view unit) {
    if (std::isnan(value)) return "—";
    if (unit == "bytes") return bytes_text(value);
    QString s = QString::number(value, 'g', 5);
    if (unit.empty()) return s;
    return s + (unit == "%" ? "" : " ") + QString::fromUtf8(unit.data(), qsizetype(unit.size()));
}

QString metric_text(const Metric& m) {
    const MetricInfo* info = metric_info(m.key);
    const std::string_view unit = info ? info->unit : std::string_view();
    QString s = value_text(m.value, unit);
    if (m.has_stderr() && unit != "bytes") s += " ± " + QString::number(m.stderr_, 'g', 3);
    return s;
}

QString metric_label(std::string_view key) {
    const MetricInfo* info = metric_info(key);
    const std::string_view label = info ? info->label : key;
    return QString::fromUtf8(label.data(), qsizetype(label.size()));
}

}  // namespace qs::ui
