// The engine's text (std::string, UTF-8) as a QString: one helper for the item models, pages and
// report instead of a copy in each file.
#pragma once

#include <QString>
#include <string>

namespace qs::ui {

inline QString q(const std::string& s) { return QString::fromStdString(s); }

}  // namespace qs::ui
