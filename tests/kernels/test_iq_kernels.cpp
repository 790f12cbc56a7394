// IQ kernels (iq2_xxs, iq2_xs, iq2_s, iq3_xxs, iq3_s, iq1_s, iq1_m, iq4_nl, iq4_xs): the scalar
// reference against independent per-element decoders written here from the documented layouts
// (docs/formats.md), and every SIMD level against the scalar reference, bit for bit.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/cpu_features.h"
#include "kernels/kernels.h"
#include "kernels/matmul.h"
#include "random_rows.h"
#include "tensor/blocks_iq.h"
#include "tensor/iq_tables.h"

namespace qs {
namespace {

using test::random_floats;
using test::random_row;
using test::ScaleMode;

const GgmlType kIqTypes[] = {GgmlType::IQ2_XXS, GgmlType::IQ2_XS, GgmlType::IQ2_S, GgmlType::IQ3_XXS, GgmlType::IQ3_S,
                             GgmlType::IQ1_S,   GgmlType::IQ1_M,  GgmlType::IQ4_NL, GgmlType::IQ4_XS};

uint16_t u16_at(const uint8_t* p) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
}
uint32_t u32_at(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}
uint8_t byte_of(uint64_t v, int k) { return uint8_t(v >> (8 * k)); }

// Sign (+1 / -1) of element j (0..7) of a group with 7 stored sign bits: the 8th is the parity
// that makes the number of minus signs even.
double seven_bit_sign(uint32_t bits7, int j) {
    const int bit = j < 7 ? int((bits7 >> j) & 1) : std::popcount(bits7 & 127u) & 1;
    return bit ? -1.0 : 1.0;
}

// Element e of the block at b, in double, from the layout description.
double naive_iq(GgmlType t, const uint8_t* b, int e) {
    const double d = fp16_to_fp32(u16_at(b));
    const int ib = (e % QK_K) / 32, l = (e % 32) / 8, j = e % 8;
    switch (t) {
        case GgmlType::IQ2_XXS: {
            const uint8_t* g = b + 2 + 8 * ib;
            const uint32_t aux = u32_at(g + 4);
            const double scale = (0.5 + double(aux >> 28)) * 0.25;
            return d * scale * byte_of(iq::iq2xxs_grid[g[l]], j) * seven_bit_sign(aux >> (7 * l), j);
        }
        case GgmlType::IQ2_XS: {
            const uint16_t q = u16_at(b + 2 + 2 * (4 * ib + l));
            const double scale = (0.5 + double((b[66 + ib] >> (4 * (l / 2))) & 15)) * 0.25;
            return d * scale * byte_of(iq::iq2xs_grid[q & 511], j) * seven_bit_sign(q >> 9, j);
        }
        case GgmlType::IQ2_S: {
            const int index = b[2 + 4 * ib + l] | (((b[66 + ib] >> (2 * l)) & 3) << 8);
            const double sign = (b[2 + 32 + 4 * ib + l] >> j) & 1 ? -1.0 : 1.0;
            const double scale = (0.5 + double((b[74 + ib] >> (4 * (l / 2))) & 15)) * 0.25;
            return d * scale * byte_of(iq::iq2s_grid[index], j) * sign;
        }
        case GgmlType::IQ3_XXS: {
            const int k = (e % 32) / 4;
            const uint32_t aux = u32_at(b + 2 + 64 + 4 * ib);
            const double scale = (0.5 + double(aux >> 28)) * 0.5;
            const uint32_t grid = iq::iq3xxs_grid[b[2 + 8 * ib + k]];
            return d * scale * double((grid >> (8 * (e % 4))) & 255) * seven_bit_sign(aux >> (7 * l), j);
        }
        case GgmlType::IQ3_S: {
            const int k = (e % 32) / 4;
            const int index = b[2 + 8 * ib + k] | (((b[66 + ib] >> k) & 1) << 8);
            const double sign = (b[74 + 4 * ib + l] >> j) & 1 ? -1.0 : 1.0;
            const double scale = 1 + 2 * ((b[106 + ib / 2] >> (4 * (ib % 2))) & 15);
            return d * scale * double((iq::iq3s_grid[index] >> (8 * (e % 4))) & 255) * sign;
        }
        case GgmlType::IQ1_S: {
            const uint16_t qh = u16_at(b + 34 + 2 * ib);
            const int index = b[2 + 4 * ib + l] | (((qh >> (3 * l)) & 7) << 8);
            const double delta = (qh & 0x8000) ? -iq::IQ1S_DELTA : iq::IQ1S_DELTA;
            return d * double(2 * ((qh >> 12) & 7) + 1) * (double(int8_t(byte_of(iq::iq1s_grid[index], j))) + delta);
        }
        case GgmlType::IQ1_M: {
            uint16_t super = 0;
            for (int k = 0; k < 4; ++k) super = uint16_t(super | ((u16_at(b + 48 + 2 * k) >> 12) << (4 * k)));
            const uint8_t h = b[32 + 2 * ib + l / 2] >> (4 * (l % 2));  // 3 index bits + shift sign
            const int index = b[4 * ib + l] | ((h & 7) << 8);
            const double delta = (h & 8) ? -iq::IQ1M_DELTA : iq::IQ1M_DELTA;
            const int ls = (u16_at(b + 48 + 2 * (ib / 2)) >> (6 * (ib % 2) + 3 * (l / 2))) & 7;
            return double(fp16_to_fp32(super)) * double(2 * ls + 1) *
                   (double(int8_t(byte_of(iq::iq1s_grid[index], j))) + delta);
        }
        case GgmlType::IQ4_NL: {
            const int i = e % 32;
            const uint8_t q = b[2 + (i % 16)];
            return d * iq::kvalues_iq4nl[i < 16 ? (q & 15) : (q >> 4)];
        }
        case GgmlType::IQ4_XS: {
            const int i = e % 32;
            const uint8_t q = b[8 + 16 * ib + (i % 16)];
            const int ls = ((b[4 + ib / 2] >> (4 * (ib % 2))) & 15) | (((u16_at(b + 2) >> (2 * ib)) & 3) << 4);
            return d * double(ls - 32) * iq::kvalues_iq4nl[i < 16 ? (q & 15) : (q >> 4)];
        }
        default: ADD_FAILURE() << "no naive decoder for " << type_name(t); return 0;
    }
}

// An activation row as matmul makes it: random floats converted by the vec_dot_type's from_f32
// (q8 quants in [-127, 127] with consistent block sums, as every real activation row).
std::vector<uint8_t> activation_row(GgmlType vec_dot_type, int64_t n, std::mt19937& rng) {
    const auto x = random_floats(n, rng);
    std::vector<uint8_t> act(row_size(vec_dot_type, n));
    kernels_get(vec_dot_type, Isa::Scalar).from_f32(x.data(), act.data(), n);
    return act;
}

double naive_row_value(GgmlType t, const std::vector<uint8_t>& row, int64_t i) {
    const TypeTraits& tr = type_traits(t);
    return naive_iq(t, row.data() + size_t(i / tr.block_size) * tr.type_size, int(i % tr.block_size));
}

TEST(IqTables, GridsHoldTheDocumentedMagnitudes) {
    for (uint64_t v : iq::iq2xxs_grid)
        for (int k = 0; k < 8; ++k) EXPECT_TRUE(byte_of(v, k) == 8 || byte_of(v, k) == 25 || byte_of(v, k) == 43);
    for (uint32_t v : iq::iq3s_grid)
        for (int k = 0; k < 4; ++k) EXPECT_EQ(((v >> (8 * k)) & 255) % 2, 1u);  // 1, 3, ..., 15
    for (uint64_t v : iq::iq1s_grid)
        for (int k = 0; k < 8; ++k) EXPECT_LE(std::abs(int(int8_t(byte_of(v, k)))), 1);
    // ksigns: 7 stored bits plus the parity bit.
    for (int i = 0; i < 128; ++i) EXPECT_EQ(iq::ksigns_iq2xs[i], i | ((std::popcount(unsigned(i)) & 1) << 7));
}

TEST(IqKernels, VecDotTypesAreGgmls) {
    for (GgmlType t : kIqTypes)
        EXPECT_EQ(kernels_get(t, Isa::Scalar).vec_dot_type, t == GgmlType::IQ4_NL ? GgmlType::Q8_0 : GgmlType::Q8_K)
            << type_name(t);
}

TEST(IqKernels, ScalarToF32MatchesLayout) {
    std::mt19937 rng(21);
    for (GgmlType t : kIqTypes) {
        const int64_t n = 2 * QK_K;
        const auto row = random_row(t, n, rng);
        std::vector<float> y(static_cast<size_t>(n));
        kernels_get(t, Isa::Scalar).to_f32(row.data(), y.data(), n);
        for (int64_t i = 0; i < n; ++i) {
            const double want = naive_row_value(t, row, i);
            ASSERT_LE(std::fabs(double(y[size_t(i)]) - want), std::fabs(want) * std::ldexp(1.0, -21) + 1e-30)
                << type_name(t) << " element " << i;
        }
    }
}

// vec_dot against sum(naive weight * dequantized activation); the activation row is made by the
// kernels' own from_f32 (tested elsewhere).
TEST(IqKernels, ScalarVecDotMatchesLayout) {
    std::mt19937 rng(22);
    for (GgmlType t : kIqTypes) {
        const int64_t n = 3 * QK_K;
        const TypeKernels& k = kernels_get(t, Isa::Scalar);
        const auto row = random_row(t, n, rng);
        const auto x = random_floats(n, rng);
        std::vector<uint8_t> act(row_size(k.vec_dot_type, n));
        kernels_get(k.vec_dot_type, Isa::Scalar).from_f32(x.data(), act.data(), n);
        std::vector<float> a(static_cast<size_t>(n));
        kernels_get(k.vec_dot_type, Isa::Scalar).to_f32(act.data(), a.data(), n);
        double want = 0, mag = 0;
        for (int64_t i = 0; i < n; ++i) {
            const double p = naive_row_value(t, row, i) * double(a[size_t(i)]);
            want += p;
            mag += std::fabs(p);
        }
        float got;
        k.vec_dot(n, &got, row.data(), act.data());
        // 1e-5 of sum|products|: float rounding of the scales only (the integer sums are exact); one
        // wrong sign or grid entry among 768 elements moves the result by ~1e-3 of that sum.
        EXPECT_LE(std::fabs(double(got) - want), 1e-5 * mag + 1e-30) << type_name(t) << " got " << got << " want " << want;
    }
}

TEST(IqKernels, SimdToF32IsBitIdentical) {
    std::mt19937 rng(23);
    for (Isa isa : test::simd_levels())
        for (GgmlType t : kIqTypes)
            for (ScaleMode mode : {ScaleMode::Typical, ScaleMode::Max, ScaleMode::Subnormal, ScaleMode::Zero}) {
                const int64_t n = 4 * QK_K;
                const auto row = random_row(t, n, rng, mode);
                std::vector<float> ref(static_cast<size_t>(n)), got(static_cast<size_t>(n));
                kernels_get(t, Isa::Scalar).to_f32(row.data(), ref.data(), n);
                kernels_get(t, isa).to_f32(row.data(), got.data(), n);
                EXPECT_EQ(0, std::memcmp(ref.data(), got.data(), ref.size() * sizeof(float)))
                    << type_name(t) << " " << isa_name(isa);
            }
}

// The SIMD dot products keep the reference's float operations (only integer sums are reordered),
// so they are bit-identical, not merely close.
TEST(IqKernels, SimdVecDotIsBitIdentical) {
    std::mt19937 rng(24);
    for (Isa isa : test::simd_levels())
        for (GgmlType t : kIqTypes)
            for (int64_t blocks : {1, 3, 8}) {
                const int64_t n = blocks * QK_K;
                const TypeKernels& k = kernels_get(t, isa);
                const auto row = random_row(t, n, rng);
                const auto act = activation_row(k.vec_dot_type, n, rng);
                float ref, got;
                kernels_get(t, Isa::Scalar).vec_dot(n, &ref, row.data(), act.data());
                k.vec_dot(n, &got, row.data(), act.data());
                EXPECT_EQ(std::bit_cast<uint32_t>(ref), std::bit_cast<uint32_t>(got))
                    << type_name(t) << " " << isa_name(isa) << " blocks " << blocks << ": " << ref << " vs " << got;
            }
}

// iq4_nl rows of an odd number of 32-element blocks (the AVX-512 kernel takes two at a time).
TEST(IqKernels, Iq4NlOddBlockCount) {
    std::mt19937 rng(25);
    for (Isa isa : test::simd_levels()) {
        const int64_t n = 7 * QK4_NL;
        const auto row = random_row(GgmlType::IQ4_NL, n, rng);
        const auto act = activation_row(GgmlType::Q8_0, n, rng);
        float ref, got;
        kernels_get(GgmlType::IQ4_NL, Isa::Scalar).vec_dot(n, &ref, row.data(), act.data());
        kernels_get(GgmlType::IQ4_NL, isa).vec_dot(n, &got, row.data(), act.data());
        EXPECT_EQ(std::bit_cast<uint32_t>(ref), std::bit_cast<uint32_t>(got)) << isa_name(isa);
    }
}

// A batch of tokens gives what one-token calls give, bit for bit, at every level (the IQ types
// stream rows through vec_dot for any token count).
TEST(IqKernels, MatmulBatchEqualsOneTokenCalls) {
    std::mt19937 rng(26);
    const int64_t n = 5, m = 20, k = 2 * QK_K;
    std::vector<Isa> isas = test::simd_levels();
    isas.push_back(Isa::Scalar);
    for (Isa isa : isas)
        for (GgmlType t : kIqTypes) {
            const auto w = random_row(t, k * n, rng);
            const auto x = random_floats(m * k, rng);
            std::vector<float> batch(static_cast<size_t>(m * n)), single(static_cast<size_t>(m * n));
            const WeightView view{t, w.data(), k, n};
            matmul(view, x.data(), m, k, batch.data(), n, isa);
            for (int64_t i = 0; i < m; ++i) matmul(view, x.data() + i * k, 1, k, single.data() + i * n, n, isa);
            EXPECT_EQ(0, std::memcmp(batch.data(), single.data(), batch.size() * sizeof(float)))
                << type_name(t) << " " << isa_name(isa);
        }
}

}  // namespace
}  // namespace qs
