// Row kernels for every computable tensor type: dequantization, activation quantization and dot
// products, in a scalar reference version and AVX2 / AVX-512 versions chosen at run time.
//
// The arithmetic follows ggml so that results agree with llama.cpp: a matrix of weight type W is
// multiplied by first converting the activation row to W's `vec_dot_type` (q8_0 for q4_0/q5_0/q8_0,
// q8_1 for q4_1/q5_1, q8_K for the K-quants, f16 for f16, bf16 for bf16, f32 for f32) and then
// taking integer or float dot products block by block.
//
// Layout: kernels_scalar.cpp is the reference for every function; kernels_avx2.cpp and
// kernels_avx512.cpp override what they accelerate and fall back to the lower level for the rest.
// tests/kernels compare every SIMD entry with the scalar one.
#pragma once

#include <cstdint>

#include "core/cpu_features.h"
#include "tensor/ggml_type.h"

namespace qs {

// Dequantize n elements (n a multiple of the block size) from x to y.
using ToF32Fn = void (*)(const void* x, float* y, int64_t n);
// Quantize/convert n floats to this type's row layout (n a multiple of the block size).
using FromF32Fn = void (*)(const float* x, void* y, int64_t n);
// *s = dot(x, y) over n elements; x is a row of the weight type, y a row of its vec_dot_type.
using VecDotFn = void (*)(int64_t n, float* s, const void* x, const void* y);
// s[r] = dot(x row r, y) for r < nrows, x rows x_stride bytes apart: bit-identical to vec_dot per
// row, faster where one row's dot is a serial chain (several rows' chains then run side by side).
using VecDotRowsFn = void (*)(int64_t n, float* s, int64_t nrows, const void* x, size_t x_stride, const void* y);

struct TypeKernels {
    ToF32Fn to_f32 = nullptr;
    // Conversion of activations into this type (set for the types that serve as vec_dot_type:
    // f32, f16, bf16, q8_0, q8_1, q8_K). Weight quantizers proper live in engine/quant.
    FromF32Fn from_f32 = nullptr;
    VecDotFn vec_dot = nullptr;
    GgmlType vec_dot_type = GgmlType::F32;
    VecDotRowsFn vec_dot_rows = nullptr;  // optional (nullptr: vec_dot row by row)
};

// Kernels of type t at ISA level isa (defaults to the best the CPU supports). Entries an ISA
// does not accelerate are the next lower level's. Throws qs::Error for a non-computable type.
const TypeKernels& kernels_get(GgmlType t, Isa isa);
inline const TypeKernels& kernels_get(GgmlType t) { return kernels_get(t, cpu_best_isa()); }

}  // namespace qs
