// Placeholder: avx2 K-quant kernels (falls back to the lower level until written).
#include "kernels/kernel_table.h"

namespace qs {
void kernels_register_kquants_avx2(KernelTable&) {}
}  // namespace qs
