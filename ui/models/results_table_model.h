// The details table: a row per precision (per model), and for each dataset x metric the value with
// its ±, then, only where the difference means something (DeltaKind, metric_text.h), the change
// against the row's baseline and, for accuracies, the % retained. Sort through a
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
    // The three columns of a metric; Decision: "non-inferior after 212 items" (eval --until-decided).
    enum Part { Value = 0, Delta = 1, Retention = 2, Decision = 3 };

    explicit ResultsTableModel(QObject* parent = nullptr);

    void set_runs(const std::vector<RunRecord>& runs, const QString& baseline = {}, const QString& reference = {});
    void set_baseline(const QString& precision);
    void set_reference(const QString& row_label);  // "" = each model against its own baseline
    const ResultsGrid& grid() const { return grid_; }
    const std::vector<RunRecord>& runs() const { return runs_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Which grid column and part a table column shows (column 0 is the precision: returns false).
    bool column_part(int column, int* grid_column, Part* part) const;
    // The metric family of a table column ("Perplexity", "KL divergence", "Task", "Speed", "Memory",
    // "Calibration", "Cost"), for the column chooser.
    QString column_family(int column) const;

private:
    void rebuild();
    QVariant decision_data(int row, int col, int role) const;

    std::vector<RunRecord> runs_;
    QString baseline_, reference_;
    ResultsGrid grid_;
    QVector<QPair<int, Part>> layout_;  // table column - 1 -> (grid column, part)
};

}  // namespace qs::ui
