// Outputs page: a generation task's answers side by side. Pick a run's task; the list shows every
// item with each precision's verdict (filter: all, verdicts differ, broken by a precision); the
// selected item's texts stand next to each other, the baseline's first, each other precision's
// with what it changed marked against the baseline's text — where Q4 broke the function.
#pragma once

#include <QVector>
#include <QWidget>

#include "generation_items_model.h"
#include "generation_outputs.h"

class QCheckBox;
class QComboBox;
class QHBoxLayout;
class QLabel;
class QStackedWidget;
class QTableView;

namespace qs::ui {

class OutputsPage : public QWidget {
    Q_OBJECT
public:
    explicit OutputsPage(QWidget* parent = nullptr);

    // The shown runs' generation tasks (baseline as on the results page); keeps the chosen task and item when still there.
    void set_runs(const std::vector<RunRecord>& runs, const QString& baseline = {});
    const QVector<GenerationOutputs>& tables() const { return tables_; }
    GenerationItemsModel* items() const { return items_; }
    QComboBox* task_box() const { return task_; }
    QComboBox* filter_box() const { return filter_; }
    QTableView* item_view() const { return view_; }
    void select_item(int row);
    // The HTML of the selected item's panels: the baseline's, then each precision whose text differs.
    QStringList panel_html() const;
    // "Same text as F16: Q8_0 (pass), ..." for the precisions that wrote the baseline's text.
    QString same_text_note() const;
    QString summary_text() const;

private:
    void show_table(int index);
    void show_item();
    int first_interesting_row() const;
    QComboBox* task_;
    QComboBox* filter_;
    QCheckBox* show_removed_;
    QLabel* summary_;
    QStackedWidget* stack_;
    QTableView* view_;
    GenerationItemsModel* items_;
    QHBoxLayout* panels_;
    QLabel* item_title_;
    QLabel* same_note_;
    QVector<GenerationOutputs> tables_;
    QStringList html_;
};

}  // namespace qs::ui
