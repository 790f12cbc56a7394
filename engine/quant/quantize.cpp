// Dispatch from a GgmlType to its row quantizer, with the input checks ggml leaves to asserts.
#include "quant/quantize.h"

#include <cmath>
#include <algorithm>
#include <cstring>
#include <exception>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/fp16.h"
#include "kernels/kernels.h"
#include "quant/quantize_rows.h"

namespace qs {

namespace {

using RowQuantizer = void (*)(const float* x, void* y, int64_t k);

void convert_f32(const float* x, void* y, int64_t k) { std::memcpy(y, x, size_t(k) * sizeof(float)); }
void convert_f16(const float* x, void* y, int64_t k) {
    auto* out = static_cast<fp16_t*>(y);
    for (int64_t i = 0; i < k; ++i) out[i] = fp32_to_fp16(x[i]);
}
void convert_bf16(const float* x, void* y, int64_t k) {
    auto* out = static_cast<bf16_t*>(y);
    for (int64_t i = 0; i < k; ++i) out[i] = fp32_to_bf16(x[i]);
}

// The IQ types' row quantizers (weights optional except for iq2_xxs / iq2_xs).
using IqRowQuantizer = void (*)(const float* x, void* y, int64_t n, const float* qw);
IqRowQuantizer iq_quantizer(GgmlType type) {
    using namespace quant_detail;
    switch (type) {
        case GgmlType::IQ4_NL: return quantize_row_iq4_nl;
        case GgmlType::IQ4_XS: return quantize_row_iq4_xs;
        case GgmlType::IQ3_XXS: return quantize_row_iq3_xxs;
        case GgmlType::IQ3_S: return quantize_row_iq3_s;
        case GgmlType::IQ2_XXS: return quantize_row_iq2_xxs;
        case GgmlType::IQ2_XS: return quantize_row_iq2_xs;
        case GgmlType::IQ2_S: return quantize_row_iq2_s;
        default: return nullptr;
    }
}

RowQuantizer row_quantizer(GgmlType type) {
    using namespace quant_detail;
    switch (type) {
        case GgmlType::F32: return convert_f32;
        case GgmlType::F16: return convert_f16;
        case GgmlType::BF16: return convert_bf16;
        case GgmlType::Q4_0: return quantize_q4_0;
        case GgmlType::Q4_1: return quantize_q4_1;
        case GgmlType::Q5_0: return quantize_q5_0;
        case GgmlType::Q5_1: return quantize_q5_1;
        case GgmlType::Q8_0: return quantize_q8_0;
        case GgmlType::Q2_K: return quantize_q2_K;
        case GgmlType::Q3_K: return quantize_q3_K;
        case GgmlType::Q4_K: return quantize_q4_K;
        case GgmlType::Q5_K: return quantize_q5_K;
        case GgmlType::Q6_K: return quantize_q6_K;
        case GgmlType::NF4: return quantize_nf4;
        case GgmlType::FP8_E4M3: return quantize_fp8_e4m3;
        case GgmlType::FP8_E5M2: return quantize_fp8_e5m2;
        case GgmlType::I8_ROW: return quantize_i8_row;
        case GgmlType::I4_G128: return quantize_i4_g128;
        default: return nullptr;
    }
}

// Row quantizers with importance weights (llama.cpp's quantize_<type>(..., quant_weights)): one
// row at a time, the row's n_per_row weights in qw. For the IQ types qw may be null.
using WeightedRowQuantizer = void (*)(const float* x, void* y, int64_t n, const float* qw);

WeightedRowQuantizer weighted_quantizer(GgmlType type) {
    using namespace quant_detail;
    switch (type) {
        case GgmlType::Q4_0: return quantize_row_q4_0_weighted;
        case GgmlType::Q4_1: return quantize_row_q4_1_weighted;
        case GgmlType::Q5_0: return quantize_row_q5_0_weighted;
        case GgmlType::Q5_1: return quantize_row_q5_1_weighted;
        case GgmlType::Q2_K: return quantize_row_q2_K_weighted;
        case GgmlType::Q3_K: return quantize_row_q3_K_weighted;
        case GgmlType::Q4_K: return quantize_row_q4_K_weighted;
        case GgmlType::Q5_K: return quantize_row_q5_K_weighted;
        case GgmlType::Q6_K: return quantize_row_q6_K_weighted;
        default: return iq_quantizer(type);
    }
}

std::string describe(const std::string& tensor_name) {
    return tensor_name.empty() ? std::string("quantize") : "tensor '" + tensor_name + "'";
}

}  // namespace

bool quantize_supported(GgmlType type) { return row_quantizer(type) != nullptr || iq_quantizer(type) != nullptr; }

bool quantize_requires_importance(GgmlType type) { return type == GgmlType::IQ2_XXS || type == GgmlType::IQ2_XS; }

void check_finite(const float* x, int64_t n, int64_t n_per_row, const std::string& tensor_name,
                  int64_t first_element) {
    for (int64_t i = 0; i < n; ++i) {
        if (!std::isfinite(x[i])) {
            const int64_t e = first_element + i;
            throw Error(fmt::format("{}: element {} (row {}, column {}) is {}; only finite values can be quantized",
                                    describe(tensor_name), e, n_per_row > 0 ? e / n_per_row : 0,
                                    n_per_row > 0 ? e % n_per_row : e, std::isnan(x[i]) ? "NaN" : "infinite"));
        }
    }
}

namespace {

// What quantizes a range of rows: the reference quantizer (whole ranges at once), or a weighted
// one row by row (with an importance matrix, and always for the IQ types, as ggml_quantize_chunk).
struct Quantizer {
    RowQuantizer plain = nullptr;
    WeightedRowQuantizer weighted = nullptr;
    const float* importance = nullptr;  // n_per_row weights, or null
};

// Validates the arguments (type, row length, finite weights) and picks the quantizer; the input
// rows are checked by the caller.
Quantizer checked_quantizer(GgmlType type, int64_t nrows, int64_t n_per_row, const std::string& tensor_name,
                            const float* importance) {
    Quantizer q;
    q.importance = importance;
    if (importance || iq_quantizer(type)) q.weighted = weighted_quantizer(type);
    if (!q.weighted) q.plain = row_quantizer(type);  // types that ignore importance (q8_0, f16, ...)
    if (!q.plain && !q.weighted) {
        throw Error(fmt::format("{}: cannot quantize to type {}", describe(tensor_name), type_name(type)));
    }
    if (!importance && quantize_requires_importance(type)) {
        throw Error(fmt::format("{}: type {} requires an importance matrix (llama-quantize refuses it without one)",
                                describe(tensor_name), type_name(type)));
    }
    const int64_t block = type_traits(type).block_size;
    if (nrows < 0 || n_per_row < 0 || n_per_row % block != 0) {
        throw Error(fmt::format("{}: row length {} is not a multiple of {}'s block size {}", describe(tensor_name),
                                n_per_row, type_name(type), block));
    }
    if (importance) check_finite(importance, n_per_row, n_per_row, tensor_name + " (importance matrix)");
    return q;
}

// Rows are contiguous and most quantizers work block by block, so a range of rows is one call;
// a type with a row header (per-row scale) is quantized one row at a time.
void quantize_row_range(const Quantizer& q, GgmlType type, const float* src, void* dst, int64_t nrows,
                        int64_t n_per_row) {
    const size_t stride = row_size(type, n_per_row);
    if (q.weighted) {
        for (int64_t r = 0; r < nrows; ++r)
            q.weighted(src + r * n_per_row, static_cast<uint8_t*>(dst) + size_t(r) * stride, n_per_row, q.importance);
        return;
    }
    if (type_traits(type).row_header_bytes == 0) {
        q.plain(src, dst, nrows * n_per_row);
        return;
    }
    for (int64_t r = 0; r < nrows; ++r) q.plain(src + r * n_per_row, static_cast<uint8_t*>(dst) + size_t(r) * stride, n_per_row);
}

}  // namespace

size_t quantize_rows(GgmlType type, const float* src, void* dst, int64_t nrows, int64_t n_per_row,
                     const std::string& tensor_name, const float* importance) {
    const Quantizer quantize = checked_quantizer(type, nrows, n_per_row, tensor_name, importance);
    check_finite(src, nrows * n_per_row, n_per_row, tensor_name);
    quantize_row_range(quantize, type, src, dst, nrows, n_per_row);
    const size_t bytes = size_t(nrows) * row_size(type, n_per_row);
    validate_quantized(type, dst, bytes, tensor_name);
    return bytes;
}

size_t quantize_rows_parallel(GgmlType type, const float* src, void* dst, int64_t nrows, int64_t n_per_row,
                              int n_threads, const std::string& tensor_name, const float* importance) {
    return quantize_rows_parallel_from(type, GgmlType::F32, src, dst, nrows, n_per_row, n_threads, tensor_name,
                                       importance);
}

size_t quantize_rows_parallel_from(GgmlType type, GgmlType src_type, const void* src, void* dst, int64_t nrows,
                                   int64_t n_per_row, int n_threads, const std::string& tensor_name,
                                   const float* importance) {
    const Quantizer quantize = checked_quantizer(type, nrows, n_per_row, tensor_name, importance);
    ToF32Fn to_f32 = nullptr;
    if (src_type != GgmlType::F32) {
        try {
            to_f32 = kernels_get(src_type).to_f32;
        } catch (const Error&) {
            to_f32 = nullptr;
        }
        if (!to_f32) {
            throw Error(fmt::format("{}: type {} cannot be dequantized, so it cannot be requantized",
                                    describe(tensor_name), type_name(src_type)));
        }
    }
    const size_t in_row = row_size(src_type, n_per_row), out_row = row_size(type, n_per_row);
    // A block type's rows are whole blocks: a slice's first block index is known (for messages).
    const TypeTraits& out_traits = type_traits(type);
    const size_t out_block = out_traits.row_header_bytes == 0 ? out_traits.type_size : 0;
    // 64K elements: the f32 slice (256 KiB) stays in L2 between conversion and quantization.
    const int64_t slice_rows = std::max<int64_t>(1, (int64_t(1) << 16) / std::max<int64_t>(1, n_per_row));
    const int64_t n_workers = std::clamp<int64_t>(n_threads, 1, std::max<int64_t>(1, nrows));
    std::vector<std::exception_ptr> errors(static_cast<size_t>(n_workers));
    // Contiguous row ranges, one per thread; the calling thread takes the first. Each thread stops
    // at its first error; the lowest range's error is the one reported, so the message names the
    // first bad element or block whatever the thread count.
    auto run = [&](int64_t w) {
        try {
            std::vector<float> f32;
            const int64_t first = nrows * w / n_workers, last = nrows * (w + 1) / n_workers;
            for (int64_t r = first; r < last;) {
                const int64_t n = std::min(slice_rows, last - r);
                const float* x = nullptr;
                if (to_f32) {
                    f32.resize(size_t(n * n_per_row));
                    to_f32(static_cast<const uint8_t*>(src) + size_t(r) * in_row, f32.data(), n * n_per_row);
                    x = f32.data();
                } else {
                    x = static_cast<const float*>(src) + r * n_per_row;
                }
                check_finite(x, n * n_per_row, n_per_row, tensor_name, r * n_per_row);
                uint8_t* out = static_cast<uint8_t*>(dst) + size_t(r) * out_row;
                quantize_row_range(quantize, type, x, out, n, n_per_row);
                if (out_block) validate_quantized(type, out, size_t(n) * out_row, tensor_name, size_t(r) * out_row / out_block);
                r += n;
            }
        } catch (...) {
            errors[size_t(w)] = std::current_exception();
        }
    };
    std::vector<std::thread> workers;
    for (int64_t w = 1; w < n_workers; ++w) workers.emplace_back(run, w);
    run(0);
    for (std::thread& t : workers) t.join();
    for (const std::exception_ptr& e : errors)
        if (e) std::rethrow_exception(e);
    const size_t bytes = size_t(nrows) * out_row;
    if (!out_block) validate_quantized(type, dst, bytes, tensor_name);
    return bytes;
}

}  // namespace qs
