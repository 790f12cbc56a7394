// Internal: register-blocked tile kernels for batched matmul (many tokens at once).
//
// A tile kernel computes a block of outputs y[i][j] = dot(weight row j, activation row i) for
// several weight rows x several activation rows, with the per-block arithmetic of the type's
// vec_dot (same integer sums, same float formula per block). For the integer types (q8_0, q4_0,
// q5_0, q4_1, q5_1, and the K-quants q2_K..q6_K) each level's vec_dot repeats its tile's float
// operations exactly, so batched and one-token results are bit-identical; the float types
// (f32/f16/bf16) differ by summation order only. Types without a tile kernel use vec_dot one output
// at a time.
//
// Two layouts: row by row (each (row, token) pair accumulates in its own vector, reduced at the
// end), or row-interleaved (`interleave` rows share a vector, one lane each, so per-block float
// work is done once per lane instead of once per vector: the integer tiles, 16 rows per zmm at
// AVX-512 with VNNI, 8 per ymm at AVX2).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "core/cpu_features.h"
#include "tensor/ggml_type.h"

namespace qs {

// Both operands are first repacked into a kernel-specific layout: activation rows (already in the
// weight type's vec_dot_type) once per matmul call, weight rows one L2-sized panel at a time.
struct GemmTile {
    int rows;  // weight rows per register tile
    int cols;  // activation rows (tokens) per register tile
    size_t (*w_packed_bytes)(int64_t k);                     // one packed weight row
    void (*pack_w)(int64_t k, const char* row, char* out);  // row: weight type
    size_t (*x_packed_bytes)(int64_t k);                     // one packed activation row
    void (*pack_x)(int64_t k, const char* row, char* out);  // row: vec_dot_type
    // y[i * ldy + j] (+)= dot(packed weight row j, packed activation row i) for j < nr <= rows,
    // i < nc <= cols, over k elements; rows are w_stride / x_stride bytes apart. With accumulate
    // the result is added to y (k split into chunks). A chunk of k0 elements (k0 a multiple of
    // k_align) starts w_packed_bytes(k0) / x_packed_bytes(k0) bytes into a packed row.
    void (*kernel)(int64_t k, const char* w, size_t w_stride, int nr, const char* x, size_t x_stride, int nc,
                   float* y, int64_t ldy, bool accumulate);
    int64_t k_align;
    // Elements of k per pass (a multiple of k_align): partial sums of each chunk are reduced to a
    // float and added up in chunk order, so row kernels can reproduce the tile bit for bit.
    int64_t k_chunk;
    // Fewest tokens for which the tile path (which repacks every weight row once per call) beats
    // streaming rows through vec_dot; measured with 2048 x 2048 weights.
    int64_t min_tokens;
    // Rows packed together into one row-interleaved group (1: every row on its own). With more
    // than one, w_packed_bytes is the size of a group, pack_w_rows packs one (nrows <= interleave
    // rows, row_stride bytes apart; missing rows are zero) and pack_w is unused; the kernel's
    // w_stride is then the distance between groups.
    int interleave = 1;
    void (*pack_w_rows)(int64_t k, const char* rows, size_t row_stride, int nrows, char* out) = nullptr;
    // The packed layout is about as compact as the stored type: worth packing a model's matrices
    // once at load (PackedWeight) and running single tokens through the tile as well.
    bool pack_once = false;
};

using GemmTileKernelFn = decltype(GemmTile::kernel);

// Helper for the ISA files: dispatches a runtime (nr, nc) edge tile to Kernel<R, C>::run, so
// every tile size is a fully unrolled instantiation.
template <template <int, int> class Kernel, int Rows, int Cols>
struct TileTable {
    template <size_t... I>
    static constexpr std::array<GemmTileKernelFn, Rows * Cols> make(std::index_sequence<I...>) {
        return {&Kernel<int(I / Cols) + 1, int(I % Cols) + 1>::run...};
    }
    static constexpr std::array<GemmTileKernelFn, Rows * Cols> table = make(std::make_index_sequence<Rows * Cols>{});
    static void run(int64_t k, const char* w, size_t ws, int nr, const char* x, size_t xs, int nc, float* y, int64_t ldy,
                    bool accumulate) {
        table[size_t((nr - 1) * Cols + (nc - 1))](k, w, ws, nr, x, xs, nc, y, ldy, accumulate);
    }
};

// The same for row-interleaved tiles: Kernel<G, C> computes G groups of GroupRows rows; a runtime
// nr picks the fewest groups covering it (the kernel stores a partial last group masked).
template <template <int, int> class Kernel, int GroupRows, int Groups, int Cols>
struct GroupTileTable {
    template <size_t... I>
    static constexpr std::array<GemmTileKernelFn, Groups * Cols> make(std::index_sequence<I...>) {
        return {&Kernel<int(I / Cols) + 1, int(I % Cols) + 1>::run...};
    }
    static constexpr std::array<GemmTileKernelFn, Groups * Cols> table = make(std::make_index_sequence<Groups * Cols>{});
    static void run(int64_t k, const char* w, size_t ws, int nr, const char* x, size_t xs, int nc, float* y, int64_t ldy,
                    bool accumulate) {
        table[size_t((nr + GroupRows - 1) / GroupRows - 1) * Cols + size_t(nc - 1)](k, w, ws, nr, x, xs, nc, y, ldy, accumulate);
    }
};

constexpr int64_t round_up(int64_t v, int64_t to) { return (v + to - 1) / to * to; }

// Defined in base_avx2.cpp / base_avx512.cpp; nullptr when that level has no tile for the type.
const GemmTile* gemm_tile_avx2(GgmlType t);
// The legacy block types' AVX2 tiles without / with AVX-VNNI (base_avx2.cpp, base_avxvnni.cpp):
// same layout, bit-identical results; gemm_tile_avx2 picks the VNNI one where the CPU has it.
const GemmTile* gemm_tile_avx2_plain(GgmlType t);
const GemmTile* gemm_tile_avxvnni(GgmlType t);
const GemmTile* gemm_tile_avx512(GgmlType t);
// K-quant tiles (kquants_avx2.cpp, kquants_avx512.cpp; the latter needs AVX512-VNNI, checked by
// gemm_tile_avx512).
const GemmTile* gemm_tile_kquants_avx2(GgmlType t);
const GemmTile* gemm_tile_kquants_avx512(GgmlType t);
// IQ tiles (iq_avx2.cpp; AVX-512 uses them too): rows decoded once per call, bit-identical to vec_dot.
const GemmTile* gemm_tile_iq_avx2(GgmlType t);

inline const GemmTile* gemm_tile_get(GgmlType t, Isa isa) {
    if (!isa_supported(isa)) isa = cpu_best_isa();
#if defined(__x86_64__)
    switch (isa) {
        case Isa::Avx512: {
            if (const GemmTile* tile = gemm_tile_avx512(t)) return tile;
            return gemm_tile_avx2(t);
        }
        case Isa::Avx2: return gemm_tile_avx2(t);
        default: return nullptr;
    }
#else
    (void)t;
    return nullptr;  // no tile kernels on other architectures yet: rows through vec_dot
#endif
}

}  // namespace qs
