#include "about.h"

#include <QtGlobal>

#include "core/cpu_features.h"
#include "store/results_store.h"

namespace qs::ui {

namespace {

QString compiler() {
#if defined(__clang__)
    return QString("Clang %1").arg(__clang_version__);
#elif defined(__GNUC__)
    return QString("GCC %1").arg(__VERSION__);
#else
    return "unknown";
#endif
}

}  // namespace

QVector<QPair<QString, QString>> about_versions() {
    QString qt = QString::fromLatin1(qVersion());
    if (qt != QT_VERSION_STR) qt += QString(" (built with %1)").arg(QT_VERSION_STR);
    QVector<QPair<QString, QString>> v = {
        {"QuantScope", QS_VERSION},
        {"Qt", qt},
        {"Compiler", compiler()},
        {"Kernels (ISA)", QString::fromLatin1(isa_name(cpu_best_isa()))},
        {"SQLite", QString::fromStdString(store_sqlite_version())},
    };
#ifdef _OPENMP
    v.append({"OpenMP", QString::number(_OPENMP)});
#endif
    return v;
}

QString about_html() {
    QString html = "<h3>QuantScope " QS_VERSION "</h3><p>What does quantizing this LLM cost in quality, and what "
                   "does it buy in speed, memory and money?</p><table>";
    for (const auto& [name, version] : about_versions())
        html += QString("<tr><td><b>%1</b>&nbsp;&nbsp;</td><td>%2</td></tr>").arg(name.toHtmlEscaped(), version.toHtmlEscaped());
    return html + "</table>";
}

}  // namespace qs::ui
