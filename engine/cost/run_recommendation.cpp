#include "cost/run_recommendation.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "eval/comparison.h"
#include "store/study_cell.h"

namespace qs {
namespace {

CandidateEvidence& candidate(std::vector<CandidateEvidence>& list, const std::string& precision) {
    for (CandidateEvidence& e : list)
        if (e.precision == precision) return e;
    list.push_back({});
    list.back().precision = precision;
    return list.back();
}

double settings_number(const std::string& settings_json, const char* key) {
    const auto j = nlohmann::json::parse(settings_json, nullptr, false);
    return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0.0;
}

const JobRecord* baseline_task(const RunRecord& run, const std::string& baseline, const std::string& dataset) {
    for (const JobRecord& j : run.jobs)
        if (j.precision == baseline && j.evaluator == EvaluatorKind::Task && j.dataset == dataset && j.status == JobStatus::Done) return &j;
    return nullptr;
}

PairedAccuracy paired(const JobRecord& base, const JobRecord& job) {
    PairedAccuracy a;
    a.dataset = job.dataset;
    const bool pairable = !job.item_correct.empty() && job.item_correct.size() == base.item_correct.size();
    if (pairable) {
        a.items = int64_t(job.item_correct.size());
        a.base_only = a.other_only = 0;
        for (size_t i = 0; i < job.item_correct.size(); ++i) {
            a.base_only += base.item_correct[i] && !job.item_correct[i];
            a.other_only += !base.item_correct[i] && job.item_correct[i];
        }
    }
    if (const Metric* d = metric_find(job.metrics, "acc_delta"); d && d->has_interval()) {
        a.delta_pp = d->value;
        a.ci = {d->ci_low, d->ci_high};
    } else if (pairable) {
        const ComparisonResult c = compare_precisions({precision_outcome(base.precision, base.item_correct),
                                                       precision_outcome(job.precision, job.item_correct)}, base.precision);
        a.delta_pp = c.rows.at(1).acc_delta;
        a.ci = c.rows.at(1).delta_ci;
    }
    return a;
}

}  // namespace

RunEvidence run_evidence(const RunRecord& run, const std::string& baseline) {
    RunEvidence out;
    out.baseline = baseline.empty() ? run.baseline : baseline;
    if (out.baseline.empty() && !run.jobs.empty()) out.baseline = run.jobs.front().precision;  // plan order: the baseline first
    out.measured.machine = measuring_machine_parse(run.machine);
    for (const JobRecord& j : run.jobs) {
        if (job_is_study_cell(j)) continue;
        CandidateEvidence& e = candidate(out.evidence, j.precision);
        if (j.status != JobStatus::Done) continue;
        switch (j.evaluator) {
            case EvaluatorKind::Task: {
                if (j.precision == out.baseline) break;
                if (const JobRecord* base = baseline_task(run, out.baseline, j.dataset)) e.accuracy.push_back(paired(*base, j));
                if (const Metric* r = metric_find(j.metrics, "retention"); r && std::isnan(e.retention_pct)) e.retention_pct = r->value;
                break;
            }
            case EvaluatorKind::Kld:
                if (const Metric* k = metric_find(j.metrics, "kld_mean")) e.kld_mean = k->value, e.kld_se = k->stderr_;
                if (const Metric* r = metric_find(j.metrics, "ppl_ratio")) e.ppl_ratio = r->value, e.ppl_ratio_se = r->stderr_;
                break;
            case EvaluatorKind::Bench: {
                const Metric* tg = metric_find(j.metrics, "tg_tps");
                if (!tg || !(tg->value > 0)) break;
                const double reps = settings_number(j.settings_json, "repetitions");
                const double sd_scale = reps > 0 ? std::sqrt(reps) : std::nan("");  // stored stderr = sd / sqrt(reps)
                PrecisionSpeed s;
                s.precision = j.precision;
                s.tg_tps = tg->value;
                s.tg_tps_sd = tg->stderr_ * sd_scale;
                if (const Metric* pp = metric_find(j.metrics, "pp_tps"); pp && pp->value > 0) s.pp_tps = pp->value, s.pp_tps_sd = pp->stderr_ * sd_scale;
                s.source = SpeedSource::Measured;
                s.model_file = run.model_path;
                s.source_detail = fmt::format("QuantScope bench on {} (run {})", out.measured.machine.text(), run.id);
                out.measured.speeds.push_back(s);
                ModelFootprint fp;
                fp.precision = j.precision;
                if (const Metric* w = metric_find(j.metrics, "weight_bytes")) fp.weight_bytes = w->value;
                if (const Metric* b = metric_find(j.metrics, "bits_per_weight"); b && b->value > 0) fp.n_params = fp.weight_bytes * 8.0 / b->value;
                const double n_ctx = settings_number(j.settings_json, "n_prompt") + settings_number(j.settings_json, "n_gen");
                if (const Metric* kv = metric_find(j.metrics, "kv_bytes"); kv && n_ctx > 0) fp.kv_bytes_per_position = kv->value / n_ctx;
                out.measured.footprints.push_back(fp);
                break;
            }
            case EvaluatorKind::Perplexity: break;
        }
    }
    return out;
}

std::vector<CandidateEvidence> evidence_from_speeds(const std::vector<PrecisionSpeed>& speeds) {
    std::vector<CandidateEvidence> out;
    for (const PrecisionSpeed& s : speeds) {
        CandidateEvidence e;
        e.precision = s.precision;
        e.retention_pct = s.retention_pct;
        out.push_back(std::move(e));
    }
    return out;
}

Decision recommend_precision(std::vector<CandidateEvidence> evidence, const std::vector<PrecisionCost>& costs,
                             const std::string& baseline, DecisionOptions options) {
    const bool by_month = std::any_of(costs.begin(), costs.end(), [](const PrecisionCost& c) { return c.monthly_usd > 0; });
    if (options.price_unit.empty()) options.price_unit = by_month ? "per month" : "per million generated tokens";
    for (CandidateEvidence& e : evidence) {
        e.price = std::nan("");
        for (const PrecisionCost& c : costs)
            if (c.precision == e.precision) e.price = by_month ? c.monthly_usd : c.cost_per_mtok_gen;
    }
    return decide_precision(evidence, baseline, options);
}

Decision recommend_servable(const std::vector<CandidateEvidence>& evidence, const std::vector<PrecisionCost>& costs,
                            const ProfileSpeeds& speeds, const HardwarePrice* profile, const std::string& baseline,
                            const DecisionOptions& options) {
    std::vector<PrecisionCost> servable;
    std::string too_big;
    for (const PrecisionCost& c : costs) {
        const ServingCapacity* cap = speeds.capacity_of(c.precision);
        if (cap && cap->known && !cap->fits) too_big += (too_big.empty() ? "" : ", ") + c.precision;
        else servable.push_back(c);
    }
    Decision d = recommend_precision(evidence, servable, baseline, options);
    if (!too_big.empty() && profile) d.reason += fmt::format(" ({} does not fit in {}'s memory)", too_big, profile->name);
    return d;
}

RunVerdict run_verdict(const RunRecord& run, const HardwarePrice* profile, const RooflineParams& roofline, DecisionOptions options,
                       const std::string& baseline) {
    RunVerdict v;
    const RunEvidence ev = run_evidence(run, baseline);
    if (profile) v.speeds = profile_speeds(profile, roofline, &ev.measured, nullptr);
    else v.speeds.why = "no hardware profile was chosen";
    if (!v.speeds.ok) {
        // No speed for this profile: the rule still judges the evidence, ranking by size instead.
        std::vector<CandidateEvidence> by_size = ev.evidence;
        for (CandidateEvidence& e : by_size)
            for (const JobRecord& j : run.jobs)
                if (const Metric* b = metric_find(j.metrics, "bits_per_weight"); j.precision == e.precision && b && b->value > 0) {
                    e.price = b->value;
                    break;
                }
        options.price_unit = "bits per weight";
        options.price_in_usd = false;
        v.decision = decide_precision(by_size, ev.baseline, options);
        v.by_size = true;
        return v;
    }
    CostInputs in;
    in.usd_per_hour = profile->usd_per_hour;
    const auto& speeds = v.speeds.speeds;
    in.baseline = std::any_of(speeds.begin(), speeds.end(), [&](const PrecisionSpeed& s) { return s.precision == ev.baseline; })
                      ? ev.baseline
                      : speeds.front().precision;
    v.costs = cost_compare(speeds, in);
    v.decision = recommend_servable(ev.evidence, v.costs, v.speeds, profile, ev.baseline, options);  // the baseline the evidence compares with
    return v;
}

std::string speeds_where(const ProfileSpeeds& speeds, const HardwarePrice* profile, double usd_per_hour) {
    const std::string name = profile ? profile->name : "the machine you priced";
    if (!speeds.ok) return "ranked by bits per weight: " + speeds.why;  // `why` names the profile
    return fmt::format("on {} at ${:g}/h with speeds {}: {}", name, usd_per_hour, speed_source_name(speeds.source), speeds.why);
}

std::string run_verdict_where(const RunVerdict& v, const HardwarePrice* profile) {
    if (!profile) return "ranked by bits per weight: " + v.speeds.why;
    return speeds_where(v.speeds, profile, profile->usd_per_hour);
}

}  // namespace qs
