// The Outputs page's list of items: one row per item of a generation task, one column per
// precision with its verdict (coloured: pass green, fail red, timeout orange, error grey) and the
// check's line as tooltip. A filter keeps every item, those whose verdicts differ, or those a
// precision broke (the baseline passed, it did not). Tested headless.
#pragma once

#include <QAbstractTableModel>

#include "generation_outputs.h"

namespace qs::ui {

class GenerationItemsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum class Filter { All, VerdictsDiffer, Broken };
    explicit GenerationItemsModel(QObject* parent = nullptr);

    void set_outputs(const GenerationOutputs& outputs);
    void set_filter(Filter filter);
    Filter filter() const { return filter_; }
    const GenerationOutputs& outputs() const { return outputs_; }
    // The shown row's entry of outputs().rows.
    const OutputRow& output_row(int row) const { return outputs_.rows[shown_[row]]; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    void refilter();
    GenerationOutputs outputs_;
    Filter filter_ = Filter::All;
    QVector<int> shown_;  // indices into outputs_.rows
};

// Background colour of a verdict ("pass", "fail", "timeout", "error"), shared with the page's panels.
QColor verdict_color(const QString& verdict);

}  // namespace qs::ui
