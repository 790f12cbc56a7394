// The ARM64 NEON kernels against the scalar reference, as a plain program (no GoogleTest: it is
// cross-compiled for aarch64 and run under qemu-aarch64 by scripts/test-aarch64.sh, and Debian has
// no aarch64 gtest for the x86 host). Exits 0 when every check passes, 1 otherwise, printing each
// failure. Correctness only: qemu says nothing about speed on ARM hardware.
//
// The rules are tests/kernels/test_kernels.cpp's for AVX2/AVX-512 against scalar:
// - to_f32 bit-identical (one product per element at every level);
// - activation quantization (f16, q8_0 from_f32) bit-identical: x86 allows a quant to differ by 1
//   near .5 because ggml's AVX quantizer rounds half to even, but the NEON one repeats the
//   reference's formula (FCVTAS rounds half away from zero), so any difference here is a bug;
// - vec_dot: the f32/f16 dots sum in another order, so within kDotRelTol (1e-5) of the sum of
//   |element products|, as on x86; the integer dots (q4_0, q8_0, q4_K, q6_K) form the scalar
//   kernel's exact integer lanes and repeat its float operations (neon_kernels.h), so they must
//   be bit-identical, and so must matmul through the NEON level and through the scalar level;
// - matmul: a batch bit-identical to one-token calls (the x86 Matmul.SimdBatchIsBitIdenticalToOneTokenCalls).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/cpu_features.h"
#include "kernels/kernels.h"
#include "kernels/matmul.h"
#include "random_rows.h"

using namespace qs;
using qs::test::random_floats;
using qs::test::random_row;
using qs::test::ScaleMode;
using qs::test::scale_mode_name;

namespace {

constexpr double kDotRelTol = 1e-5;  // as test_kernels.cpp and test_kquants.cpp

int failures = 0, checks = 0;

void check(bool ok, const std::string& what) {
    ++checks;
    if (ok) return;
    ++failures;
    std::printf("FAIL %s\n", what.c_str());
}

bool same_bits(const void* a, const void* b, size_t bytes) { return std::memcmp(a, b, bytes) == 0; }


// The weight types with NEON kernels and whether their dot must be bit-identical.
struct Case {
    GgmlType type;
    bool exact_dot;
};
const Case kCases[] = {{GgmlType::F32, false}, {GgmlType::F16, false}, {GgmlType::Q4_0, true},
                       {GgmlType::Q8_0, true}, {GgmlType::Q4_K, true}, {GgmlType::Q6_K, true}};

// Row lengths: one block, a few blocks, more than 4096 ending on an odd block; the float types
// also get lengths that leave a tail of 1-3 elements after the 16- and 4-wide loops.
std::vector<int64_t> lengths(GgmlType t) {
    const int64_t block = type_traits(t).block_size;
    if (block == 1) return {4, 37, 4097};
    return {block, 4 * block, (4096 / block + 1) * block};
}

void check_rows(const Case& c, Isa simd, std::mt19937& rng) {
    const GgmlType t = c.type;
    const TypeKernels& ref = kernels_get(t, Isa::Scalar);
    const TypeKernels& got = kernels_get(t, simd);
    const GgmlType vt = ref.vec_dot_type;
    for (ScaleMode mode : {ScaleMode::Typical, ScaleMode::Max, ScaleMode::TinyNormal, ScaleMode::Subnormal, ScaleMode::Zero})
        for (int64_t k : lengths(t)) {
            const std::string where = std::string(type_name(t)) + " k=" + std::to_string(k) + " " + scale_mode_name(mode);
            const auto w = random_row(t, k, rng, mode);
            std::vector<float> a(static_cast<size_t>(k)), b(static_cast<size_t>(k));
            ref.to_f32(w.data(), a.data(), k);
            got.to_f32(w.data(), b.data(), k);
            check(same_bits(a.data(), b.data(), a.size() * 4), "to_f32 bit-identical: " + where);

            // Activations in the vec_dot type, made by the scalar quantizer so both dots see the same bytes.
            const auto x = random_floats(k, rng, mode == ScaleMode::Max ? 100.0f : 1.0f);
            std::vector<uint8_t> xa(row_size(vt, k)), xb(row_size(vt, k));
            kernels_get(vt, Isa::Scalar).from_f32(x.data(), xa.data(), k);
            kernels_get(vt, simd).from_f32(x.data(), xb.data(), k);
            check(same_bits(xa.data(), xb.data(), xa.size()), std::string("from_f32 bit-identical: ") + type_name(vt) + " for " + where);

            float s_ref = 0, s_got = 0;
            ref.vec_dot(k, &s_ref, w.data(), xa.data());
            got.vec_dot(k, &s_got, w.data(), xa.data());
            if (c.exact_dot) {
                check(same_bits(&s_ref, &s_got, 4), "vec_dot bit-identical: " + where);
                continue;
            }
            std::vector<float> xf(static_cast<size_t>(k));
            kernels_get(vt, Isa::Scalar).to_f32(xa.data(), xf.data(), k);
            double mag = 0;
            for (size_t i = 0; i < size_t(k); ++i) mag += std::fabs(double(a[i]) * xf[i]);
            check(std::isfinite(s_got) && std::fabs(double(s_ref) - s_got) <= kDotRelTol * mag + 1e-30,
                  "vec_dot within kDotRelTol of sum |products|: " + where);
        }
}

void check_matmul(const Case& c, Isa simd, std::mt19937& rng) {
    const GgmlType t = c.type;
    const int64_t block = type_traits(t).block_size;
    // Crosses matmul's 2048-element chunk boundary and ends on an odd block.
    const int64_t k = block == 256 ? 4096 + 3 * 256 : 4096 + 3 * 32, n = 7, m = 9;
    const auto w = random_row(t, k * n, rng);
    const auto x = random_floats(m * k, rng);
    const WeightView view{t, w.data(), k, n};
    std::vector<float> batch(static_cast<size_t>(m * n)), single(batch.size()), scalar(batch.size());
    matmul(view, x.data(), m, k, batch.data(), n, simd);
    for (int64_t i = 0; i < m; ++i) matmul(view, x.data() + i * k, 1, k, single.data() + i * n, n, simd);
    check(same_bits(batch.data(), single.data(), batch.size() * 4),
          std::string("matmul batch bit-identical to one-token calls: ") + type_name(t));
    if (!c.exact_dot) return;
    matmul(view, x.data(), m, k, scalar.data(), n, Isa::Scalar);
    check(same_bits(batch.data(), scalar.data(), batch.size() * 4),
          std::string("matmul bit-identical to the scalar level: ") + type_name(t));
}

}  // namespace

int main() {
    const Isa simd = cpu_best_isa();
    std::printf("kernel exactness: %s level (dotprod %s) against scalar\n", isa_name(simd),
                cpu_features().dotprod ? "yes" : "no");
    if (simd != Isa::Neon) {
        std::printf("FAIL: not an ARM64 NEON build or CPU, nothing was compared\n");
        return 1;
    }
    std::mt19937 rng(17);
    for (const Case& c : kCases) {
        check_rows(c, simd, rng);
        check_matmul(c, simd, rng);
    }
    std::printf("%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
