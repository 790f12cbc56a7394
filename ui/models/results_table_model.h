// The results table: a row per precision, and for each dataset x metric three columns: the value
// with its ±, the change against the baseline, and the % retained. Sort through a
// QSortFilterProxyModel on SortRole (numbers, not text). A cell whose loss against the baseline
// is statistically significant carries a red background (and SignificantLossRole = true).
#pragma once

#include <QAbstractTableModel>

#include "results_grid.h"

namespace qs::ui {

class ResultsTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Role { SortRole = Qt::UserRole + 1, SignificantLossRole };
    enum Part { Value = 0, Delta = 1, Retention = 2 };  // the three columns of a metric

    explicit ResultsTableModel(QObject* parent = nullptr);

    void set_runs(const std::vector<RunRecord>& runs, const QString& baseline = {});
    void set_baseline(const QString& precision);
    const ResultsGrid& grid() const { return grid_; }
    const std::vector<RunRecord>& runs() const { return runs_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Which grid column and part a table column shows (column 0 is the precision: returns false).
    bool column_part(int column, int* grid_column, Part* part) const;

private:
    std::vector<RunRecord> runs_;
    QString baseline_;
    ResultsGrid grid_;
};

}  // namespace qs::ui
