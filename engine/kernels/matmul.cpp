// Weight x activation products, ggml style: activations are converted once to the weight type's
// vec_dot_type, then every output element is one row dot product (integer sums per block for the
// quantized types). Faster paths only change how the dot products are scheduled, never the
// arithmetic per block, so the result matches the generic path up to float summation order.
#include "kernels/matmul.h"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "kernels/gemm_tiles.h"
#include "kernels/kernels.h"

namespace qs {
namespace {

// Activation rows in the vec_dot_type: either the caller's f32 rows or a converted copy.
struct ActivationRows {
    const char* data = nullptr;
    size_t stride = 0;  // bytes between rows
    std::vector<char> storage;
};

ActivationRows convert_activations(const float* x, int64_t m, int64_t ldx, int64_t k, GgmlType type, Isa isa) {
    ActivationRows a;
    if (type == GgmlType::F32) {
        a.data = reinterpret_cast<const char*>(x);
        a.stride = size_t(ldx) * sizeof(float);
        return a;
    }
    const FromF32Fn from_f32 = kernels_get(type, isa).from_f32;
    a.stride = row_size(type, k);
    a.storage.resize(a.stride * size_t(m));
    char* out = a.storage.data();
    const size_t stride = a.stride;
#pragma omp parallel for schedule(static) if (m > 1)
    for (int64_t i = 0; i < m; ++i) from_f32(x + i * ldx, out + size_t(i) * stride, k);
    a.data = out;
    return a;
}

void check_shapes(const WeightView& w) {
    const TypeTraits& tr = type_traits(w.type);
    if (w.k <= 0 || w.n <= 0 || w.k % tr.block_size != 0)
        throw Error(fmt::format("matmul: weight of type {} has {} x {} elements; the row length must be a "
                                "positive multiple of {}",
                                tr.name, w.n, w.k, tr.block_size));
}

// One output row per token (m == 1) or few tokens: memory-bound, so split weight rows evenly and
// stream each once.
void matmul_rows(const WeightView& w, VecDotFn dot, const ActivationRows& a, int64_t m, float* y, int64_t ldy) {
    const size_t wstride = row_size(w.type, w.k);
    const char* wdata = static_cast<const char*>(w.data);
#pragma omp parallel for schedule(static)
    for (int64_t j = 0; j < w.n; ++j)
        for (int64_t i = 0; i < m; ++i) dot(w.k, y + i * ldy + j, wdata + size_t(j) * wstride, a.data + size_t(i) * a.stride);
}

// Many tokens: compute-bound. A panel of weight rows small enough to stay in L2 is swept across
// all tokens, so each weight byte is read from memory once per call; a tile kernel (when the type
// has one) computes several rows x several tokens per pass, reusing every loaded vector.
void matmul_tiled(const WeightView& w, const TypeKernels& wk, const GemmTile* tile, const ActivationRows& a,
                  int64_t m, float* y, int64_t ldy) {
    const size_t wstride = row_size(w.type, w.k);
    const char* wdata = static_cast<const char*>(w.data);
    // Rows per panel: about 128 KiB of weights, a multiple of the tile height, at least one tile.
    const int64_t tile_rows = tile ? tile->rows : 1;
    int64_t panel = std::max<int64_t>(1, int64_t((128 << 10) / wstride) / tile_rows) * tile_rows;
    panel = std::min<int64_t>(panel, std::max<int64_t>(tile_rows, (w.n + tile_rows - 1) / tile_rows * tile_rows));
    const int64_t panels = (w.n + panel - 1) / panel;
    // Tokens per pass over a panel: bounded so the activation block also stays in cache.
    const int64_t token_block = std::max<int64_t>(1, std::min<int64_t>(m, int64_t((256 << 10) / std::max<size_t>(a.stride, 1))));
    const int64_t token_blocks = (m + token_block - 1) / token_block;
    const int64_t items = panels * token_blocks;

#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t item = 0; item < items; ++item) {
        const int64_t p = item / token_blocks, tb = item % token_blocks;
        const int64_t j0 = p * panel, j1 = std::min(w.n, j0 + panel);
        const int64_t i0 = tb * token_block, i1 = std::min(m, i0 + token_block);
        if (tile) {
            tile->run(w.k, wdata + size_t(j0) * wstride, wstride, j1 - j0, a.data + size_t(i0) * a.stride, a.stride,
                      i1 - i0, y + i0 * ldy + j0, ldy);
            continue;
        }
        for (int64_t i = i0; i < i1; ++i)
            for (int64_t j = j0; j < j1; ++j)
                wk.vec_dot(w.k, y + i * ldy + j, wdata + size_t(j) * wstride, a.data + size_t(i) * a.stride);
    }
}

}  // namespace

void matmul(const WeightView& w, const float* x, int64_t m, int64_t ldx, float* y, int64_t ldy, Isa isa) {
    check_shapes(w);
    if (m <= 0) return;
    const TypeKernels& wk = kernels_get(w.type, isa);
    const ActivationRows a = convert_activations(x, m, ldx, w.k, wk.vec_dot_type, isa);
    const GemmTile* tile = gemm_tile_get(w.type, isa);
    if (m < 4)
        matmul_rows(w, wk.vec_dot, a, m, y, ldy);
    else
        matmul_tiled(w, wk, tile, a, m, y, ldy);
}

void weight_row_to_f32(const WeightView& w, int64_t row, float* out) {
    check_shapes(w);
    if (row < 0 || row >= w.n)
        throw Error(fmt::format("weight row {} out of range (the weight has {} rows)", row, w.n));
    const char* data = static_cast<const char*>(w.data) + size_t(row) * row_size(w.type, w.k);
    kernels_get(w.type).to_f32(data, out, w.k);
}

}  // namespace qs
