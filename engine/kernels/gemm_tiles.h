// Internal: register-blocked tile kernels for batched matmul (many tokens at once).
//
// A tile kernel computes a block of outputs y[i][j] = dot(weight row j, activation row i) for
// nrows weight rows x ntok activation rows, with exactly the per-block arithmetic of the type's
// vec_dot (same integer sums, same float formula per block); only the order in which block
// results are summed may differ. Types without a tile kernel use vec_dot one output at a time.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/cpu_features.h"
#include "tensor/ggml_type.h"

namespace qs {

// w: nrows rows of wstride bytes (weight type); x: ntok rows of xstride bytes (vec_dot_type);
// y: output, element (token i, row j) at y[i * ldy + j].
using GemmTileFn = void (*)(int64_t k, const char* w, size_t wstride, int64_t nrows, const char* x,
                            size_t xstride, int64_t ntok, float* y, int64_t ldy);

struct GemmTile {
    int rows;        // weight rows the kernel handles per register tile (panels are multiples of it)
    GemmTileFn run;  // handles any nrows/ntok (edges included)
};

// Defined in base_avx2.cpp / base_avx512.cpp; nullptr when that level has no tile for the type.
const GemmTile* gemm_tile_avx2(GgmlType t);
const GemmTile* gemm_tile_avx512(GgmlType t);

inline const GemmTile* gemm_tile_get(GgmlType t, Isa isa) {
    if (int(isa) > int(cpu_best_isa())) isa = cpu_best_isa();
    switch (isa) {
        case Isa::Avx512: {
            if (const GemmTile* tile = gemm_tile_avx512(t)) return tile;
            return gemm_tile_avx2(t);
        }
        case Isa::Avx2: return gemm_tile_avx2(t);
        case Isa::Scalar: return nullptr;
    }
    return nullptr;
}

}  // namespace qs
