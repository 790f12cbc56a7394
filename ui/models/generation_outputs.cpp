#include "generation_outputs.h"

#include <algorithm>
#include <map>

#include "generation_changes.h"
#include "qstring_from.h"

namespace qs::ui {
namespace {


GenerationOutputs table_for(const RunRecord& run, const std::string& dataset, const QString& baseline) {
    GenerationOutputs t;
    t.run_id = run.id;
    t.model = q(run.model_name);
    t.dataset = q(dataset);
    std::vector<const JobRecord*> jobs;
    for (const JobRecord& j : run.jobs)
        if (j.dataset == dataset && !j.item_outputs.empty()) {
            if (is_baseline_job(run, j, baseline) && !t.first_is_baseline) {
                jobs.insert(jobs.begin(), &j);
                t.first_is_baseline = true;
            }
            else
                jobs.push_back(&j);
        }
    std::map<int, OutputRow> rows;
    for (size_t c = 0; c < jobs.size(); ++c) {
        t.precisions << q(precision_label(*jobs[c]));
        for (const ItemOutput& o : jobs[c]->item_outputs) {
            if (o.sample != 0) continue;
            OutputRow& row = rows[o.item];
            row.item = o.item;
            if (row.item_id.isEmpty()) row.item_id = q(o.item_id);
            row.cells.resize(qsizetype(jobs.size()));
            row.cells[qsizetype(c)] = {true, q(o.verdict), q(o.text), q(o.detail)};
        }
    }
    t.passed.fill(0, t.precisions.size());
    t.same_text.fill(0, t.precisions.size());
    for (auto& [item, row] : rows) {
        row.cells.resize(t.precisions.size());
        const OutputCell& base = row.cells[0];
        for (qsizetype c = 0; c < row.cells.size(); ++c) {
            const OutputCell& cell = row.cells[c];
            if (!cell.present) continue;
            t.passed[c] += cell.verdict == "pass";
            if (!base.present) continue;
            row.verdicts_differ |= cell.verdict != base.verdict;
            row.broken |= base.verdict == "pass" && cell.verdict != "pass";
            row.texts_differ |= cell.text != base.text;
            t.same_text[c] += c > 0 && cell.text == base.text;
        }
        t.rows.push_back(row);
    }
    return t;
}

}  // namespace

QString GenerationOutputs::title() const {
    QString s = QString("run %1 · %2").arg(run_id).arg(dataset);
    if (!model.isEmpty()) s += " (" + model + ")";
    return s;
}

QVector<GenerationOutputs> generation_outputs(const std::vector<RunRecord>& runs, const QString& baseline) {
    QVector<GenerationOutputs> out;
    for (const RunRecord& run : runs) {
        std::vector<std::string> datasets;
        for (const JobRecord& j : run.jobs)
            if (!j.item_outputs.empty() && std::find(datasets.begin(), datasets.end(), j.dataset) == datasets.end())
                datasets.push_back(j.dataset);
        for (const std::string& d : datasets) out.push_back(table_for(run, d, baseline));
    }
    return out;
}

}  // namespace qs::ui
