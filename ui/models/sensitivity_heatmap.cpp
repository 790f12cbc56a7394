#include "sensitivity_heatmap.h"

#include <algorithm>

namespace qs::ui {

charts::HeatmapSpec sensitivity_heatmap(const SensitivityTable& table, const std::string& type, const QString& title,
                                        const QString& base) {
    charts::HeatmapSpec h;
    h.id = "sensitivity_" + QString::fromStdString(type);
    h.title = title;
    h.note = QString("Each cell: mean KL divergence when that tensor group alone is %1, the rest at %2 "
                     "(larger = more sensitive)").arg(QString::fromStdString(type), base);
    h.value_title = "mean KLD";
    h.empty_message = "no sensitivity scan in the shown runs";
    for (const std::string& r : table.roles) h.columns << QString::fromStdString(r);
    for (int l = 0; l < table.n_layers; ++l) h.rows << QString("blk.%1").arg(l);
    const bool has_model_row = std::any_of(table.entries.begin(), table.entries.end(),
                                           [&](const SensitivityEntry& e) { return e.layer < 0 && e.type == type; });
    if (has_model_row) h.rows << "model";
    for (int r = 0; r < h.rows.size(); ++r) {
        const int layer = r < table.n_layers ? r : -1;
        for (const std::string& role : table.roles) {
            const SensitivityEntry* e = table.find(layer, role, type);
            h.values.push_back(e ? e->kld : NAN);
            h.tooltips << (e ? QString("%1 in %2\nmean KLD %3 ± %4\nln PPL ratio %5 ± %6\n%7 bytes")
                                   .arg(QString::fromStdString(e->group), QString::fromStdString(type))
                                   .arg(e->kld, 0, 'g', 5).arg(e->kld_stderr, 0, 'g', 2)
                                   .arg(e->ln_ppl_ratio, 0, 'f', 5).arg(e->ln_ppl_ratio_stderr, 0, 'f', 5)
                                   .arg(e->bytes)
                             : QString());
        }
    }
    return h;
}

QVector<SensitivityView> sensitivity_views(const std::vector<RunRecord>& runs) {
    QVector<SensitivityView> out;
    for (const RunRecord& run : runs) {
        const SensitivityTable table = sensitivity_table_from_run(run);
        if (table.empty()) continue;
        const QString base = QString::fromStdString(run.baseline.empty() ? std::string("the base") : run.baseline);
        for (const std::string& type : table.types) {
            SensitivityView v;
            v.run_label = QString("run %1: %2 (base %3)").arg(run.id).arg(QString::fromStdString(run.model_name), base);
            v.type = QString::fromStdString(type);
            v.heatmap = sensitivity_heatmap(table, type, QString("Sensitivity to %1, %2").arg(v.type, v.run_label), base);
            v.heatmap.id = QString("sensitivity_run%1_%2").arg(run.id).arg(v.type);
            for (const SensitivityEntry* e : table.ranked(type)) v.ranked.push_back(*e);
            out.push_back(std::move(v));
        }
    }
    return out;
}

}  // namespace qs::ui
