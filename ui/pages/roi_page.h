// ROI calculator: monthly tokens, a hardware profile and its price per hour, editable API prices,
// a one-time cost; live results per precision (monthly cost, savings, payback) from the measured
// throughput, and the precision to pick for a retention threshold (engine/cost: cost_compare,
// cost_pick). Throughput comes from bench jobs; retention from the first accuracy column.
#pragma once

#include <QWidget>

#include "cost/price_table.h"
#include "results_grid.h"
#include "workspace.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QTableWidget;

namespace qs::ui {

class RoiPage : public QWidget {
    Q_OBJECT
public:
    explicit RoiPage(QWidget* parent = nullptr);

    void set_results(const ResultsGrid& grid);
    RoiSettings settings() const;
    void set_settings(const RoiSettings& s);
    QString recommendation() const { return recommendation_; }
    double price_per_hour() const;
    QVector<QPair<QString, double>> api_output_prices() const;  // (label, USD per Mtok generated)

signals:
    void changed();

private:
    void recompute();
    std::vector<ApiPrice> apis() const;
    PriceTable prices_;
    ResultsGrid grid_;
    QDoubleSpinBox *input_mtok_, *output_mtok_, *price_, *one_time_, *threshold_;
    QComboBox* hardware_;
    QTableWidget* api_table_;
    QTableWidget* result_table_;
    QLabel* pick_;
    QString recommendation_;
};

}  // namespace qs::ui
