// Matrix multiplication of a weight matrix (any computable type) by a batch of f32 activations.
//
// Shapes follow ggml: the weight W has ne0 = k (row length, the input width) and ne1 = n rows (the
// output width). The activations X are m rows of k floats; the result Y is m rows of n floats:
// Y[i][j] = dot(W row j, X row i). Work is split across output rows with OpenMP.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/cpu_features.h"
#include "tensor/ggml_type.h"

namespace qs {

struct WeightView {
    GgmlType type = GgmlType::F32;
    const void* data = nullptr;  // n rows of row_size(type, k) bytes, contiguous
    int64_t k = 0;               // elements per row (ne0)
    int64_t n = 0;               // rows (ne1)
};

// Y[m x n] = X[m x k] * W^T. ldx/ldy are the row strides of X and Y in floats.
// X is converted to W's vec_dot_type once per call. Uses the current OpenMP thread count.
void matmul(const WeightView& w, const float* x, int64_t m, int64_t ldx, float* y, int64_t ldy,
            Isa isa = cpu_best_isa());

// Dequantize row `row` of w into out[k].
void weight_row_to_f32(const WeightView& w, int64_t row, float* out);

}  // namespace qs
