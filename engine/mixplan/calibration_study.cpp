// Calibration study; see calibration_study.h.
#include "mixplan/calibration_study.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "core/error.h"
#include "core/stopwatch.h"
#include "core/sub_progress.h"
#include "eval/imatrix_collect.h"
#include "jobs/job_metrics.h"
#include "mixplan/sensitivity_scan.h"
#include "model/model.h"
#include "gguf/gguf_file.h"
#include "quant/imatrix.h"
#include "quant/quant_mix.h"
#include "quant/precision_recipe.h"
#include "quant/quantize_model.h"

namespace qs {

namespace {

using Clock = SteadyClock;

// `recipe` quantized from `model`'s file (with `imatrix` when given), as a model sharing the rest.
std::shared_ptr<const Model> quantized_model(const std::shared_ptr<const Model>& model, const std::string& recipe,
                                             const ImportanceMatrix* imatrix, int n_threads, const Progress& outer) {
    QuantizeModelOptions q;
    q.mix = PrecisionRecipe::parse(recipe).options;
    q.imatrix = imatrix;
    q.n_threads = n_threads;
    SubProgress sp(outer);
    QuantizedWeights w = quantize_model_in_memory(model->file(), q, sp.progress);
    if (w.tensors.empty()) return model;
    return Model::with_weights(*model, std::move(w.tensors));
}

// Runs f(); a qs::Error it raises (a text too short for its chunking, ...) names the text.
template <class F>
auto naming_text(const StudyText& text, const char* role, F&& f) {
    try {
        return f();
    } catch (const Cancelled&) {
        throw;
    } catch (const Error& e) {
        throw Error(fmt::format("{} text '{}' ({}): {}", role, text.name, text.path, e.what()));
    }
}

// Whether `recipe` on `file` quantizes some tensor to a type llama-quantize refuses to make without
// an importance matrix (the IQ2 mixes as a whole; IQ3_XXS's attn_k in iq2_s, ...).
bool recipe_needs_imatrix(const GgufFile& file, const PrecisionRecipe& recipe) {
    if (quant_mix_requires_imatrix(recipe.options.mix)) return true;
    const std::vector<MixTensor> tensors = mix_tensors_from_gguf(file);
    const std::vector<TensorTypeChoice> plan = plan_tensor_types(recipe.options, mix_model_info_from_gguf(file), tensors);
    for (size_t i = 0; i < tensors.size(); ++i)
        if (plan[i].quantize && tensor_requires_imatrix(tensors[i].name, plan[i].type, recipe.options.mix)) return true;
    return false;
}

}  // namespace

const CalibrationCell* CalibrationStudy::find(int calib_row, int eval_col, int precision) const {
    for (const CalibrationCell& c : cells)
        if (c.calib == calib_row && c.eval == eval_col && c.precision == precision) return &c;
    return nullptr;
}

CalibrationStudy calibration_study(const std::shared_ptr<const Model>& model, const Tokenizer& tokenizer,
                                   const std::vector<StudyText>& calib, const std::vector<StudyText>& eval,
                                   const CalibrationStudyOptions& options, Progress& progress, const CalibrationCellFn& on_cell) {
    const auto t_start = Clock::now();
    if (calib.empty()) throw Error("calibration study: no calibration text (an imatrix is computed from each)");
    if (eval.empty()) throw Error("calibration study: no evaluation text");
    if (options.precisions.empty()) throw Error("calibration study: no precision to quantize with each imatrix");

    CalibrationStudy study;
    study.base = PrecisionRecipe::parse(options.base.empty() ? default_base_precision(model->file()) : options.base).to_string();
    for (const StudyText& t : calib) study.calib.push_back(t.name), study.calib_paths.push_back(t.path);
    // Each evaluation text's tokens, without those the imatrix of the same text reads.
    std::vector<std::span<const int32_t>> eval_tokens;
    for (const StudyText& t : eval) {
        study.eval.push_back(t.name), study.eval_paths.push_back(t.path);
        int64_t skip = 0;
        for (const StudyText& c : calib) {
            if (c.path != t.path) continue;
            if (options.imatrix.max_chunks < 0)
                throw Error(fmt::format("calibration study: '{}' ({}) is both a calibration and an evaluation text and its "
                                        "imatrix would read all of it: limit the imatrix chunks so the rest is held out "
                                        "for evaluation, or evaluate on other texts",
                                        t.name, t.path));
            skip = std::min<int64_t>(int64_t(t.tokens.size()), int64_t(options.imatrix.max_chunks) * options.imatrix.n_ctx);
        }
        study.eval_skipped.push_back(skip);
        eval_tokens.push_back(std::span<const int32_t>(t.tokens).subspan(size_t(skip)));
    }
    std::vector<bool> needs_imatrix;
    for (const std::string& p : options.precisions) {
        const PrecisionRecipe r = PrecisionRecipe::parse(p);
        if (r.kv_quantized())
            throw Error(fmt::format("calibration study: precision '{}': the KV cache's type does not depend on the imatrix; "
                                    "give the weights' precision ({})", p, r.weights_string()));
        study.precisions.push_back(r.to_string());
        needs_imatrix.push_back(recipe_needs_imatrix(model->file(), r));
    }
    int64_t n_cells = 0;
    for (bool need : needs_imatrix) n_cells += int64_t(eval.size()) * int64_t(calib.size() + (options.without_imatrix && !need ? 1 : 0));
    progress.begin(n_cells, "calibration");

    // The base on every evaluation text, once: each cell is measured against these distributions.
    const std::shared_ptr<const Model> base = quantized_model(model, study.base, nullptr, options.n_threads, progress);
    std::vector<KldBaseCache> caches;
    for (size_t e = 0; e < eval.size(); ++e) {
        ModelContext ctx(base, options.eval.n_ctx);
        SubProgress sp(progress);
        KldBase b = naming_text(eval[e], "evaluation",
                                [&] { return kld_base_collect(ctx, tokenizer, eval_tokens[e], options.eval, sp.progress); });
        study.base_perplexity.push_back(b.perplexity);
        caches.push_back(std::move(b.cache));
    }

    // One row: every precision made with `imatrix` (nullptr = "none"), measured on every eval text.
    auto measure_row = [&](int row, const ImportanceMatrix* imatrix) {
        for (size_t p = 0; p < study.precisions.size(); ++p) {
            if (!imatrix && needs_imatrix[p]) continue;
            const auto quantized = quantized_model(model, study.precisions[p], imatrix, options.n_threads, progress);
            for (size_t e = 0; e < eval.size(); ++e) {
                progress.check_cancel();
                const auto t0 = Clock::now();
                ModelContext ctx(quantized, options.eval.n_ctx);
                SubProgress sp(progress);
                const KldReport r = kld_run(ctx, tokenizer, eval_tokens[e], options.eval, caches[e], sp.progress);
                CalibrationCell cell;
                cell.calib = row;
                cell.eval = int(e);
                cell.precision = int(p);
                cell.kld = r.kld;
                cell.ln_ppl_ratio = r.ln_ppl_ratio;
                cell.same_top = r.same_top;
                cell.ppl = r.ppl_q.value;
                cell.metrics = kld_metrics(r);
                cell.seconds = seconds_since(t0);
                study.cells.push_back(std::move(cell));
                progress.advance();
                if (on_cell) on_cell(study, study.cells.back());
            }
        }
    };

    if (options.without_imatrix) measure_row(-1, nullptr);
    for (size_t c = 0; c < calib.size(); ++c) {
        // The imatrix of this text, on the model as loaded (llama-imatrix runs the unquantized file).
        const ImatrixResult im = naming_text(calib[c], "calibration", [&] {
            ModelContext ctx(model, options.imatrix.n_ctx);
            ImatrixOptions io;
            io.chunks = options.imatrix;
            io.dataset = calib[c].path;
            SubProgress sp(progress);
            return imatrix_collect(ctx, tokenizer, calib[c].tokens, io, sp.progress);
        });
        study.imatrix_chunks.push_back(im.matrix.chunk_count);
        measure_row(int(c), &im.matrix);
    }
    study.seconds_total = seconds_since(t_start);
    return study;
}

}  // namespace qs
