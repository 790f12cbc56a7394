// What the About dialog shows: the versions a bug report needs (QuantScope, Qt at build and at run
// time, the compiler, the instruction set the kernels use on this CPU, SQLite, OpenMP).
#pragma once

#include <QPair>
#include <QString>
#include <QVector>

namespace qs::ui {

// (component, version) in display order.
QVector<QPair<QString, QString>> about_versions();
// The dialog's text: a line on what QuantScope is, then the versions as a table.
QString about_html();

}  // namespace qs::ui
