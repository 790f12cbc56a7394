// ARM64 Advanced SIMD kernels for q4_K and q6_K against q8_K (see neon_kernels.h).
#include "kernels/neon_kernels.h"

namespace qs {

void kernels_register_kquants_neon(KernelTable& t) { neon::register_kquants(t); }

}  // namespace qs
