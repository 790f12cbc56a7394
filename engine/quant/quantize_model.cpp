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

// Rows handled between two cancellation checks (and, writing a file, the slice held in memory):
// about 4M elements, at least one row.
constexpr int64_t kChunkElements = int64_t(1) << 22;

int resolve_threads(int n_threads) {
    if (n_threads > 0) return n_threads;
    return int(std::max(1u, std::thread::hardware_concurrency()));
}

// One tensor of the plan: what it becomes and, when converted, its importance weights.
struct TensorPlan {
    const GgufTensorInfo* source = nullptr;
    std::vector<float> importance;  // ne[0] per expert, or empty
};

// Every decision and check made before any work: the report (types, byte counts, in llama.cpp's
// order) and, parallel to report.tensors, the sources. Quantizing then cannot fail on a plan
// error half way through a large model.
struct QuantizePlan {
    QuantizeModelReport report;
    std::vector<TensorPlan> tensors;  // parallel to report.tensors
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

bool can_dequantize(GgmlType type) {
    if (type == GgmlType::F32) return true;
    try {
        return kernels_get(type).to_f32 != nullptr;
    } catch (const Error&) {
        return false;
    }
}

QuantizePlan plan_quantization(const GgufFile& source, const QuantizeModelOptions& options) {
    if (!options.imatrix && quant_mix_requires_imatrix(options.mix.mix))
        fail_file(source.path(), "the {} mix needs an importance matrix (llama-quantize refuses IQ1_S, IQ1_M, IQ2_S, IQ2_XXS, "
                  "IQ2_XS and Q2_K_S without one): give one with --imatrix", quant_mix_name(options.mix.mix));
    const auto& tensors = source.tensors();
    std::vector<std::string> names;
    names.reserve(tensors.size());
    for (const GgufTensorInfo& t : tensors) names.push_back(t.name);

    std::optional<MixContext> context;
    try {
        const MixModelInfo info = mix_model_info_from_gguf(source);
        // A PATTERN=TYPE override that applies to no tensor is refused before any work.
        check_tensor_type_overrides(options.mix, info, mix_tensors_from_gguf(source));
        context.emplace(effective_mix(options), info, names);
    } catch (const Error& e) {
        fail_file(source.path(), "{}", e.what());
    }

    QuantizePlan plan;
    QuantizeModelReport& report = plan.report;
    report.file_type = quant_mix_llama_ftype(options.mix.mix);
    // MixContext counts the tensors it has seen (llama.cpp's i_attention_wv, ...): ask in order.
    for (size_t k : llama_tensor_order(names)) {
        const GgufTensorInfo& t = tensors[k];
        TensorTypeChoice choice;
        try {
            choice = context->choose(MixTensor{t.name, t.ne, t.type});
        } catch (const Error& e) {
            fail_file(source.path(), "{}", e.what());
        }
        QuantizedTensorInfo info{t.name, t.ne, t.type, choice.type, choice.quantize && choice.type != t.type,
                                 t.nbytes, t.nbytes, choice.fallback_warning};
        TensorPlan tensor{&t, {}};
        if (info.converted) {
            if (!quantize_supported(info.type))
                fail_file(source.path(), "tensor '{}': cannot quantize to type {}", t.name, type_name(info.type));
            if (!can_dequantize(t.type))
                fail_file(source.path(), "tensor '{}': type {} cannot be dequantized, so it cannot be requantized",
                          t.name, type_name(t.type));
            tensor.importance = importance_for(source, options, t, info.type);
            info.bytes = row_size(info.type, t.ne[0]) * uint64_t(t.rows());
        }
        report.input_bytes += info.source_bytes;
        report.output_bytes += info.bytes;
        report.n_elements += t.n_elements();
        report.tensors.push_back(std::move(info));
        plan.tensors.push_back(std::move(tensor));
    }
    return plan;
}

// Quantizes one planned tensor chunk by chunk: out_for(first_row, rows) gives where a chunk's
// bytes go, done(first_row, rows, bytes) is told when they are there.
template <class OutFor, class Done>
void quantize_tensor(const GgufFile& source, const QuantizedTensorInfo& info, const TensorPlan& plan, int n_threads,
                     Progress& progress, OutFor out_for, Done done) {
    const GgufTensorInfo& t = *plan.source;
    const int64_t n_per_row = t.ne[0], nrows = t.rows();
    const size_t in_row = row_size(t.type, n_per_row), out_row = row_size(info.type, n_per_row);
    const int64_t chunk_rows = std::max<int64_t>(1, kChunkElements / std::max<int64_t>(1, n_per_row));
    // Experts (3-D tensors) have one importance vector each: chunks never cross experts.
    const int64_t matrix_rows = t.ne.size() > 1 ? t.ne[1] : 1;
    try {
        for (int64_t r = 0; r < nrows;) {
            progress.check_cancel();
            const int64_t expert = r / matrix_rows;
            const int64_t n = std::min({chunk_rows, nrows - r, (expert + 1) * matrix_rows - r});
            const float* weights = plan.importance.empty() ? nullptr : plan.importance.data() + expert * n_per_row;
            uint8_t* out = out_for(r, n);
            quantize_rows_parallel_from(info.type, t.type, t.data + size_t(r) * in_row, out, n, n_per_row, n_threads,
                                        t.name, weights);
            done(r, n, out, size_t(n) * out_row);
            progress.advance(int64_t(in_row * uint64_t(n)));
            r += n;
        }
    } catch (const Error& e) {
        fail_file(source.path(), "{}", e.what());
    }
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
    const auto t0 = std::chrono::steady_clock::now();
    const int n_threads = resolve_threads(options.n_threads);
    QuantizePlan plan = plan_quantization(source, options);
    progress.begin(int64_t(plan.report.input_bytes), "quantize");
    QuantizedWeights result;
    const size_t total = plan.report.tensors.size();
    for (size_t k = 0; k < total; ++k) {
        progress.check_cancel();
        const QuantizedTensorInfo& info = plan.report.tensors[k];
        if (info.converted) {
            std::vector<uint8_t> out(info.bytes);
            const size_t out_row = row_size(info.type, info.ne[0]);
            quantize_tensor(source, info, plan.tensors[k], n_threads, progress,
                            [&](int64_t r, int64_t) { return out.data() + size_t(r) * out_row; },
                            [](int64_t, int64_t, const uint8_t*, size_t) {});
            result.tensors.emplace(info.name, OwnedTensor{info.type, info.ne, std::move(out)});
        } else {
            progress.advance(int64_t(info.source_bytes));
        }
        if (options.on_tensor) options.on_tensor(info, k, total);
    }
    plan.report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    result.report = std::move(plan.report);
    return result;
}

QuantizeModelReport quantize_model_to_file(const GgufFile& source, const std::string& out_path,
                                           const QuantizeModelOptions& options, Progress& progress) {
    const auto t0 = std::chrono::steady_clock::now();
    if (out_path.empty()) throw Error("quantize: no output file given");
    std::error_code ec;
    if (out_path == source.path() || std::filesystem::equivalent(out_path, source.path(), ec)) {
        // Renaming over the mapped source would swap the data under the reader.
        fail_file(out_path, "the output file must differ from the model being quantized");
    }
    refuse_types_gguf_cannot_hold(source, out_path, effective_mix(options));
    const int n_threads = resolve_threads(options.n_threads);
    QuantizePlan plan = plan_quantization(source, options);
    QuantizeModelReport& report = plan.report;

    GgufWriter writer;
    for (const GgufMetadataEntry& e : source.metadata()) writer.set(e.key, e.value);
    // As ggml's gguf_set_val_u32: remove, then append (llama-quantize sets these two last).
    writer.remove("general.quantization_version");
    writer.set("general.quantization_version", GgufValue::u32(GGML_QUANTIZATION_VERSION));
    writer.remove("general.file_type");
    writer.set("general.file_type", GgufValue::u32(report.file_type));
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

    // Each tensor is made when the writer reaches it and written a chunk at a time; the source
    // pages already read are dropped from this process (they stay in the page cache). Peak memory
    // is thus one chunk per tensor, not the output's size plus the source's: llama-quantize holds
    // a whole tensor in f32 and its output.
    progress.begin(int64_t(report.input_bytes), "quantize");
    const size_t total = report.tensors.size();
    std::vector<uint8_t> chunk;
    for (size_t k = 0; k < total; ++k) {
        const QuantizedTensorInfo& info = report.tensors[k];
        const TensorPlan& tensor = plan.tensors[k];
        const GgufTensorInfo& t = *tensor.source;
        writer.add_tensor_streamed(info.name, info.type, info.ne, info.bytes, [&, k](const GgufWriter::TensorSink& sink) {
            progress.check_cancel();
            const size_t in_row = row_size(t.type, t.ne[0]);
            if (info.converted) {
                quantize_tensor(source, info, tensor, n_threads, progress,
                                [&](int64_t, int64_t n) {
                                    chunk.resize(size_t(n) * row_size(info.type, info.ne[0]));
                                    return chunk.data();
                                },
                                [&](int64_t r, int64_t n, const uint8_t* out, size_t bytes) {
                                    sink(out, bytes);
                                    source.drop_pages(t.data + size_t(r) * in_row, size_t(n) * in_row);
                                });
            } else {
                for (uint64_t at = 0; at < t.nbytes;) {
                    const size_t n = size_t(std::min<uint64_t>(t.nbytes - at, uint64_t(kChunkElements)));
                    sink(t.data + at, n);
                    source.drop_pages(t.data + at, n);
                    progress.advance(int64_t(n));
                    at += n;
                }
            }
            if (options.on_tensor) options.on_tensor(info, k, total);
        });
    }
    writer.write(out_path);
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return std::move(report);
}

}  // namespace qs
