// The NEON kernels again, compiled with the ARMv8.2 DotProd extension (SDOT forms the 32-element
// block sums of q4_0/q8_0); the dispatcher registers them over the plain NEON ones when the CPU
// has DotProd (cpu_features().dotprod). Results are identical: the integer sums are exact either way.
#include "kernels/neon_kernels.h"

#if !defined(__ARM_FEATURE_DOTPROD)
#error "neon_dotprod.cpp must be compiled with -march=armv8.2-a+dotprod"
#endif

namespace qs {

void kernels_register_neon_dotprod(KernelTable& t) {
    neon::register_base(t);
    neon::register_kquants(t);
}

}  // namespace qs
