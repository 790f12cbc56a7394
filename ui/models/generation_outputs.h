// One generation task's outputs side by side: for each item, what every precision of the run
// wrote and what the check said. The Outputs page shows a row's texts next to each other with the
// differences from the baseline's text marked. Plain data read from the stored outputs
// (job_outputs) of a run's generation task jobs; tested headless.
#pragma once

#include <QString>
#include <QStringList>
#include <QVector>

#include "store/run_record.h"

namespace qs::ui {

struct OutputCell {
    bool present = false;            // the precision's job stored an output for this item
    QString verdict, text, detail;   // first sample: "pass"/"fail"/"timeout"/"error", the text, the check's line
};

struct OutputRow {
    int item = 0;                    // position in the job's items (history --item N)
    QString item_id;                 // "HumanEval/3"
    QVector<OutputCell> cells;       // [precisions]
    bool verdicts_differ = false;    // not every present cell has the same verdict
    bool broken = false;             // the baseline passed and another precision did not
    bool texts_differ = false;       // not every present text is the baseline's
};

struct GenerationOutputs {
    int64_t run_id = 0;
    QString model;                   // the run's model name
    QString dataset;
    QStringList precisions;          // labels, baseline first, then in the run's order
    bool first_is_baseline = false;  // else the run has no baseline job here: the first precision is the reference
    QVector<OutputRow> rows;         // by item position
    // Per precision: items passed, and (other than the baseline) items whose text is the baseline's.
    QVector<int> passed, same_text;
    QString title() const;           // "run 4 · humaneval" (with the model when given)
};

// One table per run and generation dataset with stored outputs. The baseline is the run's (or the
// precision `baseline` names, see is_baseline_job); without one, the first precision leads.
QVector<GenerationOutputs> generation_outputs(const std::vector<RunRecord>& runs, const QString& baseline = {});

}  // namespace qs::ui
