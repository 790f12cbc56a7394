// Whole-model quantization; see quantize_model.h.
#include "quant/quantize_model.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "core/error.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "kernels/kernels.h"
#include "quant/imatrix.h"
#include "quant/quantize.h"

namespace qs {

uint32_t quant_mix_llama_ftype(QuantMix mix) {
    // enum llama_ftype in llama.cpp's include/llama.h.
    switch (mix) {
        case QuantMix::F32: return 0;
        case QuantMix::F16: return 1;
        case QuantMix::Q4_0: return 2;
        case QuantMix::Q4_1: return 3;
        case QuantMix::Q8_0: return 7;
        case QuantMix::Q5_0: return 8;
        case QuantMix::Q5_1: return 9;
        case QuantMix::Q2_K: return 10;
        case QuantMix::Q3_K_S: return 11;
        case QuantMix::Q3_K_M: return 12;
        case QuantMix::Q3_K_L: return 13;
        case QuantMix::Q4_K_S: return 14;
        case QuantMix::Q4_K_M: return 15;
        case QuantMix::Q5_K_S: return 16;
        case QuantMix::Q5_K_M: return 17;
        case QuantMix::Q6_K: return 18;
        case QuantMix::Q2_K_S: return 21;
        case QuantMix::IQ2_XXS: return 19;
        case QuantMix::IQ2_XS: return 20;
        case QuantMix::IQ3_XS: return 22;
        case QuantMix::IQ3_XXS: return 23;
        case QuantMix::IQ4_NL: return 25;
        case QuantMix::IQ3_S: return 26;
        case QuantMix::IQ3_M: return 27;
        case QuantMix::IQ2_S: return 28;
        case QuantMix::IQ2_M: return 29;
        case QuantMix::IQ4_XS: return 30;
        case QuantMix::BF16: return 32;
    }
    throw Error("unknown quantization mix");
}

double QuantizeModelReport::input_bits_per_weight() const {
    return n_elements ? 8.0 * double(input_bytes) / double(n_elements) : 0.0;
}
double QuantizeModelReport::output_bits_per_weight() const {
    return n_elements ? 8.0 * double(output_bytes) / double(n_elements) : 0.0;
}
std::map<std::string, int> QuantizeModelReport::type_counts() const {
    std::map<std::string, int> counts;
    for (const QuantizedTensorInfo& t : tensors) ++counts[type_name(t.type)];
    return counts;
}

namespace {

// Rows handled between two cancellation checks: about 4M elements, at least one row.
constexpr int64_t kChunkElements = int64_t(1) << 22;

int resolve_threads(int n_threads) {
    if (n_threads > 0) return n_threads;
    return int(std::max(1u, std::thread::hardware_concurrency()));
}

// Runs fn(first_row, last_row) over [0, nrows) split into n_threads contiguous ranges.
template <class Fn>
void parallel_rows(int64_t nrows, int n_threads, Fn fn) {
    const int64_t n_workers = std::clamp<int64_t>(n_threads, 1, std::max<int64_t>(1, nrows));
    std::vector<std::thread> workers;
    for (int64_t w = 1; w < n_workers; ++w)
        workers.emplace_back([&, w] { fn(nrows * w / n_workers, nrows * (w + 1) / n_workers); });
    fn(0, nrows / n_workers);
    for (std::thread& t : workers) t.join();
}

// The tensor's values as f32: in place for an f32 tensor, else dequantized into `buffer`.
const float* source_as_f32(const GgufFile& source, const GgufTensorInfo& t, int n_threads,
                           std::vector<float>& buffer) {
    if (t.type == GgmlType::F32) return reinterpret_cast<const float*>(t.data);
    const TypeKernels* kernels = nullptr;
    try {
        kernels = &kernels_get(t.type);
    } catch (const Error&) {
        kernels = nullptr;
    }
    if (!kernels || !kernels->to_f32) {
        fail_file(source.path(), "tensor '{}': type {} cannot be dequantized, so it cannot be requantized", t.name,
                  type_name(t.type));
    }
    buffer.resize(size_t(t.n_elements()));
    const int64_t n_per_row = t.ne[0];
    const size_t in_row = row_size(t.type, n_per_row);
    parallel_rows(t.rows(), n_threads, [&](int64_t first, int64_t last) {
        kernels->to_f32(t.data + size_t(first) * in_row, buffer.data() + first * n_per_row, (last - first) * n_per_row);
    });
    return buffer.data();
}

// The work of both outputs: plans every tensor, quantizes the converted ones into `converted`
// (indexed like report.tensors) and fills the report.
struct QuantizeRun {
    QuantizeModelReport report;
    std::vector<const GgufTensorInfo*> sources;  // parallel to report.tensors
    std::vector<std::vector<uint8_t>> converted;  // empty for copied tensors
};

// The mix options as planning sees them: has_imatrix follows the importance matrix given.
MixOptions effective_mix(const QuantizeModelOptions& options) {
    MixOptions mix = options.mix;
    mix.has_imatrix = options.imatrix != nullptr;
    return mix;
}

// llama-quantize's importance weights for tensor t: empty when the matrix has no entry (or the
// tensor is token_embd, whose entry, if any, may have any size); an error for an entry of the wrong
// size, or for a tensor that needs weights and has none.
std::vector<float> importance_for(const GgufFile& source, const QuantizeModelOptions& options, const GgufTensorInfo& t,
                                  GgmlType type) {
    std::vector<float> w;
    if (options.imatrix) {
        w = options.imatrix->weights_for(t.name);
        const int64_t experts = t.ne.size() > 2 ? t.ne[2] : 1;
        if (!w.empty() && int64_t(w.size()) != t.ne[0] * experts) {
            if (t.name != "token_embd.weight")
                fail_file(source.path(), "imatrix size {} is different from tensor size {} for {}", w.size(),
                          t.ne[0] * experts, t.name);
            w.clear();
        }
    }
    if (w.empty() && tensor_requires_imatrix(t.name, type, options.mix.mix))
        fail_file(source.path(), "missing importance matrix for tensor {} in a very low-bit quantization ({})", t.name,
                  type_name(type));
    return w;
}

QuantizeRun run_quantization(const GgufFile& source, const QuantizeModelOptions& options, Progress& progress) {
    const auto t0 = std::chrono::steady_clock::now();
    const int n_threads = resolve_threads(options.n_threads);
    if (!options.imatrix && quant_mix_requires_imatrix(options.mix.mix))
        fail_file(source.path(), "the {} mix needs an importance matrix (llama-quantize refuses IQ1_S, IQ1_M, IQ2_S, IQ2_XXS, "
                  "IQ2_XS and Q2_K_S without one): give one with --imatrix", quant_mix_name(options.mix.mix));
    const auto& tensors = source.tensors();

    std::vector<std::string> names;
    names.reserve(tensors.size());
    for (const GgufTensorInfo& t : tensors) names.push_back(t.name);

    QuantizeRun run;
    QuantizeModelReport& report = run.report;
    report.file_type = quant_mix_llama_ftype(options.mix.mix);
    std::optional<MixContext> context;
    try {
        const MixModelInfo info = mix_model_info_from_gguf(source);
        // A PATTERN=TYPE override that applies to no tensor is refused before any work.
        check_tensor_type_overrides(options.mix, info, mix_tensors_from_gguf(source));
        context.emplace(effective_mix(options), info, names);
    } catch (const Error& e) {
        fail_file(source.path(), "{}", e.what());
    }

    const std::vector<size_t> order = llama_tensor_order(names);
    uint64_t total_bytes = 0;
    for (const GgufTensorInfo& t : tensors) total_bytes += t.nbytes;
    progress.begin(int64_t(total_bytes), "quantize");

    run.converted.resize(order.size());
    std::vector<float> f32_buffer;
    for (size_t k = 0; k < order.size(); ++k) {
        progress.check_cancel();
        const GgufTensorInfo& t = tensors[order[k]];
        TensorTypeChoice choice;
        try {
            choice = context->choose(MixTensor{t.name, t.ne, t.type});
        } catch (const Error& e) {
            fail_file(source.path(), "{}", e.what());
        }
        QuantizedTensorInfo info{t.name, t.ne, t.type, choice.type, choice.quantize && choice.type != t.type,
                                 t.nbytes, t.nbytes, choice.fallback_warning};
        if (info.converted) {
            if (!quantize_supported(info.type)) {
                fail_file(source.path(), "tensor '{}': cannot quantize to type {}", t.name, type_name(info.type));
            }
            const int64_t n_per_row = t.ne[0], nrows = t.rows();
            const std::vector<float> importance = importance_for(source, options, t, info.type);
            const float* f32 = source_as_f32(source, t, n_threads, f32_buffer);
            const size_t out_row = row_size(info.type, n_per_row);
            std::vector<uint8_t>& out = run.converted[k];
            out.resize(out_row * size_t(nrows));
            const int64_t chunk_rows = std::max<int64_t>(1, kChunkElements / std::max<int64_t>(1, n_per_row));
            const uint64_t in_row = t.nbytes / uint64_t(std::max<int64_t>(1, nrows));
            // Experts (3-D tensors) have one importance vector each: chunks never cross experts.
            const int64_t matrix_rows = t.ne.size() > 1 ? t.ne[1] : 1;
            try {
                for (int64_t r = 0; r < nrows;) {
                    progress.check_cancel();
                    const int64_t expert = r / matrix_rows;
                    const int64_t n = std::min({chunk_rows, nrows - r, (expert + 1) * matrix_rows - r});
                    const float* weights = importance.empty() ? nullptr : importance.data() + expert * n_per_row;
                    quantize_rows_parallel(info.type, f32 + r * n_per_row, out.data() + size_t(r) * out_row, n,
                                           n_per_row, n_threads, t.name, weights);
                    progress.advance(int64_t(in_row * uint64_t(n)));
                    r += n;
                }
            } catch (const Error& e) {
                fail_file(source.path(), "{}", e.what());
            }
            info.bytes = out.size();
        } else {
            progress.advance(int64_t(t.nbytes));
        }
        report.input_bytes += info.source_bytes;
        report.output_bytes += info.bytes;
        report.n_elements += t.n_elements();
        run.sources.push_back(&t);
        report.tensors.push_back(std::move(info));
        if (options.on_tensor) options.on_tensor(report.tensors.back(), k, order.size());
    }
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return run;
}

// Fails before any work when the plan puts a tensor in one of QuantScope's own formats (ids from
// kFirstExtraTypeId): GgufWriter refuses them, as llama.cpp could not load the file.
void refuse_types_gguf_cannot_hold(const GgufFile& source, const std::string& out_path, const MixOptions& mix) {
    const std::vector<MixTensor> tensors = mix_tensors_from_gguf(source);
    std::vector<TensorTypeChoice> plan;
    try {
        plan = plan_tensor_types(mix, mix_model_info_from_gguf(source), tensors);  // has_imatrix set by the caller
    } catch (const Error& e) {
        fail_file(source.path(), "{}", e.what());
    }
    for (size_t i = 0; i < plan.size(); ++i) {
        if (static_cast<uint32_t>(plan[i].type) >= kFirstExtraTypeId) {
            fail_file(out_path, "tensor '{}' would be {}, a QuantScope format GGUF files for llama.cpp cannot hold "
                      "(quantize in memory to evaluate it)", tensors[i].name, type_name(plan[i].type));
        }
    }
}

}  // namespace

QuantizedWeights quantize_model_in_memory(const GgufFile& source, const QuantizeModelOptions& options,
                                          Progress& progress) {
    QuantizeRun run = run_quantization(source, options, progress);
    QuantizedWeights result;
    for (size_t k = 0; k < run.report.tensors.size(); ++k) {
        const QuantizedTensorInfo& info = run.report.tensors[k];
        if (!info.converted) continue;
        result.tensors.emplace(info.name, OwnedTensor{info.type, info.ne, std::move(run.converted[k])});
    }
    result.report = std::move(run.report);
    return result;
}

QuantizeModelReport quantize_model_to_file(const GgufFile& source, const std::string& out_path,
                                           const QuantizeModelOptions& options, Progress& progress) {
    if (out_path.empty()) throw Error("quantize: no output file given");
    std::error_code ec;
    if (out_path == source.path() || std::filesystem::equivalent(out_path, source.path(), ec)) {
        // Renaming over the mapped source would swap the data under the reader.
        fail_file(out_path, "the output file must differ from the model being quantized");
    }
    refuse_types_gguf_cannot_hold(source, out_path, effective_mix(options));
    QuantizeRun run = run_quantization(source, options, progress);

    GgufWriter writer;
    for (const GgufMetadataEntry& e : source.metadata()) writer.set(e.key, e.value);
    // As ggml's gguf_set_val_u32: remove, then append (llama-quantize sets these two last).
    writer.remove("general.quantization_version");
    writer.set("general.quantization_version", GgufValue::u32(GGML_QUANTIZATION_VERSION));
    writer.remove("general.file_type");
    writer.set("general.file_type", GgufValue::u32(run.report.file_type));
    // llama-quantize writes one unsplit file.
    for (const char* key : {"split.no", "split.count", "split.tensors.count"}) writer.remove(key);
    if (options.imatrix) {
        // llama-quantize's --override-kv entries for the imatrix, in its order; strings are cut to
        // 127 bytes (its fixed-size override buffer).
        const ImportanceMatrix& m = *options.imatrix;
        auto set_str = [&](const char* key, const std::string& v) {
            writer.remove(key);
            writer.set(key, GgufValue::str(v.substr(0, 127)));
        };
        auto set_u32 = [&](const char* key, uint32_t v) {
            writer.remove(key);
            writer.set(key, GgufValue::u32(v));
        };
        set_str("quantize.imatrix.file", options.imatrix_path);
        if (!m.datasets.empty()) set_str("quantize.imatrix.dataset", m.datasets[0]);
        set_u32("quantize.imatrix.entries_count", uint32_t(m.entries.size()));
        if (m.chunk_count > 0) set_u32("quantize.imatrix.chunks_count", m.chunk_count);
    }

    for (size_t k = 0; k < run.report.tensors.size(); ++k) {
        const QuantizedTensorInfo& info = run.report.tensors[k];
        if (info.converted) {
            writer.add_tensor(info.name, info.type, info.ne, run.converted[k].data(), run.converted[k].size());
        } else {
            writer.add_tensor(info.name, info.type, info.ne, run.sources[k]->data, run.sources[k]->nbytes);
        }
    }
    progress.check_cancel();
    writer.write(out_path);
    return std::move(run.report);
}

}  // namespace qs
