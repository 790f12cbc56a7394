// Where a precision's generated answers changed verdict against the baseline's, item by item: the
// items the baseline passed and this precision fails ("where Q4 broke the function"), and the
// other way round. Plain data, read from the stored outputs (job_outputs) of generation task jobs;
// the report lists it, tested headless.
#pragma once

#include <QString>
#include <QVector>

#include "store/run_record.h"

namespace qs::ui {

struct GenerationChange {
    int item = 0;                       // position in the job's items (history --item N)
    QString item_id;                    // the dataset's id ("HumanEval/3")
    QString baseline_verdict, verdict;  // "pass", "fail", "timeout", "error"
    QString baseline_text, text;        // the two generated texts (first sample)
    QString detail;                     // what the check saw for this precision (the error line)
};

struct GenerationChanges {
    int64_t run_id = 0;
    QString dataset;
    QString precision;                  // precision_label() of the compared job
    QString baseline;                   // precision_label() of the baseline's job
    int items = 0;                      // items both jobs answered
    int broken = 0;                     // baseline passed, this precision does not
    int fixed = 0;                      // baseline did not pass, this precision does
    int same_text = 0;                  // byte-identical first outputs
    QVector<GenerationChange> changes;  // every item whose verdict differs, broken ones first
};

// For every run and every generation task dataset, each non-baseline precision's job against the
// baseline's job (the run's baseline; `baseline` overrides it when it names a precision of the
// run). Jobs without stored outputs are left out. Items are matched by position and first sample.
QVector<GenerationChanges> generation_changes(const std::vector<RunRecord>& runs, const QString& baseline = {});

}  // namespace qs::ui
