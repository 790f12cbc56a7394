#include <array>

#include "core/error.h"
#include "kernels/kernel_table.h"

namespace qs {
namespace {

struct KernelTables {
    std::array<KernelTable, 4> by_isa;  // indexed by Isa; another architecture's levels stay scalar

    KernelTables() {
        KernelTable& scalar = by_isa[size_t(Isa::Scalar)];
        kernels_register_base_scalar(scalar);
        kernels_register_kquants_scalar(scalar);
        kernels_register_iq_scalar(scalar);
        kernels_register_extra_scalar(scalar);
        for (KernelTable& t : by_isa) t = scalar;
#if defined(__x86_64__)
        KernelTable& avx2 = by_isa[size_t(Isa::Avx2)];
        avx2 = scalar;
        kernels_register_base_avx2(avx2);
        kernels_register_kquants_avx2(avx2);
        kernels_register_iq_avx2(avx2);
        kernels_register_extra_avx2(avx2);

        KernelTable& avx512 = by_isa[size_t(Isa::Avx512)];
        avx512 = avx2;
        kernels_register_base_avx512(avx512);
        kernels_register_kquants_avx512(avx512);
        kernels_register_iq_avx512(avx512);
        kernels_register_extra_avx512(avx512);
#elif defined(__aarch64__)
        KernelTable& neon = by_isa[size_t(Isa::Neon)];
        kernels_register_base_neon(neon);
        kernels_register_kquants_neon(neon);
        if (cpu_features().dotprod) kernels_register_neon_dotprod(neon);
#endif
    }
};

}  // namespace

const TypeKernels& kernels_get(GgmlType t, Isa isa) {
    static const KernelTables tables;
    // Never run code the CPU cannot execute, whatever the caller asked for.
    if (!isa_supported(isa)) isa = cpu_best_isa();
    const size_t id = size_t(t);
    if (const TypeKernels* k = tables.by_isa[size_t(isa)].slot(t); k && k->to_f32) return *k;
    const TypeTraits* tr = type_traits_or_null(uint32_t(t));
    throw Error(std::string("no kernels for tensor type ") + (tr ? tr->name : std::to_string(id)));
}

}  // namespace qs
