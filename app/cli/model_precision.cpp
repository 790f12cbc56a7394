#include "model_precision.h"

#include <chrono>

#include "model/model.h"
#include "progress_bar.h"
#include "quant/precision_recipe.h"
#include "quant/quantize_model.h"

namespace qs::cli {

std::shared_ptr<const Model> model_at(const std::shared_ptr<const Model>& base, const std::string& precision,
                                      int threads, bool quiet, double& quantize_seconds) {
    quantize_seconds = 0;
    if (precision == kAsLoaded) return base;
    const PrecisionRecipe recipe = PrecisionRecipe::parse(precision);
    QuantizeModelOptions qopts;
    qopts.mix = recipe.options;
    qopts.n_threads = threads;
    ProgressBar bar(!quiet);
    Progress progress(bar.callback());
    const auto t0 = std::chrono::steady_clock::now();
    QuantizedWeights q = quantize_model_in_memory(base->file(), qopts, progress);
    bar.finish();
    quantize_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return Model::with_weights(*base, std::move(q.tensors));
}

}  // namespace qs::cli
