// The legacy block types' AVX2-level tiles with AVX-VNNI (VEX vpdpbusd on ymm), for CPUs that have
// it but not AVX-512 VNNI (Alder Lake and later). Same packed layout and float operations as the
// plain AVX2 tiles (blockwise_tile_avx2.h), so results are bit-identical; compiled with -mavxvnni,
// used only when cpu_features().avxvnni.
#include "kernels/blockwise_tile_avx2.h"

namespace qs {

const GemmTile* gemm_tile_avxvnni(GgmlType t) { return legacy_avx2::legacy_tile<true>(t); }

}  // namespace qs
