// Tensor element types, numbered exactly as ggml numbers them in GGUF files (enum ggml_type),
// with each type's block geometry. Types QuantScope adds that ggml lacks live at 1000 and above,
// so they can never collide with a value a GGUF file may contain.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace qs {

enum class GgmlType : uint32_t {
    F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3,
    Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
    Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
    IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20, IQ3_S = 21, IQ2_S = 22, IQ4_XS = 23,
    I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, IQ1_M = 29, BF16 = 30,
    TQ1_0 = 34, TQ2_0 = 35, MXFP4 = 39,
    // QuantScope's own formats (docs/formats.md): never read from nor written to GGUF files.
    NF4 = 1000, FP8_E4M3 = 1001, FP8_E5M2 = 1002, I8_ROW = 1003, I4_G128 = 1004,
};

// First id of QuantScope's own types; ids below are ggml's and may appear in GGUF files.
constexpr uint32_t kFirstExtraTypeId = 1000;
inline bool type_is_ggml(uint32_t raw_type) { return raw_type < kFirstExtraTypeId; }

struct TypeTraits {
    const char* name;      // ggml's name, e.g. "q4_K", "f16"
    int64_t block_size;    // elements per block (1 for plain types)
    size_t type_size;      // bytes per block
    bool quantized;        // block-quantized (needs dequantization to compute)
    bool computable;       // QuantScope has kernels for it (false: we can name it but not run it)
    // Bytes stored once at the start of every row, before its blocks (per-row scales, e.g. int8_row);
    // 0 for every ggml type.
    size_t row_header_bytes = 0;
};

// Traits of a known type; nullptr for a value ggml never defined or that was removed.
const TypeTraits* type_traits_or_null(uint32_t raw_type);
// Traits of a known type; the type must be valid.
const TypeTraits& type_traits(GgmlType t);

inline const char* type_name(GgmlType t) { return type_traits(t).name; }
// Case-insensitive lookup by ggml name ("Q4_K", "q4_k", "bf16"); nullopt if unknown.
std::optional<GgmlType> type_from_name(std::string_view name);

// Bytes of a row of n elements (row header, then the blocks); n must be a multiple of the block size.
inline size_t row_size(GgmlType t, int64_t n) {
    const TypeTraits& tr = type_traits(t);
    return tr.row_header_bytes + size_t(n / tr.block_size) * tr.type_size;
}
// Bits per weight of the blocks: 8 * type_size / block_size. Excludes a row header, whose share
// depends on the row length (see the two-argument overload).
inline double type_bits_per_weight(GgmlType t) {
    const TypeTraits& tr = type_traits(t);
    return 8.0 * double(tr.type_size) / double(tr.block_size);
}
// Bits per weight of rows of n elements, row header included: 8 * row_size(t, n) / n.
inline double type_bits_per_weight(GgmlType t, int64_t n) {
    return 8.0 * double(row_size(t, n)) / double(n);
}

}  // namespace qs
