// Sensitivity scan; see sensitivity_scan.h.
#include "mixplan/sensitivity_scan.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "core/error.h"
#include "core/stopwatch.h"
#include "core/sub_progress.h"
#include "gguf/gguf_file.h"
#include "jobs/job_metrics.h"
#include "model/model.h"
#include "quant/precision_recipe.h"
#include "quant/quantize_model.h"

namespace qs {

namespace {

using Clock = SteadyClock;

// The group's tensors in `low`: the copies quantized for the whole model, or the file's own bytes
// when the file already holds that type (quantize_model_in_memory leaves those out).
std::map<std::string, OwnedTensor> group_tensors(const GgufFile& file, const TensorGroup& group,
                                                 const std::map<std::string, OwnedTensor>& quantized) {
    std::map<std::string, OwnedTensor> out;
    for (const std::string& name : group.tensors) {
        if (auto it = quantized.find(name); it != quantized.end()) {
            out.emplace(name, it->second);
            continue;
        }
        const GgufTensorInfo* t = file.find_tensor(name);
        if (!t) fail_file(file.path(), "tensor '{}' disappeared", name);
        out.emplace(name, OwnedTensor{t->type, t->ne, std::vector<uint8_t>(t->data, t->data + t->nbytes)});
    }
    return out;
}

}  // namespace

std::vector<size_t> SensitivityScan::ranking(size_t type) const {
    std::vector<size_t> order(groups.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return cell(a, type).kld.value > cell(b, type).kld.value; });
    for (size_t& i : order) i += type * groups.size();
    return order;
}

std::string default_base_precision(const GgufFile& file) {
    std::map<GgmlType, int64_t> weights;
    for (const GgufTensorInfo& t : file.tensors())
        if (tensor_is_quantizable(MixTensor{t.name, t.ne, t.type})) weights[t.type] += t.n_elements();
    if (weights.empty()) fail_file(file.path(), "no quantizable tensor");
    const GgmlType most = std::max_element(weights.begin(), weights.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
    if (most == GgmlType::F32) return "F32";
    if (most == GgmlType::F16) return "F16";
    if (most == GgmlType::BF16) return "BF16";
    fail_file(file.path(), "its weights are mostly {}, already quantized: give the base precision (--base) explicitly",
              type_name(most));
}

SensitivityScan sensitivity_scan(const std::shared_ptr<const Model>& model, const Tokenizer& tokenizer,
                                 std::span<const int32_t> tokens, const SensitivityOptions& options, Progress& progress,
                                 const SensitivityCellFn& on_cell) {
    const auto t_start = Clock::now();
    const GgufFile& file = model->file();
    if (options.low.empty()) throw Error("sensitivity: no low type given");
    SensitivityScan scan;
    scan.base = PrecisionRecipe::parse(options.base.empty() ? default_base_precision(file) : options.base).to_string();
    scan.types = options.low;
    scan.groups = tensor_groups_from_gguf(file);
    const size_t n_groups = scan.groups.size();
    progress.begin(int64_t(n_groups * scan.types.size()), "sensitivity");

    // The base precision, prepared once; every cell's model starts from it.
    auto t0 = Clock::now();
    QuantizeModelOptions qopts;
    qopts.mix = PrecisionRecipe::parse(scan.base).options;
    qopts.n_threads = options.n_threads;
    qopts.imatrix = options.imatrix;
    std::shared_ptr<const Model> base = model;
    {
        SubProgress pp(progress);
        QuantizedWeights q = quantize_model_in_memory(file, qopts, pp.progress);
        std::map<std::string, GgmlType> type_of;
        for (const QuantizedTensorInfo& t : q.report.tensors) type_of[t.name] = t.type;
        for (const TensorGroup& g : scan.groups) {
            uint64_t bytes = 0;
            for (size_t i = 0; i < g.tensors.size(); ++i) {
                int64_t rows = 1;
                for (size_t d = 1; d < g.shapes[i].size(); ++d) rows *= g.shapes[i][d];
                bytes += row_size(type_of.at(g.tensors[i]), g.shapes[i][0]) * uint64_t(rows);
            }
            scan.base_bytes.push_back(bytes);
        }
        scan.other_bytes = q.report.output_bytes - std::accumulate(scan.base_bytes.begin(), scan.base_bytes.end(), uint64_t(0));
        if (!q.tensors.empty()) base = Model::with_weights(*model, std::move(q.tensors));
    }
    scan.seconds_prepare += seconds_since(t0);

    t0 = Clock::now();
    KldBase kld_base;
    {
        ModelContext ctx(base, options.ppl.n_ctx);
        SubProgress pp(progress);
        kld_base = kld_base_collect(ctx, tokenizer, tokens, options.ppl, pp.progress);
    }
    scan.base_perplexity = kld_base.perplexity;
    scan.base_cache = std::make_shared<const KldBaseCache>(std::move(kld_base.cache));
    scan.seconds_base = seconds_since(t0);

    for (size_t ti = 0; ti < scan.types.size(); ++ti) {
        const GgmlType low = scan.types[ti];
        // Every quantizable tensor in the low type, once for the whole model.
        t0 = Clock::now();
        QuantizeModelOptions lopts;
        lopts.mix.mix = QuantMix::Q8_0;
        lopts.mix.overrides.push_back({".*", low});
        lopts.n_threads = options.n_threads;
        lopts.imatrix = options.imatrix;
        SubProgress qp(progress);
        const QuantizedWeights lowq = quantize_model_in_memory(file, lopts, qp.progress);
        scan.seconds_prepare += seconds_since(t0);

        for (size_t g = 0; g < n_groups; ++g) {
            progress.check_cancel();
            const auto tc = Clock::now();
            SensitivityCell cell;
            cell.group = int(g);
            cell.type = low;
            cell.bytes = tensor_group_bytes(scan.groups[g], low, &cell.actual);
            std::vector<std::optional<GgmlType>> types(n_groups);
            types[g] = low;
            cell.recipe = tensor_groups_recipe(scan.base, scan.groups, types);
            const auto swapped = Model::with_weights(*base, group_tensors(file, scan.groups[g], lowq.tensors));
            ModelContext ctx(swapped, options.ppl.n_ctx);
            SubProgress pp(progress);
            const KldReport r = kld_run(ctx, tokenizer, tokens, options.ppl, *scan.base_cache, pp.progress);
            cell.kld = r.kld;
            cell.ln_ppl_ratio = r.ln_ppl_ratio;
            cell.same_top = r.same_top;
            cell.metrics = kld_metrics(r);
            cell.seconds = seconds_since(tc);
            scan.seconds_cells += cell.seconds;
            scan.cells.push_back(std::move(cell));
            progress.advance();
            if (on_cell) on_cell(scan, scan.cells.back());
        }
    }
    scan.seconds_total = seconds_since(t_start);
    return scan;
}

}  // namespace qs
