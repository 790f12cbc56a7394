// The drift history of one monitored endpoint (`quantscope-cli monitor`, engine/remote/drift_store.h)
// as the Remote page shows it: one row per check, and the chart of how far each check moved from
// the first. Plain Qt item model over the stored checks; tested headless.
#pragma once

#include <QAbstractTableModel>
#include <vector>

#include "chart_spec.h"
#include "remote/drift_monitor.h"

namespace qs::ui {

class DriftHistoryModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Seq, Verdict, MeanDelta, Agreement, PValue, Threshold, CheckedAt, Fingerprint, ColumnCount };

    explicit DriftHistoryModel(QObject* parent = nullptr);

    void set_checks(std::vector<DriftCheck> checks);  // oldest first, as DriftStore::checks gives them
    const std::vector<DriftCheck>& checks() const { return checks_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<DriftCheck> checks_;
};

// Mean change of the probes' continuation log-probs since the first check, one point per check
// (x = check number), the flagged checks in their own series; agreement of the greedy outputs on
// the hover label. Empty message when there are fewer than two checks.
charts::ChartSpec drift_history_chart(const std::vector<DriftCheck>& checks, const QString& subtitle);

}  // namespace qs::ui
