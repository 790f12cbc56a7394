// Charts page: one tab per chart (ChartView from charts/, so the charting library stays behind
// our interface), a task selector for the accuracy charts, and PNG/SVG/PDF export of the current
// chart.
#pragma once

#include <QVector>
#include <QWidget>

#include "chart_spec.h"

class QComboBox;
class QTabWidget;

namespace qs::charts {
class ChartView;
}

namespace qs::ui {

class ChartsPage : public QWidget {
    Q_OBJECT
public:
    explicit ChartsPage(QWidget* parent = nullptr);

    void set_charts(const QVector<charts::ChartSpec>& specs);
    // The tasks the accuracy charts can show; keeps the current choice when it is still offered.
    void set_tasks(const QStringList& tasks);
    QString task() const;
    const QVector<charts::ChartView*>& views() const { return views_; }
    charts::ChartView* current() const;
    QTabWidget* tabs() const { return tabs_; }

signals:
    void export_requested(const QString& format);  // "png", "svg", "pdf": the window asks where
    void task_changed(const QString& task);

private:
    QTabWidget* tabs_;
    QComboBox* task_;
    QVector<charts::ChartView*> views_;
};

}  // namespace qs::ui
