// Sensitivity page: the sensitivity scans the shown runs carry (`quantscope-cli sensitivity --db`),
// one at a time (a run x low type picked in the combo box): the heatmap of layers x roles and the
// groups ranked from most to least sensitive, with PNG export of the heatmap.
#pragma once

#include <QVector>
#include <QWidget>
#include <vector>

#include "sensitivity_heatmap.h"

class QComboBox;
class QLabel;
class QTableWidget;

namespace qs::charts {
class HeatmapView;
}

namespace qs::ui {

class SensitivityPage : public QWidget {
    Q_OBJECT
public:
    explicit SensitivityPage(QWidget* parent = nullptr);
    void set_runs(const std::vector<RunRecord>& runs);
    const QVector<SensitivityView>& views() const { return views_; }
    charts::HeatmapView* heatmap() const { return heatmap_; }

private:
    void show_view(int index);
    void export_png();

    QComboBox* pick_;
    QLabel* empty_;
    charts::HeatmapView* heatmap_;
    QTableWidget* ranked_;
    QVector<SensitivityView> views_;
};

}  // namespace qs::ui
