// Results page: the summary (one row per precision per model: the figures a decision turns on,
// with Δ against each model's baseline), the details (every metric, a column chooser by metric
// family), and the history of earlier runs from the results store; several runs, also of different
// models, can be opened together and compared side by side. Significant losses are red.
#pragma once

#include <QWidget>

#include "results_summary.h"
#include "store/run_record.h"

class QComboBox;
class QLabel;
class QListWidget;
class QTableView;
class QTabWidget;
class QToolButton;

namespace qs {
class ResultsStore;
}

namespace qs::ui {

class ResultsSummaryModel;
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
    QString reference() const;  // "" = each model against its own baseline
    // What the summary needs besides the runs (size estimates, cost per Mtok and its source).
    void set_summary_extras(const SummaryExtras& extras);
    QTableView* table() const { return table_; }
    QTableView* summary_table() const { return summary_table_; }
    const ResultsSummaryModel* summary() const { return summary_; }
    // Hides or shows the details columns of a metric family ("Perplexity", "Task", ...); remembered.
    void set_family_visible(const QString& family, bool visible);
    QListWidget* history() const { return history_; }

signals:
    void export_csv_requested();
    void results_changed();  // runs or baseline changed: charts and report follow

private:
    void open_selected_history();
    void refresh_summary();
    void apply_hidden_families();
    ResultsTableModel* model_;
    ResultsSummaryModel* summary_;
    SummaryExtras extras_;
    ResultsStore* store_ = nullptr;
    QComboBox* baseline_;
    QComboBox* reference_;
    QTabWidget* views_;
    QTableView* summary_table_;
    QLabel* caption_;
    QTableView* table_;
    QToolButton* columns_;
    QListWidget* history_;
    QStringList hidden_families_;
};

}  // namespace qs::ui
