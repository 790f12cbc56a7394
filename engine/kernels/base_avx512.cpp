#include "kernels/gemm_tiles.h"
#include "kernels/kernel_table.h"

namespace qs {

void kernels_register_base_avx512(KernelTable&) {}
const GemmTile* gemm_tile_avx512(GgmlType) { return nullptr; }

}  // namespace qs
