// Sensitivity page: the studies the shown runs carry, one at a time (picked in the combo box), with
// PNG export of the heatmap:
//   - sensitivity scans (`quantscope-cli sensitivity --db`), per run x low type: the heatmap of
//     layers x roles and the groups ranked from most to least sensitive;
//   - calibration studies (`quantscope-cli calibration --db`), per run x precision: the heatmap of
//     imatrix text x evaluation text and every cell's figures.
#pragma once

#include <QVector>
#include <QWidget>
#include <vector>

#include "calibration_heatmap.h"
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
    const QVector<CalibrationView>& calibration_views() const { return calibration_; }
    charts::HeatmapView* heatmap() const { return heatmap_; }

private:
    void show_view(int index);  // into views_, then calibration_
    void show_scan(const SensitivityView& v);
    void show_calibration(const CalibrationView& v);
    void export_png();

    QComboBox* pick_;
    QLabel* empty_;
    charts::HeatmapView* heatmap_;
    QTableWidget* ranked_;
    QVector<SensitivityView> views_;
    QVector<CalibrationView> calibration_;
};

}  // namespace qs::ui
