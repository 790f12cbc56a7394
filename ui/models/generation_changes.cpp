#include "generation_changes.h"

#include <algorithm>
#include <map>

#include "qstring_from.h"

namespace qs::ui {
namespace {

// The first sample of each item, by item position.
std::map<int, const ItemOutput*> first_samples(const JobRecord& j) {
    std::map<int, const ItemOutput*> out;
    for (const ItemOutput& o : j.item_outputs)
        if (o.sample == 0) out[o.item] = &o;
    return out;
}


GenerationChanges compare(const RunRecord& run, const JobRecord& base, const JobRecord& job) {
    GenerationChanges c;
    c.run_id = run.id;
    c.dataset = q(job.dataset);
    c.precision = q(precision_label(job));
    c.baseline = q(precision_label(base));
    const auto base_outputs = first_samples(base);
    for (const auto& [item, out] : first_samples(job)) {
        const auto it = base_outputs.find(item);
        if (it == base_outputs.end()) continue;
        const ItemOutput& b = *it->second;
        ++c.items;
        c.same_text += b.text == out->text;
        if (b.verdict == out->verdict) continue;
        const bool broken = b.verdict == "pass";
        c.broken += broken;
        c.fixed += out->verdict == "pass";
        c.changes.push_back({item, q(out->item_id), q(b.verdict), q(out->verdict), q(b.text), q(out->text), q(out->detail)});
    }
    std::stable_partition(c.changes.begin(), c.changes.end(), [](const GenerationChange& g) { return g.baseline_verdict == "pass"; });
    return c;
}

}  // namespace

bool is_baseline_job(const RunRecord& run, const JobRecord& job, const QString& baseline) {
    auto named = [&](const JobRecord& j) { return q(j.precision) == baseline || q(precision_label(j)) == baseline; };
    const bool override_base = !baseline.isEmpty() && std::any_of(run.jobs.begin(), run.jobs.end(), named);
    return override_base ? named(job) : job.precision == run.baseline;
}

QVector<GenerationChanges> generation_changes(const std::vector<RunRecord>& runs, const QString& baseline) {
    QVector<GenerationChanges> out;
    for (const RunRecord& run : runs) {
        for (const JobRecord& base : run.jobs) {
            if (base.item_outputs.empty() || !is_baseline_job(run, base, baseline)) continue;
            for (const JobRecord& job : run.jobs)
                if (&job != &base && job.dataset == base.dataset && job.evaluator == base.evaluator && !job.item_outputs.empty())
                    out.push_back(compare(run, base, job));
        }
    }
    return out;
}

}  // namespace qs::ui
