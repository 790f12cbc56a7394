// ARM64 Advanced SIMD kernels for the float types and q4_0/q8_0 (see neon_kernels.h). Built on
// ARM64 only; the DotProd versions of the integer kernels are neon_dotprod.cpp's.
#include "kernels/neon_kernels.h"

namespace qs {

void kernels_register_base_neon(KernelTable& t) { neon::register_base(t); }

}  // namespace qs
