// The sensitivity scans the shown runs carry (KLD jobs with sensitivity settings, see
// engine/mixplan/sensitivity_record.h) as heatmaps (layers x roles, one per run and low type) and
// ranked lists, for the Sensitivity page and the report.
#pragma once

#include <QString>
#include <QVector>
#include <vector>

#include "heatmap_spec.h"
#include "mixplan/sensitivity_record.h"
#include "store/run_record.h"

namespace qs::ui {

struct SensitivityView {
    QString run_label;         // "run 12: llama-d256 (base F32)"
    QString type;              // low type ("q2_K")
    charts::HeatmapSpec heatmap;
    std::vector<SensitivityEntry> ranked;  // most sensitive first
};

// One view per run that carries a scan and per low type of that scan, in run order; empty when none does.
QVector<SensitivityView> sensitivity_views(const std::vector<RunRecord>& runs);

// The heatmap of one table and type: rows "blk.0" .. "blk.N-1" (and "model" for output and
// token_embd when present), columns the roles; cell = mean KLD, tooltip with ± and ln PPL ratio.
charts::HeatmapSpec sensitivity_heatmap(const SensitivityTable& table, const std::string& type, const QString& title,
                                        const QString& base);

}  // namespace qs::ui
