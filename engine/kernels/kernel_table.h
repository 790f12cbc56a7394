// Internal: how kernel files register their functions with the dispatcher.
//
// Each (instruction set, type family) pair lives in its own file and exposes one registration
// function that fills the entries it implements. The dispatcher builds one table per ISA level:
// the scalar table first, then each higher level starts as a copy of the level below and
// overrides what it accelerates. So a kernel missing at AVX-512 silently uses the AVX2 one, and
// every table is complete.
#pragma once

#include <array>

#include "kernels/kernels.h"

namespace qs {

constexpr size_t kMaxKernelTypeId = 40;  // ggml type ids below this can have kernels
constexpr size_t kMaxExtraKernelTypes = 8;  // QuantScope's own ids kFirstExtraTypeId.. + this

struct KernelTable {
    std::array<TypeKernels, kMaxKernelTypeId> by_type{};
    std::array<TypeKernels, kMaxExtraKernelTypes> extra{};  // index = id - kFirstExtraTypeId

    // Slot of type t, or nullptr for an id no table covers.
    TypeKernels* slot(GgmlType t) {
        const size_t id = size_t(t);
        if (id < kMaxKernelTypeId) return &by_type[id];
        if (id - kFirstExtraTypeId < kMaxExtraKernelTypes) return &extra[id - kFirstExtraTypeId];
        return nullptr;
    }
    const TypeKernels* slot(GgmlType t) const { return const_cast<KernelTable*>(this)->slot(t); }
    TypeKernels& operator[](GgmlType t) { return *slot(t); }
};

// Float types and ggml's legacy 32-element block types (f32, f16, bf16, q4_0, q4_1, q5_0, q5_1, q8_0, q8_1).
void kernels_register_base_scalar(KernelTable& t);
void kernels_register_base_avx2(KernelTable& t);
void kernels_register_base_avx512(KernelTable& t);

// K-quants and their activation type (q2_K, q3_K, q4_K, q5_K, q6_K, q8_K).
void kernels_register_kquants_scalar(KernelTable& t);
void kernels_register_kquants_avx2(KernelTable& t);
void kernels_register_kquants_avx512(KernelTable& t);

// ggml's IQ types (iq2_xxs, iq2_xs, iq2_s, iq3_xxs, iq3_s, iq1_s, iq1_m against q8_K; iq4_nl against
// q8_0; iq4_xs against q8_K).
void kernels_register_iq_scalar(KernelTable& t);
void kernels_register_iq_avx2(KernelTable& t);
void kernels_register_iq_avx512(KernelTable& t);

// ARM64 Advanced SIMD (with the DotProd extension where the CPU has it): f32/f16 dots, q4_0, q8_0
// and their activation type (base_neon.cpp), q4_K, q6_K (kquants_neon.cpp).
void kernels_register_base_neon(KernelTable& t);
void kernels_register_kquants_neon(KernelTable& t);
void kernels_register_neon_dotprod(KernelTable& t);  // the same, with SDOT; only where the CPU has it

// QuantScope's own formats (nf4, fp8_e4m3, fp8_e5m2, int8_row, int4_g128), all against q8_0.
void kernels_register_extra_scalar(KernelTable& t);
void kernels_register_extra_avx2(KernelTable& t);
void kernels_register_extra_avx512(KernelTable& t);

}  // namespace qs
