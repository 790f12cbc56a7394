// The results of one or more runs laid out as the results views show them: a row per precision
// (per model, and per run when one model's runs are compared side by side), a column per
// dataset x metric, and each cell's comparison with its baseline row. Plain data shared by the
// table models, the CSV export, the charts and the report, so they always agree.
//
// Baselines: every model is compared with its OWN baseline (the chosen precision, else the one its
// run recorded, else its first row), so an 8B model at Q4_K_M is never read as a loss against a
// 3B model at F16. Comparing across models is an explicit choice: set a reference row and every
// row is compared with it.
#pragma once

#include <QMap>
#include <QString>
#include <QStringList>
#include <QVector>
#include <optional>
#include <string>
#include <vector>

#include "metric_text.h"
#include "store/run_record.h"

namespace qs::ui {

struct ResultColumn {
    QString evaluator;   // evaluator_name()
    QString dataset;     // "" for bench
    std::string key;     // metric_catalog() key
    QString title() const;  // "Perplexity (wiki.test.raw)"
};

// A cell against its baseline row's cell of the same column. What is defined depends on the
// metric's DeltaKind (metric_text.h): nothing for None.
struct ResultComparison {
    DeltaKind kind = DeltaKind::None;
    double delta = NAN;       // value - baseline value, in the metric's unit (Points/Absolute/Relative)
    double delta_pct = NAN;   // 100 * delta / baseline value (Relative)
    double retention = NAN;   // 100 * value / baseline value (Points, higher-is-better accuracy only)
    double ci_low = NAN, ci_high = NAN;  // 95 % interval of delta where the run measured a paired one
    bool significant = false; // the paired interval excludes 0, else |delta| > 1.96 sqrt(se^2 + se_base^2)
    bool loss = false;        // the change goes the metric's worse way
};

struct ResultRow {
    QString label;       // "Q4_K_M"; "m1 · Q4_K_M" with several models; "run 3 · Q4_K_M" with several runs
    QString precision;   // the recipe as stored (its identity: baselines, estimates, colours)
    QString name;        // what people call it: the user's name for the recipe, else the recipe
    QString model;       // model name for people
    QString model_key;   // identity of the model file (hash, else path)
    int model_index = 0; // 0, 1, ... in first-seen order: colour of the model in cross-model charts
    int64_t run_id = 0;
};

class ResultsGrid {
public:
    // baseline: the precision each model is compared with (when a model has no such row: the
    // baseline its run recorded, else its first row). reference: a row label; when it names a row,
    // every row is compared with that one instead (cross-model comparison). Counts (items,
    // tokens scored) are kept for captions; the tables leave out metrics with no better direction.
    static ResultsGrid from_runs(const std::vector<RunRecord>& runs, const QString& baseline = {},
                                 const QString& reference = {});

    const QVector<ResultRow>& rows() const { return rows_; }
    const QVector<ResultColumn>& columns() const { return columns_; }
    int model_count() const { return int(models_.size()); }
    const QStringList& models() const { return models_; }  // model names, in model_index order
    bool several_runs() const { return several_runs_; }
    // The baseline row `row` is compared with (-1 when there is none).
    int baseline_row_of(int row) const;
    // The first model's baseline row (-1 when empty).
    int baseline_row() const { return rows_.isEmpty() ? -1 : baseline_row_of(0); }
    bool is_baseline(int row) const { return row >= 0 && baseline_row_of(row) == row; }
    // A baseline some other row is compared with: labelled "(baseline)" (a run of one precision,
    // e.g. an endpoint alone, has none).
    bool is_compared_baseline(int row) const { return is_baseline(row) && rows_.size() > 1; }
    bool cross_model_reference() const { return reference_row_ >= 0; }

    const Metric* cell(int row, int col) const;
    ResultComparison compare(int row, int col) const;
    // The first cell of `row` with metric `key` (any dataset; or only `dataset` when given), or nullptr.
    const Metric* find(int row, std::string_view key, const QString& dataset = QString()) const;
    // Datasets that have a cell with `key` in some row, in column order.
    QStringList datasets_with(std::string_view key) const;
    // The column of `key` on `dataset` (from `evaluator` when given), or -1.
    int column_of(std::string_view key, const QString& dataset, const QString& evaluator = {}) const;
    // The accuracy column of a task: the score its paired comparison (acc_delta) was computed on
    // when the runs stored one, else acc (else acc_per_token, acc_norm; for a generation task
    // pass@1, else exact match); -1 without one.
    int accuracy_column(const QString& task) const;
    // Task datasets with an accuracy or a generation score, in column order.
    QStringList tasks() const;

private:
    QVector<ResultRow> rows_;
    QVector<ResultColumn> columns_;
    QStringList models_;
    std::vector<std::vector<std::optional<Metric>>> cells_;  // [rows][columns]
    QVector<int> model_baseline_;                             // [model_index] baseline row
    QMap<QPair<int, QString>, std::string> primary_;          // (row, task) -> the score acc_delta was paired on
    int reference_row_ = -1;
    bool several_runs_ = false;
};

// The accuracy key a task job's paired comparison (acc_delta) was computed on: llama.cpp's
// per-token score for the hellaswag-llamacpp format, the raw log-likelihood sum otherwise
// (TaskEvalOptions::primary's default); for a generation task the share of items that passed
// (pass_at_1) or answered right (exact_match).
std::string primary_accuracy_key(const JobRecord& job);
// pass@1 or exact match: a generation task's score (outputs checked, no likelihoods to calibrate).
bool is_generation_score(std::string_view key);
// Its short name for headers and axes: "pass@1", "Exact match".
QString generation_score_name(std::string_view key);

}  // namespace qs::ui
