// Sensitivity scans as store records; see sensitivity_record.h.
#include "mixplan/sensitivity_record.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "jobs/job_metrics.h"
#include "store/study_cell.h"
#include "store/results_store.h"

namespace qs {

namespace {

}  // namespace

JobRecord sensitivity_base_job(const SensitivityScan& scan, const std::string& dataset, const std::string& settings_json) {
    JobRecord j;
    j.index = 0;
    j.precision = scan.base;
    j.evaluator = EvaluatorKind::Perplexity;
    j.dataset = dataset;
    j.settings_json = settings_json;
    j.status = JobStatus::Done;
    j.seconds = scan.seconds_base;
    j.metrics = perplexity_metrics(scan.base_perplexity);
    j.finished_at = utc_now_iso8601();
    return j;
}

JobRecord sensitivity_cell_job(const SensitivityScan& scan, const SensitivityCell& cell, int index,
                               const std::string& dataset, const std::string& settings_json) {
    const TensorGroup& g = scan.groups[size_t(cell.group)];
    nlohmann::json settings = settings_json.empty() ? nlohmann::json::object() : nlohmann::json::parse(settings_json);
    settings[kSensitivityStudyKey] = {{"group", g.label()}, {"layer", g.layer}, {"role", g.role},
                               {"type", type_name(cell.type)}, {"bytes", cell.bytes}, {"base", scan.base}};
    JobRecord j;
    j.index = index;
    j.precision = cell.recipe;
    j.precision_name = g.label() + " " + type_name(cell.type);
    j.evaluator = EvaluatorKind::Kld;
    j.dataset = dataset;
    j.settings_json = settings.dump();
    j.status = JobStatus::Done;
    j.seconds = cell.seconds;
    j.metrics = cell.metrics;
    j.finished_at = utc_now_iso8601();
    return j;
}

const SensitivityEntry* SensitivityTable::find(int layer, const std::string& role, const std::string& type) const {
    for (const SensitivityEntry& e : entries)
        if (e.layer == layer && e.role == role && e.type == type) return &e;
    return nullptr;
}

std::vector<const SensitivityEntry*> SensitivityTable::ranked(const std::string& type) const {
    std::vector<const SensitivityEntry*> out;
    for (const SensitivityEntry& e : entries)
        if (e.type == type) out.push_back(&e);
    std::stable_sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->kld > b->kld; });
    return out;
}

SensitivityTable sensitivity_table_from_run(const RunRecord& run) {
    SensitivityTable table;
    std::vector<std::string> roles;
    for (const JobRecord& j : run.jobs) {
        if (j.status != JobStatus::Done) continue;
        const nlohmann::json s = kld_job_study_settings(j, kSensitivityStudyKey);
        if (s.is_null()) continue;
        SensitivityEntry e;
        e.group = s.value("group", std::string());
        e.layer = s.value("layer", -1);
        e.role = s.value("role", std::string());
        e.type = s.value("type", std::string());
        e.bytes = s.value("bytes", uint64_t(0));
        if (const Metric* m = metric_find(j.metrics, "kld_mean")) e.kld = m->value, e.kld_stderr = m->stderr_;
        if (const Metric* m = metric_find(j.metrics, "ln_ppl_ratio")) e.ln_ppl_ratio = m->value, e.ln_ppl_ratio_stderr = m->stderr_;
        if (std::find(table.types.begin(), table.types.end(), e.type) == table.types.end()) table.types.push_back(e.type);
        if (std::find(roles.begin(), roles.end(), e.role) == roles.end()) roles.push_back(e.role);
        table.n_layers = std::max(table.n_layers, e.layer + 1);
        table.entries.push_back(std::move(e));
    }
    for (const std::string& r : tensor_group_role_order())
        if (std::find(roles.begin(), roles.end(), r) != roles.end()) table.roles.push_back(r);
    for (const std::string& r : roles)
        if (std::find(table.roles.begin(), table.roles.end(), r) == table.roles.end()) table.roles.push_back(r);
    return table;
}

}  // namespace qs
