// Weight quantizers: float rows to llama.cpp's storage types, byte-identical with llama-quantize.
//
// llama-quantize without an importance matrix calls ggml_quantize_chunk(type, ..., imatrix=NULL),
// which for every type supported here runs ggml's *reference* row quantizer
// (quantize_row_<type>_ref in ggml/src/ggml-quants.c), and plain fp16/bf16 rounding for F16/BF16.
// We reproduce those algorithms step for step, in the same float evaluation order, so that the
// bytes written are the same bytes llama.cpp writes (tests/quant checks every tensor of M1).
//
// Input must be finite: ggml's quantizers have no defined result for NaN/Inf (nearest_int's
// magic-number rounding and the int8 casts turn them into garbage, and llama-quantize's final
// validation then refuses the file). We reject such rows up front with qs::Error instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "tensor/ggml_type.h"

namespace qs {

// True for the types quantize_rows can produce: F32 (copy), F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1,
// Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, the IQ types IQ4_NL, IQ4_XS, IQ3_XXS, IQ3_S, IQ2_XXS, IQ2_XS,
// IQ2_S (not IQ1_S / IQ1_M, which QuantScope reads but does not write), and QuantScope's own NF4,
// FP8_E4M3, FP8_E5M2, I8_ROW and I4_G128 (docs/formats.md; in memory only, never written to GGUF).
bool quantize_supported(GgmlType type);

// Types that cannot be quantized without importance weights (IQ2_XXS, IQ2_XS), as in ggml.
bool quantize_requires_importance(GgmlType type);

// Quantizes nrows rows of n_per_row floats into dst, row_size(type, n_per_row) bytes per row,
// rows packed back to back. Returns the bytes written.
//
// `importance`: optional n_per_row importance weights of the row's columns (an importance matrix
// entry: mean squared activation per input column, see quant/imatrix.h). With it, the types that
// use one run llama.cpp's weighted quantizers (quantize_row_<type>_impl: the legacy and K-quants,
// the IQ types) and produce what llama-quantize --imatrix produces; q8_0 and float types ignore
// it. Without it the reference quantizers run (the IQ types with their default weighting).
//
// Throws qs::Error (naming `tensor_name` when given) if the type is unsupported or needs importance
// weights that were not given, n_per_row is not a multiple of the type's block size, any input or
// importance value is NaN or infinite, or a stored scale overflows fp16 (see validate_quantized;
// dst then holds the partial result).
size_t quantize_rows(GgmlType type, const float* src, void* dst, int64_t nrows, int64_t n_per_row,
                     const std::string& tensor_name = {}, const float* importance = nullptr);

// As quantize_rows, splitting the rows over n_threads threads (n_threads <= 1: the calling thread).
// Rows are quantized independently, so the bytes are the same for any thread count — as in
// llama-quantize, whose nthread argument does not change its output.
size_t quantize_rows_parallel(GgmlType type, const float* src, void* dst, int64_t nrows, int64_t n_per_row,
                              int n_threads, const std::string& tensor_name = {}, const float* importance = nullptr);

// As quantize_rows_parallel for rows stored as `src_type` (F32, or any type the kernels can
// dequantize: F16, BF16, Q8_0, ...). Each thread converts its rows to f32 a slice at a time (64K
// elements, in cache) and quantizes them at once: no f32 copy of the whole range is made, which
// saves a pass over memory and the copy's size in RSS. llama-quantize dequantizes a whole tensor
// first; element by element the conversion is the same, so the bytes are the same.
// Throws qs::Error as quantize_rows, and when src_type cannot be dequantized.
size_t quantize_rows_parallel_from(GgmlType type, GgmlType src_type, const void* src, void* dst, int64_t nrows,
                                   int64_t n_per_row, int n_threads, const std::string& tensor_name = {},
                                   const float* importance = nullptr);

// Throws qs::Error if any 16-bit float of the data (block scales and mins, or the elements of an
// F16/BF16 tensor) is infinite or NaN, as llama-quantize's ggml_validate_row_data refuses it, or if
// nbytes is not a whole number of blocks. quantize_rows calls it on what it writes: finite input
// whose block scale overflows fp16 (|x| beyond ~5e5 for q4_0) is thus an error, not a silent inf.
// first_block: the index of data's first block in its tensor (for the message only).
void validate_quantized(GgmlType type, const void* data, size_t nbytes, const std::string& tensor_name,
                        size_t first_block = 0);

// Throws qs::Error("tensor '<name>': element <i> (row r, column c) is NaN/inf") for the first
// non-finite value among n floats laid out in rows of n_per_row.
// first_element: the index of x[0] in its tensor (for the message only).
void check_finite(const float* x, int64_t n, int64_t n_per_row, const std::string& tensor_name,
                  int64_t first_element = 0);

}  // namespace qs
