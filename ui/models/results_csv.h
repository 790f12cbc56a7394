// Results as CSV, one line per run x job x metric (long format: every metric keeps its ± and
// interval, and the comparison with the baseline), for spreadsheets and scripts.
#pragma once

#include <QString>
#include <vector>

#include "store/run_record.h"

namespace qs::ui {

// The header line's columns, in order.
const QStringList& results_csv_columns();
QString results_csv(const std::vector<RunRecord>& runs, const QString& baseline);
// Writes results_csv() to path; throws qs::Error("<path>: ...") when it cannot.
void results_csv_write(const QString& path, const std::vector<RunRecord>& runs, const QString& baseline);

// RFC 4180 quoting of one field.
QString csv_field(const QString& s);

}  // namespace qs::ui
