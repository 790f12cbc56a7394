// The Results page's summary table: ResultsSummary as an item model (one row per precision per
// model, the decision's figures only). Sort through a QSortFilterProxyModel on SortRole.
#pragma once

#include <QAbstractTableModel>

#include "results_summary.h"

namespace qs::ui {

class ResultsSummaryModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Role { SortRole = Qt::UserRole + 1, SignificantLossRole };

    explicit ResultsSummaryModel(QObject* parent = nullptr);

    void set_summary(ResultsSummary summary);
    const ResultsSummary& summary() const { return summary_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    ResultsSummary summary_;
};

}  // namespace qs::ui
