// Importance-matrix collection; see imatrix_collect.h.
#include "eval/imatrix_collect.h"

#include <algorithm>
#include <unordered_map>

#include "kernels/matmul.h"
#include "model/model.h"

namespace qs {

namespace {

// llama-imatrix ignores matrix products of fewer tokens than this.
constexpr int64_t kMinTokens = 16;

// Accumulates squared activations per input column for the weights it knows by data pointer.
class ActivationSquares : public MatmulObserver {
public:
    ActivationSquares(const Model& model, bool process_output) {
        // Matrices only: 3-D expert tensors (MoE) would need llama-imatrix's per-expert counts of the
        // tokens routed to each expert, which a plain matmul does not see; they are left out (so a
        // MoE model's imatrix has no expert entries) rather than attributed wrongly.
        for (const GgufTensorInfo& t : model.file().tensors()) {
            const bool wanted = t.name.rfind("blk.", 0) == 0 || (process_output && t.name == "output.weight");
            if (wanted && t.ne.size() == 2) names_.emplace(t.data, t.name);
        }
    }

    void on_matmul(const WeightView& w, const float* x, int64_t m, int64_t ldx) override {
        if (m < kMinTokens) return;
        const auto it = names_.find(w.data);
        if (it == names_.end()) return;
        ImatrixEntry& e = entries_[it->second];
        if (e.sums.empty()) {
            e.n_per_row = w.k;
            e.sums.assign(size_t(w.k), 0.0f);
            e.counts.assign(1, 0.0f);
        }
        float* sums = e.sums.data();
        for (int64_t row = 0; row < m; ++row) {
            const float* xr = x + row * ldx;
            for (int64_t j = 0; j < w.k; ++j) sums[j] += xr[j] * xr[j];
        }
        e.counts[0] += float(m);
    }

    std::map<std::string, ImatrixEntry>& entries() { return entries_; }

private:
    std::unordered_map<const void*, std::string> names_;  // weight data -> tensor name
    std::map<std::string, ImatrixEntry> entries_;
};

}  // namespace

ImatrixResult imatrix_collect(ModelContext& ctx, const Tokenizer& tokenizer, std::span<const int32_t> tokens,
                              const ImatrixOptions& opts, Progress& progress) {
    ActivationSquares squares(ctx.model(), opts.process_output);
    PerplexityOptions popts = opts.chunks;
    popts.all_positions = true;  // every token through every layer, as llama-imatrix computes all logits
    ImatrixResult r;
    {
        const ScopedMatmulObserver observe(&squares);
        r.perplexity = perplexity_run(ctx, tokenizer, tokens, popts, progress);
    }
    ImportanceMatrix& m = r.matrix;
    m.entries = std::move(squares.entries());
    if (!opts.dataset.empty()) m.datasets.push_back(opts.dataset);
    m.chunk_size = uint32_t(popts.n_ctx);
    // llama-imatrix's chunk count: the most tokens any matrix saw, in whole chunks.
    float most = 0;
    for (const auto& [name, e] : m.entries) most = std::max(most, e.counts[0]);
    m.chunk_count = uint32_t(most / float(popts.n_ctx));
    return r;
}

}  // namespace qs
