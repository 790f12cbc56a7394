// ROI calculator: monthly tokens, a hardware profile and its price per hour, editable API prices,
// a one-time cost; per precision the monthly cost, what it saves or costs more than the baseline,
// the payback, and the recommendation with its evidence.
//
// Speeds are true to the hardware (engine/cost/profile_speeds.h): each profile is priced with
// this machine's measured speeds only when the profile is this machine, with a bench file imported
// from the target machine (llama-bench -o json or `quantscope-cli bench --json`, "Import bench
// file..."), or with the profile's roofline estimate, and the page always says which. The
// recommendation is engine/eval/decision.h's (through cost/run_recommendation.h), the same rule
// the CLI and the report use.
#pragma once

#include <QMap>
#include <QWidget>
#include <optional>
#include <vector>

#include "cost/bench_speeds.h"
#include "cost/price_table.h"
#include "cost/profile_speeds.h"
#include "cost/run_recommendation.h"
#include "eval/decision.h"
#include "report/report.h"
#include "results_grid.h"
#include "store/run_record.h"
#include "workspace.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QTableWidget;

namespace qs::ui {

class RoiPage : public QWidget {
    Q_OBJECT
public:
    explicit RoiPage(QWidget* parent = nullptr);

    // The results shown (the grid gives the baseline; the runs give speeds and evidence: the first
    // run is the one priced and judged).
    void set_results(const ResultsGrid& grid, const std::vector<RunRecord>& runs = {});
    RoiSettings settings() const;
    void set_settings(const RoiSettings& s);
    QString recommendation() const { return recommendation_; }  // plain text, for the report
    const Decision& decision() const { return decision_; }        // the rule's full answer
    QString speed_source_text() const { return speed_why_; }     // "measured on ..., which matches ..."
    // The price per hour charts may multiply this machine's measured speeds by: the profile's price
    // when its speeds are measured here, else -1 (no such product is meaningful).
    double price_per_hour() const;
    QVector<QPair<QString, double>> api_output_prices() const;  // (label, USD per Mtok generated)
    // USD per million generated tokens per precision (the recipe) of the priced run, at the selected
    // profile with the speeds that belong to it (empty when it has none), and where they come from.
    QMap<QString, double> cost_per_mtok() const;
    QString cost_where() const { return cost_where_; }
    int64_t priced_run_id() const { return runs_.empty() ? 0 : runs_.front().id; }
    // The decision, its evidence and the pick's cost against the baseline's, for the report.
    ReportRecommendation report_recommendation() const;

    // Reads a bench file for the current profile ("" when fine, else the error). The import button calls it.
    QString import_bench(const QString& path);

signals:
    void changed();

private:
    void recompute();
    void fill_profiles();
    std::vector<ApiPrice> apis() const;
    const HardwarePrice* current_profile() const;
    PriceTable prices_;
    ResultsGrid grid_;
    std::vector<RunRecord> runs_;
    std::optional<RunEvidence> evidence_;     // of runs_.front(), gathered once per set_results
    QMap<QString, ImportedSpeeds> imported_;  // per profile name ("custom" for no profile)
    QDoubleSpinBox *input_mtok_, *output_mtok_, *price_, *one_time_, *threshold_, *margin_;
    QComboBox* hardware_;
    QCheckBox* estimate_;
    QLabel* speed_label_;
    QTableWidget* profiles_table_;
    QTableWidget* api_table_;
    QTableWidget* result_table_;
    QLabel* pick_;
    QString recommendation_, speed_why_, cost_where_;
    std::vector<PrecisionCost> costs_;
    Decision decision_;
    bool measured_here_ = false;
};

}  // namespace qs::ui
