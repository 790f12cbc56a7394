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

struct KernelTable {
    std::array<TypeKernels, kMaxKernelTypeId> by_type{};
    TypeKernels& operator[](GgmlType t) { return by_type[size_t(t)]; }
};

// Float types and ggml's legacy 32-element block types (f32, f16, bf16, q4_0, q4_1, q5_0, q5_1, q8_0, q8_1).
void kernels_register_base_scalar(KernelTable& t);
void kernels_register_base_avx2(KernelTable& t);
void kernels_register_base_avx512(KernelTable& t);

// K-quants and their activation type (q2_K, q3_K, q4_K, q5_K, q6_K, q8_K).
void kernels_register_kquants_scalar(KernelTable& t);
void kernels_register_kquants_avx2(KernelTable& t);
void kernels_register_kquants_avx512(KernelTable& t);

}  // namespace qs
