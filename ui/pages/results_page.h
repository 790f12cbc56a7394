// Results page: the results table (a row per precision, value ± and Δ / retention against the
// chosen baseline, sortable, significant losses in red) and the history of earlier runs from the
// results store; several runs can be opened together and compared side by side.
#pragma once

#include <QWidget>

#include "store/run_record.h"

class QComboBox;
class QListWidget;
class QTableView;

namespace qs {
class ResultsStore;
}

namespace qs::ui {

class ResultsTableModel;

class ResultsPage : public QWidget {
    Q_OBJECT
public:
    ResultsPage(ResultsTableModel* model, QWidget* parent = nullptr);

    void set_store(ResultsStore* store);
    void refresh_history();
    // Shows these runs (one: the usual table; several: side by side) and offers their precisions as baselines.
    void show_runs(const std::vector<RunRecord>& runs);
    QString baseline() const;
    QTableView* table() const { return table_; }
    QListWidget* history() const { return history_; }

signals:
    void export_csv_requested();
    void results_changed();  // runs or baseline changed: charts and report follow

private:
    void open_selected_history();
    ResultsTableModel* model_;
    ResultsStore* store_ = nullptr;
    QComboBox* baseline_;
    QTableView* table_;
    QListWidget* history_;
};

}  // namespace qs::ui
