// Matrix multiplication of a weight matrix (any computable type) by a batch of f32 activations.
//
// Shapes follow ggml: the weight W has ne0 = k (row length, the input width) and ne1 = n rows (the
// output width). The activations X are m rows of k floats; the result Y is m rows of n floats:
// Y[i][j] = dot(W row j, X row i). Work is split across output rows with OpenMP.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/cpu_features.h"
#include "tensor/ggml_type.h"

namespace qs {

class PackedWeight;

struct WeightView {
    GgmlType type = GgmlType::F32;
    const void* data = nullptr;  // n rows of row_size(type, k) bytes, contiguous
    int64_t k = 0;               // elements per row (ne0)
    int64_t n = 0;               // rows (ne1)
    const PackedWeight* packed = nullptr;  // optional: the same matrix packed once (below)
};

struct GemmTile;  // kernels/gemm_tiles.h (internal)

// A weight matrix packed once, whole, into the layout of the ISA's batched kernel, for the types
// whose packed layout is within 30 % of the stored one (q8_0, and q4_0, q4_1, q4_K as nibbles; 16
// rows interleaved per vector at AVX-512 with VNNI, 8 at AVX2, as llama.cpp repacks q4_0/q4_K at
// load). A matmul of a
// WeightView carrying it packs nothing per call, and single tokens run the same kernel as batches
// (so one token and a batch give bit-identical results). Empty for other types and ISAs.
// Packing uses the OpenMP team; the object is immutable afterwards and may be shared by threads.
class PackedWeight {
public:
    PackedWeight() = default;
    explicit PackedWeight(const WeightView& w, Isa isa = cpu_best_isa());

    bool empty() const { return data_ == nullptr; }
    size_t bytes() const { return bytes_; }
    const GemmTile* tile() const { return tile_; }
    const char* data() const { return data_.get(); }

private:
    struct AlignedDelete {
        void operator()(char* p) const;
    };
    const GemmTile* tile_ = nullptr;
    std::unique_ptr<char, AlignedDelete> data_;
    size_t bytes_ = 0;
};

// Sees the input of every matmul run on the thread it is installed on, before the product: the
// weight and the f32 activation rows (m rows of k floats, ldx apart). For statistics over the
// activations a model's matrices see (the importance matrix, eval/imatrix_collect.h) without the
// forward pass knowing about them. Called on the calling thread, never from OpenMP workers.
class MatmulObserver {
public:
    virtual ~MatmulObserver() = default;
    virtual void on_matmul(const WeightView& w, const float* x, int64_t m, int64_t ldx) = 0;
};

// Installs an observer for the calling thread's matmuls while it lives (the previous one, if any,
// is restored afterwards). Thread-local: jobs on other threads are not observed.
class ScopedMatmulObserver {
public:
    explicit ScopedMatmulObserver(MatmulObserver* observer);
    ~ScopedMatmulObserver();
    ScopedMatmulObserver(const ScopedMatmulObserver&) = delete;
    ScopedMatmulObserver& operator=(const ScopedMatmulObserver&) = delete;

private:
    MatmulObserver* previous_;
};

// Y[m x n] = X[m x k] * W^T. ldx/ldy are the row strides of X and Y in floats.
// X is converted to W's vec_dot_type once per call. Uses the current OpenMP thread count.
void matmul(const WeightView& w, const float* x, int64_t m, int64_t ldx, float* y, int64_t ldy,
            Isa isa = cpu_best_isa());

// Bytes a PackedWeight of a k x n matrix of type t would hold at this ISA (0 where none is made),
// without packing: for memory estimates.
size_t packed_weight_bytes(GgmlType t, int64_t k, int64_t n, Isa isa = cpu_best_isa());

// Dequantize row `row` of w into out[k].
void weight_row_to_f32(const WeightView& w, int64_t row, float* out);

}  // namespace qs
