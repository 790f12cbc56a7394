#include "jobs/job_metrics.h"

namespace qs {
namespace {

Metric with_stderr(const char* key, double value, double stderr_) {
    Metric m{key, value};
    m.stderr_ = stderr_;
    return m;
}

}  // namespace

std::vector<Metric> perplexity_metrics(const PerplexityResult& r) {
    return {
        with_stderr("ppl", r.ppl, r.ppl_stderr),
        with_stderr("nll_mean", r.nll_mean, r.nll_stderr),
        Metric{"bits_per_byte", r.bits_per_byte},
        Metric{"tokens_scored", double(r.tokens_scored)},
    };
}

std::vector<Metric> kld_metrics(const KldReport& r) {
    // KldReport keeps llama.cpp's fractions; the catalogue's "%" keys are 0..100.
    return {
        with_stderr("ppl", r.ppl_q.value, r.ppl_q.unc),
        with_stderr("kld_mean", r.kld.value, r.kld.unc),
        Metric{"kld_median", r.kld_median},
        Metric{"kld_p99", r.kld_p99},
        Metric{"kld_max", r.kld_max},
        with_stderr("same_top_p", 100.0 * r.same_top.value, 100.0 * r.same_top.unc),
        with_stderr("dp_mean", 100.0 * r.dp_mean.value, 100.0 * r.dp_mean.unc),
        with_stderr("dp_rms", 100.0 * r.dp_rms.value, 100.0 * r.dp_rms.unc),
        with_stderr("ppl_ratio", r.ppl_ratio.value, r.ppl_ratio.unc),
        with_stderr("ln_ppl_ratio", r.ln_ppl_ratio.value, r.ln_ppl_ratio.unc),
        Metric{"cor_ln_ppl", 100.0 * r.cor_ln_ppl},
        Metric{"tokens_scored", double(r.count)},
    };
}

std::vector<ItemOutput> generation_item_outputs(const GenerationResult& r, const TaskDataset& dataset) {
    std::vector<ItemOutput> out;
    for (size_t k = 0; k < r.items.size(); ++k) {
        const GenerationItemResult& ir = r.items[k];
        for (size_t sample = 0; sample < ir.outputs.size(); ++sample) {
            const GenerationCheck& c = ir.checks[sample];
            out.push_back(ItemOutput{int(k), int(sample), dataset.items[ir.item_index].id, ir.outputs[sample],
                                     generation_verdict_name(c.verdict), c.extracted.empty() ? c.detail : c.extracted});
        }
    }
    return out;
}

}  // namespace qs
