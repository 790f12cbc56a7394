// The mixed-precision recommender; see mix_recommend.h.
#include "mixplan/mix_recommend.h"

#include <cmath>

#include <fmt/format.h>

#include "core/error.h"
#include "gguf/gguf_file.h"
#include "jobs/job_metrics.h"
#include "model/model.h"
#include "quant/precision_recipe.h"
#include "quant/quantize_model.h"

namespace qs {

namespace {

// The recipe measured exactly as `eval --kld` measures it: quantized from the file by the recipe
// string, run over the scan's chunks against the scan's base pass.
void measure(const std::shared_ptr<const Model>& model, const Tokenizer& tokenizer, std::span<const int32_t> tokens,
             const RecommendOptions& options, const SensitivityScan& scan, Progress& progress, RecommendRound& round) {
    const PrecisionRecipe recipe = PrecisionRecipe::parse(round.recipe);
    const RecipeEstimate est = recipe.estimate(model->file());
    round.tensor_bytes = est.tensor_bytes;
    round.bits_per_weight = est.bits_per_weight();
    QuantizeModelOptions qopts;
    qopts.mix = recipe.options;
    qopts.n_threads = options.n_threads;
    qopts.imatrix = options.imatrix;
    QuantizedWeights q = quantize_model_in_memory(model->file(), qopts, progress);
    const auto mixed = Model::with_weights(*model, std::move(q.tensors));
    ModelContext ctx(mixed, options.ppl.n_ctx);
    const KldReport r = kld_run(ctx, tokenizer, tokens, options.ppl, *scan.base_cache, progress);
    round.kld = r.kld;
    round.ln_ppl_ratio = r.ln_ppl_ratio;
    round.metrics = kld_metrics(r);
}

}  // namespace

Recommendation mix_recommend(const std::shared_ptr<const Model>& model, const Tokenizer& tokenizer,
                             std::span<const int32_t> tokens, const RecommendOptions& options, Progress& progress,
                             const SensitivityCellFn& on_cell) {
    const int budgets = (options.max_bytes > 0) + (options.max_bpw > 0) + (options.max_kld > 0);
    if (budgets != 1) throw Error("recommend: give exactly one budget (--max-bpw, --max-bytes or --max-kld)");
    if (options.types.empty()) throw Error("recommend: no candidate type");
    if (options.rounds < 1) throw Error("recommend: --rounds must be at least 1");
    SensitivityOptions sopts;
    sopts.base = options.base;
    sopts.low = options.types;
    sopts.ppl = options.ppl;
    sopts.n_threads = options.n_threads;
    sopts.imatrix = options.imatrix;
    return mix_recommend_from_scan(model, tokenizer, tokens, options,
                                   sensitivity_scan(model, tokenizer, tokens, sopts, progress, on_cell), progress);
}

Recommendation mix_recommend_from_scan(const std::shared_ptr<const Model>& model, const Tokenizer& tokenizer,
                                       std::span<const int32_t> tokens, const RecommendOptions& options,
                                       SensitivityScan scan_made, Progress& progress) {
    const int budgets = (options.max_bytes > 0) + (options.max_bpw > 0) + (options.max_kld > 0);
    if (budgets != 1) throw Error("recommend: give exactly one budget (--max-bpw, --max-bytes or --max-kld)");
    if (options.rounds < 1) throw Error("recommend: --rounds must be at least 1");
    if (scan_made.cells.empty() || !scan_made.base_cache) throw Error("recommend: the sensitivity scan has no cell");
    Recommendation rec;
    for (const GgufTensorInfo& t : model->file().tensors()) rec.n_elements += t.n_elements();
    rec.budget_bytes = options.max_bytes;
    if (options.max_bpw > 0) rec.budget_bytes = uint64_t(std::floor(options.max_bpw * double(rec.n_elements) / 8.0));
    rec.scan = std::move(scan_made);
    const SensitivityScan& scan = rec.scan;

    // The additive model: group g in type t costs the KLD it showed alone, and its bytes in t.
    std::vector<std::vector<MixOption>> options_per_group(scan.groups.size());
    for (size_t g = 0; g < scan.groups.size(); ++g)
        for (size_t t = 0; t < scan.types.size(); ++t)
            options_per_group[g].push_back({scan.cell(g, t).bytes, std::max(0.0, scan.cell(g, t).kld.value)});

    double target = options.max_kld;
    for (int round = 0; round < options.rounds; ++round) {
        progress.check_cancel();
        MixPlan plan;
        if (rec.budget_bytes > 0) {
            if (rec.budget_bytes <= scan.other_bytes)
                throw Error(fmt::format("recommend: the budget of {} bytes does not even hold the {} bytes of tensors "
                                        "that are never quantized (norms)", rec.budget_bytes, scan.other_bytes));
            plan = mix_optimize_bytes(options_per_group, rec.budget_bytes - scan.other_bytes);
            if (!plan.feasible)
                throw Error(fmt::format("recommend: no mix of the candidate types fits in {} bytes (the smallest "
                                        "takes {})", rec.budget_bytes, plan.bytes + scan.other_bytes));
        } else {
            plan = mix_optimize_kld(options_per_group, target);
        }
        RecommendRound r;
        r.predicted_kld = plan.predicted_kld;
        r.target_kld = options.max_kld > 0 ? target : 0;
        std::vector<std::optional<GgmlType>> types;
        for (size_t g = 0; g < scan.groups.size(); ++g) {
            r.group_types.push_back(scan.types[size_t(plan.choice[g])]);
            types.push_back(r.group_types.back());
        }
        r.recipe = tensor_groups_recipe(scan.base, scan.groups, types);
        bool repeat = false;
        for (const RecommendRound& earlier : rec.rounds) repeat |= earlier.recipe == r.recipe;
        if (repeat) break;  // the correction leads back to a plan already measured
        measure(model, tokenizer, tokens, options, scan, progress, r);
        if (rec.budget_bytes > 0 && r.tensor_bytes > rec.budget_bytes)
            throw Error(fmt::format("recommend: internal error: the plan takes {} bytes, over the budget of {}",
                                    r.tensor_bytes, rec.budget_bytes));
        rec.rounds.push_back(std::move(r));
        const RecommendRound& m = rec.rounds.back();
        if (rec.budget_bytes > 0) break;  // the size is exact: nothing to correct
        if (m.kld.value <= options.max_kld) break;
        // Missed: the additive model was optimistic by measured / predicted; aim that much lower.
        target *= m.predicted_kld > 0 ? std::min(0.95, m.predicted_kld / m.kld.value) : 0.5;
    }
    for (size_t i = 0; i < rec.rounds.size(); ++i) {
        const RecommendRound& r = rec.rounds[i];
        if (rec.best < 0) { rec.best = int(i); continue; }
        const RecommendRound& b = rec.rounds[size_t(rec.best)];
        if (options.max_kld > 0) {
            const bool r_ok = r.kld.value <= options.max_kld, b_ok = b.kld.value <= options.max_kld;
            if ((r_ok && !b_ok) || (r_ok == b_ok && (r_ok ? r.tensor_bytes < b.tensor_bytes : r.kld.value < b.kld.value)))
                rec.best = int(i);
        } else if (r.kld.value < b.kld.value) {
            rec.best = int(i);
        }
    }
    return rec;
}

}  // namespace qs
