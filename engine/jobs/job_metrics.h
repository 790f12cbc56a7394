// Each evaluator's result turned into catalogue metrics (eval/metric.h), in the catalogue's units
// ("%" = 0..100), so the store, the CLI's JSON/CSV and the GUI see one shape for every job.
#pragma once

#include <vector>

#include "store/run_record.h"

#include "datasets/task_dataset.h"
#include "eval/generation_eval.h"
#include "eval/kl_divergence.h"
#include "eval/metric.h"
#include "eval/perplexity.h"

namespace qs {

// ppl (± stderr), nll_mean (± stderr), bits_per_byte, tokens_scored.
std::vector<Metric> perplexity_metrics(const PerplexityResult& r);
// ppl (of the quantized model), kld_mean (±), kld_median, kld_p99, kld_max, same_top_p (±),
// dp_mean (±), dp_rms (±), ppl_ratio (±), ln_ppl_ratio (±), cor_ln_ppl, tokens_scored.
std::vector<Metric> kld_metrics(const KldReport& r);
// A generation job's stored outputs: every sample of every item with its verdict and detail (the
// extracted answer, else the check's detail), in evaluation order (store/run_record.h ItemOutput).
std::vector<ItemOutput> generation_item_outputs(const GenerationResult& r, const TaskDataset& dataset);

}  // namespace qs
