// Kernel tests: the scalar kernels against independent formulas written here from ggml's documented
// block layouts, and every SIMD level the CPU has against the scalar kernels.
//
// Tolerances (why results are not always bit-identical):
// - to_f32 must be bit-identical across ISAs: every element is one product (plus one add for the
//   types with a min), computed the same way at every level.
// - vec_dot: integer block sums are exact at every level, but the float sum over blocks (and over
//   elements for f32/f16/bf16) runs in a different order (several SIMD accumulators; the scalar
//   float dots accumulate in double as ggml's do; SIMD kernels scale 8 or 16 partial integer sums
//   per block rather than the block total). We allow kDotRelTol = 1e-5 of the sum of |element
//   products| (|d_x d_y| * sum |q_x q_y| per block): reordered float sums of n terms err by at
//   most ~n * 2^-24 of that, ~sqrt(n) * 2^-24 typically (n <= 4096 here, so ~4e-6 typical).
// - from_f32 to q8_0/q8_1: the scale d is identical; ggml's SIMD quantizer multiplies by 127/amax
//   and rounds half to even while the reference multiplies by 1/(amax/127) and rounds half away
//   from zero, so a quant may differ by 1 where x*127/amax is within a hair of .5 (we allow
//   |frac - 0.5| < 1e-4). q8_1's s must equal fp16(d * sum(qs)) of the row actually produced.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/cpu_features.h"
#include "core/error.h"
#include "core/fp16.h"
#include "kernels/gemm_tiles.h"  // internal: the AVX2 tiles with and without AVX-VNNI
#include "kernels/kernels.h"
#include "kernels/matmul.h"
#include "random_rows.h"

using namespace qs;
using qs::test::random_floats;
using qs::test::random_row;
using qs::test::ScaleMode;
using qs::test::scale_mode_name;

namespace {

constexpr double kDotRelTol = 1e-5;

const GgmlType kTypes[] = {GgmlType::F32,  GgmlType::F16,  GgmlType::BF16, GgmlType::Q4_0, GgmlType::Q4_1,
                           GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q8_1};
const ScaleMode kModes[] = {ScaleMode::Typical, ScaleMode::Max, ScaleMode::TinyNormal, ScaleMode::Subnormal,
                            ScaleMode::Zero};

using test::simd_levels;

uint16_t read_u16(const uint8_t* p) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
}

// ---- the independent formulas -----------------------------------------------------------------

// One block's decoded quants and scales.
struct NaiveBlock {
    double d = 0, m = 0;  // x = d * q + m (m = 0 for the symmetric types)
    int q[32] = {};
    double s = 0;         // q8_1 only: the stored d * sum(q)
};

// Decodes block b of a row of type t straight from the byte layout in ggml-common.h.
NaiveBlock naive_block(GgmlType t, const uint8_t* row, int64_t b) {
    NaiveBlock nb;
    const uint8_t* p = row + size_t(b) * type_traits(t).type_size;
    auto nibble = [](const uint8_t* qs, int j) { return j < 16 ? qs[j] & 15 : qs[j - 16] >> 4; };
    auto high_bit = [](const uint8_t* qh, int j) { return (qh[j / 8] >> (j % 8)) & 1; };
    switch (t) {
        case GgmlType::Q4_0:
            nb.d = fp16_to_fp32(read_u16(p));
            for (int j = 0; j < 32; ++j) nb.q[j] = nibble(p + 2, j) - 8;
            break;
        case GgmlType::Q4_1:
            nb.d = fp16_to_fp32(read_u16(p));
            nb.m = fp16_to_fp32(read_u16(p + 2));
            for (int j = 0; j < 32; ++j) nb.q[j] = nibble(p + 4, j);
            break;
        case GgmlType::Q5_0:
            nb.d = fp16_to_fp32(read_u16(p));
            for (int j = 0; j < 32; ++j) nb.q[j] = (nibble(p + 6, j) | high_bit(p + 2, j) << 4) - 16;
            break;
        case GgmlType::Q5_1:
            nb.d = fp16_to_fp32(read_u16(p));
            nb.m = fp16_to_fp32(read_u16(p + 2));
            for (int j = 0; j < 32; ++j) nb.q[j] = nibble(p + 8, j) | high_bit(p + 4, j) << 4;
            break;
        case GgmlType::Q8_0:
            nb.d = fp16_to_fp32(read_u16(p));
            for (int j = 0; j < 32; ++j) nb.q[j] = int8_t(p[2 + j]);
            break;
        case GgmlType::Q8_1:
            nb.d = fp16_to_fp32(read_u16(p));
            nb.s = fp16_to_fp32(read_u16(p + 2));
            for (int j = 0; j < 32; ++j) nb.q[j] = int8_t(p[4 + j]);
            break;
        default: ADD_FAILURE() << "not a block type";
    }
    return nb;
}

double naive_float(GgmlType t, const uint8_t* row, int64_t i) {
    float f;
    switch (t) {
        case GgmlType::F32: std::memcpy(&f, row + 4 * i, 4); return f;
        case GgmlType::F16: return fp16_to_fp32(read_u16(row + 2 * i));
        case GgmlType::BF16: return bf16_to_fp32(read_u16(row + 2 * i));
        default: ADD_FAILURE() << "not a float type"; return 0;
    }
}
bool is_float_type(GgmlType t) { return t == GgmlType::F32 || t == GgmlType::F16 || t == GgmlType::BF16; }

// Element i dequantized exactly (double) and the magnitude its float rounding is relative to.
double naive_value(GgmlType t, const uint8_t* row, int64_t i, double* magnitude = nullptr) {
    if (is_float_type(t)) {
        const double v = naive_float(t, row, i);
        if (magnitude) *magnitude = std::fabs(v);
        return v;
    }
    const NaiveBlock nb = naive_block(t, row, i / 32);
    const double dq = nb.d * nb.q[i % 32];
    if (magnitude) *magnitude = std::fabs(dq) + std::fabs(nb.m);
    return dq + nb.m;
}

// ggml's dot product of a weight row x with its activation row y, in double, and the sum of
// |element products| that the float error of any summation order is proportional to. For the types with a
// min, ggml uses the activation's stored s (= d_y * sum q_y) for the min term: so do we.
double naive_dot(GgmlType wt, const uint8_t* x, GgmlType at, const uint8_t* y, int64_t n, double* abs_sum) {
    double sum = 0, mag = 0;
    if (is_float_type(wt)) {
        for (int64_t i = 0; i < n; ++i) {
            const double term = naive_float(wt, x, i) * naive_float(at, y, i);
            sum += term;
            mag += std::fabs(term);
        }
    } else {
        for (int64_t b = 0; b < n / 32; ++b) {
            const NaiveBlock bx = naive_block(wt, x, b), by = naive_block(at, y, b);
            long sumi = 0, sumi_abs = 0;
            for (int j = 0; j < 32; ++j) {
                sumi += long(bx.q[j]) * by.q[j];
                sumi_abs += std::labs(long(bx.q[j]) * by.q[j]);
            }
            sum += bx.d * by.d * double(sumi) + (bx.m != 0 ? bx.m * by.s : 0.0);
            // Element-level magnitude: SIMD kernels scale partial sums of a block (not only its
            // total) by d_x * d_y, so their rounding is relative to the partial sums' magnitudes.
            mag += std::fabs(bx.d * by.d) * double(sumi_abs) + std::fabs(bx.m * by.s);
        }
    }
    *abs_sum = mag;
    return sum;
}

// ---- shared checks ----------------------------------------------------------------------------

struct Case {
    GgmlType type;
    ScaleMode mode;
    int64_t n;
};
std::vector<Case> all_cases() {
    std::vector<Case> cases;
    for (GgmlType t : kTypes)
        for (ScaleMode mode : kModes)
            for (int64_t n : {32, 64, 96, 32 * 37, 4096}) cases.push_back({t, mode, n});
    return cases;
}
std::string describe(const Case& c) {
    return std::string(type_name(c.type)) + " " + scale_mode_name(c.mode) + " n=" + std::to_string(c.n);
}

void expect_dot_close(float got, double want, double abs_sum, const std::string& what) {
    EXPECT_TRUE(std::isfinite(got)) << what;
    EXPECT_LE(std::fabs(double(got) - want), kDotRelTol * abs_sum + 1e-30) << what << " got " << got << " want " << want;
}

}  // namespace

// ---- scalar kernels against the formulas ------------------------------------------------------

TEST(ScalarKernels, VecDotTypesAreGgmls) {
    EXPECT_EQ(kernels_get(GgmlType::F32, Isa::Scalar).vec_dot_type, GgmlType::F32);
    EXPECT_EQ(kernels_get(GgmlType::F16, Isa::Scalar).vec_dot_type, GgmlType::F16);
    EXPECT_EQ(kernels_get(GgmlType::BF16, Isa::Scalar).vec_dot_type, GgmlType::BF16);
    for (GgmlType t : {GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q8_0})
        EXPECT_EQ(kernels_get(t, Isa::Scalar).vec_dot_type, GgmlType::Q8_0);
    for (GgmlType t : {GgmlType::Q4_1, GgmlType::Q5_1})
        EXPECT_EQ(kernels_get(t, Isa::Scalar).vec_dot_type, GgmlType::Q8_1);
}

TEST(ScalarKernels, ToF32MatchesLayoutFormula) {
    std::mt19937 rng(1);
    for (const Case& c : all_cases()) {
        const auto row = random_row(c.type, c.n, rng, c.mode);
        std::vector<float> y(static_cast<size_t>(c.n));
        kernels_get(c.type, Isa::Scalar).to_f32(row.data(), y.data(), c.n);
        for (int64_t i = 0; i < c.n; ++i) {
            double mag;
            const double want = naive_value(c.type, row.data(), i, &mag);
            // One or two float roundings (product, then + min) of the exact value.
            ASSERT_LE(std::fabs(double(y[i]) - want), mag * std::ldexp(1.0, -23)) << describe(c) << " i=" << i;
        }
    }
}

TEST(ScalarKernels, VecDotMatchesLayoutFormula) {
    std::mt19937 rng(2);
    for (const Case& c : all_cases()) {
        const TypeKernels& k = kernels_get(c.type, Isa::Scalar);
        const auto x = random_row(c.type, c.n, rng, c.mode);
        const auto y = random_row(k.vec_dot_type, c.n, rng, ScaleMode::Typical);
        float got;
        k.vec_dot(c.n, &got, x.data(), y.data());
        double abs_sum;
        const double want = naive_dot(c.type, x.data(), k.vec_dot_type, y.data(), c.n, &abs_sum);
        expect_dot_close(got, want, abs_sum, describe(c));
    }
}

// A wrong nibble order, sign offset or high-bit position makes the dot differ grossly: check the
// tolerance above is not so loose that it would hide that (the test must be able to fail).
TEST(ScalarKernels, FormulaCheckDetectsAShiftedElement) {
    std::mt19937 rng(3);
    const int64_t n = 256;
    const auto x = random_row(GgmlType::Q4_0, n, rng);
    auto y = random_row(GgmlType::Q8_0, n, rng);
    double abs_sum;
    const double want = naive_dot(GgmlType::Q4_0, x.data(), GgmlType::Q8_0, y.data(), n, &abs_sum);
    std::swap(y[2 + 0], y[2 + 16]);  // swap elements 0 and 16 of block 0 of the activations
    float got;
    kernels_get(GgmlType::Q4_0, Isa::Scalar).vec_dot(n, &got, x.data(), y.data());
    EXPECT_GT(std::fabs(double(got) - want), kDotRelTol * abs_sum);
}

TEST(ScalarKernels, ActivationQuantizationFollowsReference) {
    std::mt19937 rng(4);
    for (GgmlType t : {GgmlType::Q8_0, GgmlType::Q8_1}) {
        for (int64_t n : {32, 32 * 41}) {
            auto x = random_floats(n, rng, 3.0f);
            for (int j = 0; j < 32; ++j) x[size_t(j)] = 0;  // an all-zero block
            std::vector<uint8_t> q(row_size(t, n));
            kernels_get(t, Isa::Scalar).from_f32(x.data(), q.data(), n);
            for (int64_t b = 0; b < n / 32; ++b) {
                const NaiveBlock nb = naive_block(t, q.data(), b);
                float amax = 0;
                for (int j = 0; j < 32; ++j) amax = std::fmax(amax, std::fabs(x[size_t(b * 32 + j)]));
                ASSERT_EQ(fp32_to_fp16(float(nb.d)), fp32_to_fp16(amax / 127.0f)) << b;
                EXPECT_EQ(nb.d, double(fp16_to_fp32(fp32_to_fp16(amax / 127.0f))));
                long sum = 0;
                for (int j = 0; j < 32; ++j) {
                    const double exact = amax == 0 ? 0.0 : double(x[size_t(b * 32 + j)]) * 127.0 / amax;
                    EXPECT_LE(std::fabs(nb.q[j] - exact), 0.5 + 1e-4) << type_name(t) << " b=" << b << " j=" << j;
                    sum += nb.q[j];
                }
                if (t == GgmlType::Q8_1) {
                    EXPECT_EQ(fp32_to_fp16(float(nb.s)), fp32_to_fp16(float(sum) * (amax / 127.0f)));
                }
            }
        }
    }
    // Float activation types convert element by element with the core conversions.
    const auto x = random_floats(64, rng);
    std::vector<uint16_t> h(64), b(64);
    kernels_get(GgmlType::F16, Isa::Scalar).from_f32(x.data(), h.data(), 64);
    kernels_get(GgmlType::BF16, Isa::Scalar).from_f32(x.data(), b.data(), 64);
    for (int i = 0; i < 64; ++i) {
        EXPECT_EQ(h[size_t(i)], fp32_to_fp16(x[size_t(i)]));
        EXPECT_EQ(b[size_t(i)], fp32_to_bf16(x[size_t(i)]));
    }
}

// ---- SIMD levels against the scalar kernels ----------------------------------------------------

TEST(SimdKernels, ToF32IsBitIdentical) {
    std::mt19937 rng(5);
    for (Isa isa : simd_levels())
        for (const Case& c : all_cases()) {
            const auto row = random_row(c.type, c.n, rng, c.mode);
            std::vector<float> want(static_cast<size_t>(c.n)), got(static_cast<size_t>(c.n));
            kernels_get(c.type, Isa::Scalar).to_f32(row.data(), want.data(), c.n);
            kernels_get(c.type, isa).to_f32(row.data(), got.data(), c.n);
            ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size() * sizeof(float)))
                << isa_name(isa) << " " << describe(c);
        }
}

TEST(SimdKernels, VecDotMatchesScalar) {
    std::mt19937 rng(6);
    for (Isa isa : simd_levels())
        for (const Case& c : all_cases()) {
            const TypeKernels& k = kernels_get(c.type, isa);
            const auto x = random_row(c.type, c.n, rng, c.mode);
            const auto y = random_row(k.vec_dot_type, c.n, rng, c.mode == ScaleMode::Zero ? ScaleMode::Zero : ScaleMode::Typical);
            float want, got;
            kernels_get(c.type, Isa::Scalar).vec_dot(c.n, &want, x.data(), y.data());
            k.vec_dot(c.n, &got, x.data(), y.data());
            double abs_sum;
            naive_dot(c.type, x.data(), k.vec_dot_type, y.data(), c.n, &abs_sum);
            expect_dot_close(got, want, abs_sum, std::string(isa_name(isa)) + " " + describe(c));
        }
}

// Float dots of lengths that are not a multiple of any vector width (tails).
TEST(SimdKernels, FloatVecDotHandlesTails) {
    std::mt19937 rng(7);
    for (Isa isa : simd_levels())
        for (GgmlType t : {GgmlType::F32, GgmlType::F16, GgmlType::BF16})
            for (int64_t n : {1, 7, 15, 17, 33, 63, 65, 127, 129, 1001}) {
                const auto x = random_row(t, n, rng), y = random_row(t, n, rng);
                float want, got;
                kernels_get(t, Isa::Scalar).vec_dot(n, &want, x.data(), y.data());
                kernels_get(t, isa).vec_dot(n, &got, x.data(), y.data());
                double abs_sum;
                naive_dot(t, x.data(), t, y.data(), n, &abs_sum);
                expect_dot_close(got, want, abs_sum, std::string(isa_name(isa)) + " " + type_name(t) + " n=" + std::to_string(n));
            }
}

TEST(SimdKernels, ActivationQuantizationMatchesScalar) {
    std::mt19937 rng(8);
    for (Isa isa : simd_levels()) {
        for (GgmlType t : {GgmlType::Q8_0, GgmlType::Q8_1}) {
            const int64_t n = 32 * 64;
            auto x = random_floats(n, rng, 2.0f);
            for (int j = 0; j < 32; ++j) x[size_t(j)] = 0;                    // all-zero block
            for (int j = 0; j < 32; ++j) x[size_t(32 + j)] = float(j - 16);  // exact ties at .5 * 127/16
            std::vector<uint8_t> want(row_size(t, n)), got(row_size(t, n));
            kernels_get(t, Isa::Scalar).from_f32(x.data(), want.data(), n);
            kernels_get(t, isa).from_f32(x.data(), got.data(), n);
            for (int64_t b = 0; b < n / 32; ++b) {
                const NaiveBlock w = naive_block(t, want.data(), b), g = naive_block(t, got.data(), b);
                ASSERT_EQ(w.d, g.d) << isa_name(isa) << " " << type_name(t) << " b=" << b;
                float amax = 0;
                for (int i = 0; i < 32; ++i) amax = std::fmax(amax, std::fabs(x[static_cast<size_t>(b * 32 + i)]));
                long sum = 0;
                for (int j = 0; j < 32; ++j) {
                    sum += g.q[j];
                    if (w.q[j] == g.q[j]) continue;
                    const double scaled = std::fabs(double(x[size_t(b * 32 + j)]) * 127.0 / amax);
                    EXPECT_EQ(std::abs(w.q[j] - g.q[j]), 1) << isa_name(isa) << " b=" << b << " j=" << j;
                    EXPECT_LT(std::fabs(scaled - std::floor(scaled) - 0.5), 1e-4)
                        << isa_name(isa) << " " << type_name(t) << " b=" << b << " j=" << j << " not a tie: " << scaled;
                }
                if (t == GgmlType::Q8_1) {
                    EXPECT_EQ(fp32_to_fp16(float(g.s)), fp32_to_fp16(float(sum) * (amax / 127.0f)));
                }
            }
        }
        for (GgmlType t : {GgmlType::F16, GgmlType::BF16}) {
            const int64_t n = 999;  // includes a tail
            const auto x = random_floats(n, rng);
            std::vector<uint16_t> want(static_cast<size_t>(n)), got(static_cast<size_t>(n));
            kernels_get(t, Isa::Scalar).from_f32(x.data(), want.data(), n);
            kernels_get(t, isa).from_f32(x.data(), got.data(), n);
            EXPECT_EQ(want, got) << isa_name(isa) << " " << type_name(t);
        }
    }
}

// ---- matmul -----------------------------------------------------------------------------------

namespace {

// Y = X W^T computed naively in double from the formulas, with X first converted to the vec_dot
// type by the same ISA's from_f32 (tested above), as matmul does.
void expect_matmul_matches_naive(GgmlType t, int64_t m, int64_t k, int64_t n, Isa isa, std::mt19937& rng) {
    const auto w = random_row(t, k * n, rng);
    const auto x = random_floats(m * k, rng);
    const int64_t ldy = n + 3;  // a row stride that is not the row length
    std::vector<float> y(size_t(m * ldy), -1.0f);
    matmul(WeightView{t, w.data(), k, n}, x.data(), m, k, y.data(), ldy, isa);

    const TypeKernels& wk = kernels_get(t, isa);
    const GgmlType at = wk.vec_dot_type;
    const size_t wrow = row_size(t, k), arow = row_size(at, k);
    std::vector<uint8_t> xa(arow * size_t(m));
    for (int64_t i = 0; i < m; ++i) kernels_get(at, isa).from_f32(x.data() + i * k, xa.data() + size_t(i) * arow, k);
    for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
            double abs_sum;
            const double want = naive_dot(t, w.data() + size_t(j) * wrow, at, xa.data() + size_t(i) * arow, k, &abs_sum);
            const float got = y[size_t(i * ldy + j)];
            ASSERT_LE(std::fabs(double(got) - want), kDotRelTol * abs_sum + 1e-30)
                << type_name(t) << " " << isa_name(isa) << " m=" << m << " k=" << k << " n=" << n << " at (" << i << ","
                << j << ") got " << got << " want " << want;
        }
    for (int64_t i = 0; i < m; ++i)  // padding between rows untouched
        for (int64_t j = n; j < ldy; ++j) ASSERT_EQ(y[size_t(i * ldy + j)], -1.0f);
}

}  // namespace

TEST(Matmul, MatchesNaiveForAllTypesIsasAndThreadCounts) {
    std::mt19937 rng(9);
    std::vector<Isa> isas = {Isa::Scalar};
    for (Isa isa : simd_levels()) isas.push_back(isa);
    const int saved_threads = omp_get_max_threads();
    for (int threads : {1, 2}) {
        omp_set_num_threads(threads);
        for (GgmlType t : kTypes)
            for (Isa isa : isas)
                for (int64_t m : {1, 3, 17, 64})
                    for (auto [k, n] : {std::pair<int64_t, int64_t>{32, 5}, {256, 37}, {1024, 16}})
                        expect_matmul_matches_naive(t, m, k, n, isa, rng);
        // Long rows: batched paths split k into chunks (4128 = 4096 + one odd block).
        for (GgmlType t : kTypes)
            for (Isa isa : isas) expect_matmul_matches_naive(t, 8, 4128, 6, isa, rng);
        // Float rows whose length is not a multiple of any vector width.
        for (GgmlType t : {GgmlType::F32, GgmlType::F16, GgmlType::BF16})
            for (Isa isa : isas)
                for (int64_t m : {1, 9}) expect_matmul_matches_naive(t, m, 37, 11, isa, rng);
    }
    omp_set_num_threads(saved_threads);
}

TEST(Matmul, RejectsRowLengthsThatAreNotWholeBlocks) {
    std::vector<uint8_t> w(1024);
    std::vector<float> x(48), y(4);
    EXPECT_THROW(matmul(WeightView{GgmlType::Q4_0, w.data(), 48, 1}, x.data(), 1, 48, y.data(), 1), Error);
    EXPECT_THROW(weight_row_to_f32(WeightView{GgmlType::Q8_0, w.data(), 32, 2}, 2, y.data()), Error);
}

TEST(Matmul, WeightRowToF32DequantizesTheRightRow) {
    std::mt19937 rng(10);
    const int64_t k = 64, n = 3;
    const auto w = random_row(GgmlType::Q5_1, k * n, rng);
    std::vector<float> got(static_cast<size_t>(k));
    weight_row_to_f32(WeightView{GgmlType::Q5_1, w.data(), k, n}, 2, got.data());
    for (int64_t i = 0; i < k; ++i) {
        double mag;
        const double want = naive_value(GgmlType::Q5_1, w.data() + 2 * row_size(GgmlType::Q5_1, k), i, &mag);
        EXPECT_LE(std::fabs(got[size_t(i)] - want), mag * std::ldexp(1.0, -23));
    }
}

// K-quants in matmul (their row kernels are tested in test_kquants.cpp): batches run the SIMD
// levels' row-interleaved tiles (integer sums per sub-block, 8 or 16 rows per vector), single
// tokens the integer vec_dot. Both must match the double-precision dot of the dequantized rows.
TEST(Matmul, KQuantsMatchDequantizedDot) {
    std::mt19937 rng(11);
    std::vector<Isa> isas = {Isa::Scalar};
    for (Isa isa : simd_levels()) isas.push_back(isa);
    const int64_t k = 512, n = 19;  // 19 rows: a full 16-row tile of 8-row groups, then a partial one
    for (GgmlType t : {GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K})
        for (Isa isa : isas)
            for (int64_t m : {1, 5, 17}) {
                const auto w = random_row(t, k * n, rng);
                const auto x = random_floats(m * k, rng);
                std::vector<float> y(static_cast<size_t>(m * n));
                matmul(WeightView{t, w.data(), k, n}, x.data(), m, k, y.data(), n, isa);
                const TypeKernels& wk = kernels_get(t, Isa::Scalar);
                std::vector<uint8_t> xq(row_size(wk.vec_dot_type, k));
                std::vector<float> wf(static_cast<size_t>(k)), xf(static_cast<size_t>(k));
                for (int64_t i = 0; i < m; ++i) {
                    kernels_get(wk.vec_dot_type, isa).from_f32(x.data() + i * k, xq.data(), k);
                    kernels_get(wk.vec_dot_type, Isa::Scalar).to_f32(xq.data(), xf.data(), k);
                    for (int64_t j = 0; j < n; ++j) {
                        wk.to_f32(w.data() + size_t(j) * row_size(t, k), wf.data(), k);
                        double want = 0, mag = 0;
                        for (int64_t e = 0; e < k; ++e) {
                            want += double(wf[size_t(e)]) * xf[size_t(e)];
                            mag += std::fabs(double(wf[size_t(e)]) * xf[size_t(e)]);
                        }
                        ASSERT_LE(std::fabs(y[size_t(i * n + j)] - want), kDotRelTol * mag)
                            << type_name(t) << " " << isa_name(isa) << " m=" << m << " (" << i << "," << j << ")";
                    }
                }
            }
}

// At the SIMD levels the integer types' row kernels repeat the tile kernels' float operations, so
// a batch gives exactly what one-token calls give (as llama.cpp does for types it does not
// repack); likewise the K-quants' AVX-512 tiles.
TEST(Matmul, SimdBatchIsBitIdenticalToOneTokenCalls) {
    std::mt19937 rng(12);
    const int64_t n = 7, m = 9;
    for (Isa isa : simd_levels())
    for (GgmlType t : {GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q4_1, GgmlType::Q5_1, GgmlType::Q2_K,
                       GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K}) {
        // Legacy types: k crosses the 2048-element chunk boundary and ends on an odd block.
        const int64_t k = type_traits(t).block_size == 256 ? 4096 + 3 * 256 : 4096 + 3 * 32;
        const auto w = random_row(t, k * n, rng);
        const auto x = random_floats(m * k, rng);
        std::vector<float> batch(static_cast<size_t>(m * n)), single(static_cast<size_t>(m * n));
        const WeightView view{t, w.data(), k, n};
        matmul(view, x.data(), m, k, batch.data(), n, isa);
        for (int64_t i = 0; i < m; ++i) matmul(view, x.data() + i * k, 1, k, single.data() + i * n, n, isa);
        EXPECT_EQ(0, std::memcmp(batch.data(), single.data(), batch.size() * sizeof(float))) << type_name(t) << " " << isa_name(isa);
    }
}

// Where a level has a several-rows dot product, it must give exactly what vec_dot gives row by
// row (it only runs several rows' chains side by side), including a remainder of rows and rows
// that cross the 2048-element chunk boundary.
TEST(SimdKernels, VecDotRowsIsBitIdenticalToVecDot) {
    std::mt19937 rng(13);
    int checked = 0;
    for (Isa isa : simd_levels())
        for (GgmlType t : kTypes) {
            const TypeKernels& wk = kernels_get(t, isa);
            if (!wk.vec_dot_rows) continue;
            for (int64_t k : {int64_t(64), int64_t(4096 + 3 * 32)})
                for (int64_t n : {1, 4, 7, 13}) {
                    const auto w = random_row(t, k * n, rng);
                    const auto x = random_floats(k, rng);
                    std::vector<uint8_t> xa(row_size(wk.vec_dot_type, k));
                    kernels_get(wk.vec_dot_type, isa).from_f32(x.data(), xa.data(), k);
                    const size_t stride = row_size(t, k);
                    std::vector<float> rows(size_t(n), -1.0f), single(size_t(n), -2.0f);
                    wk.vec_dot_rows(k, rows.data(), n, w.data(), stride, xa.data());
                    for (int64_t j = 0; j < n; ++j) wk.vec_dot(k, &single[size_t(j)], w.data() + size_t(j) * stride, xa.data());
                    EXPECT_EQ(0, std::memcmp(rows.data(), single.data(), rows.size() * sizeof(float)))
                        << type_name(t) << " " << isa_name(isa) << " k=" << k << " n=" << n;
                    ++checked;
                }
        }
    if (checked == 0) GTEST_SKIP() << "no level on this CPU has a several-rows dot product";
}

// A matrix packed once at load must give exactly what per-call packing gives, for a batch and
// for one token at a time (which then runs the batch kernel too), including a partial last group
// of rows; types whose packed layout is larger than the stored one are not packed once.
TEST(Matmul, PackedOnceIsBitIdenticalToPackingPerCall) {
    std::mt19937 rng(14);
    int packed_types = 0;
    for (Isa isa : simd_levels())
        for (GgmlType t : {GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q4_K, GgmlType::Q8_0, GgmlType::Q5_K}) {
            const int64_t n = 37, m = 9;
            const int64_t k = type_traits(t).block_size == 256 ? 4096 + 3 * 256 : 4096 + 3 * 32;
            const auto w = random_row(t, k * n, rng);
            const auto x = random_floats(m * k, rng);
            const WeightView view{t, w.data(), k, n};
            const PackedWeight packed(view, isa);
            if (t == GgmlType::Q5_K) {
                EXPECT_TRUE(packed.empty()) << "q5_K's byte-per-quant layout is packed per call";
            } else if (isa == Isa::Avx2) {
                EXPECT_FALSE(packed.empty()) << type_name(t) << ": AVX2 packs it at load (8-row groups)";
            }
            // The memory estimate (precision_recipe.cpp) must count exactly what packing allocates.
            EXPECT_EQ(packed.bytes(), packed_weight_bytes(t, k, n, isa)) << type_name(t) << " " << isa_name(isa);
            if (packed.empty()) continue;
            ++packed_types;
            EXPECT_GE(packed.bytes(), row_size(t, k) * size_t(n)) << type_name(t);
            const size_t padded_rows = size_t(n + 15) / 16 * 16;  // rows are packed 8 (AVX2) or 16 at a time
            EXPECT_LT(packed.bytes(), row_size(t, k) * padded_rows * 3 / 2) << type_name(t) << ": not compact";
            WeightView packed_view = view;
            packed_view.packed = &packed;
            std::vector<float> per_call(size_t(m * n)), once(size_t(m * n)), single(size_t(m * n));
            matmul(view, x.data(), m, k, per_call.data(), n, isa);
            matmul(packed_view, x.data(), m, k, once.data(), n, isa);
            for (int64_t i = 0; i < m; ++i) matmul(packed_view, x.data() + i * k, 1, k, single.data() + i * n, n, isa);
            EXPECT_EQ(0, std::memcmp(per_call.data(), once.data(), once.size() * sizeof(float))) << type_name(t) << " " << isa_name(isa);
            EXPECT_EQ(0, std::memcmp(per_call.data(), single.data(), single.size() * sizeof(float))) << type_name(t) << " " << isa_name(isa);
        }
    EXPECT_TRUE(PackedWeight(WeightView{GgmlType::Q4_0, nullptr, 64, 1}, Isa::Scalar).empty());
    if (packed_types == 0) GTEST_SKIP() << "no level on this CPU packs matrices once";
}

// AVX2's legacy-type tiles with and without AVX-VNNI share a packed layout and must agree bit for
// bit (their integer sums are exact both ways). The matmul tests above run the one this CPU picks
// (the VNNI one where it has AVX-VNNI); this runs both kernels on the same packed operands, every
// edge-tile shape, so the other is checked too.
TEST(SimdKernels, AvxVnniTilesAreBitIdenticalToPlainAvx2) {
    if (!isa_supported(Isa::Avx2) || !cpu_features().avxvnni) GTEST_SKIP() << "the CPU has no AVX-VNNI";
    std::mt19937 rng(15);
    for (GgmlType t : {GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q4_1, GgmlType::Q5_1}) {
        const GemmTile* plain = gemm_tile_avx2_plain(t);
        const GemmTile* vnni = gemm_tile_avxvnni(t);
        ASSERT_TRUE(plain && vnni) << type_name(t);
        ASSERT_EQ(plain->interleave, vnni->interleave);
        const int64_t k = 4096 + 3 * 32, rows = plain->rows, il = plain->interleave;
        const size_t wstride = row_size(t, k), wp = plain->w_packed_bytes(k), xp = plain->x_packed_bytes(k);
        const auto w = random_row(t, k * rows, rng);
        std::vector<char> wpacked(wp * size_t(rows / il));
        for (int64_t r = 0; r < rows; r += il)
            plain->pack_w_rows(k, reinterpret_cast<const char*>(w.data()) + size_t(r) * wstride, wstride, int(il),
                               wpacked.data() + size_t(r / il) * wp);
        const GgmlType at = kernels_get(t, Isa::Avx2).vec_dot_type;
        const auto xf = random_floats(plain->cols * k, rng);
        std::vector<uint8_t> xq(row_size(at, k));
        std::vector<char> xpacked(xp * size_t(plain->cols));
        for (int c = 0; c < plain->cols; ++c) {
            kernels_get(at, Isa::Avx2).from_f32(xf.data() + c * k, xq.data(), k);
            plain->pack_x(k, reinterpret_cast<const char*>(xq.data()), xpacked.data() + size_t(c) * xp);
        }
        for (int nr = 1; nr <= rows; ++nr)
            for (int nc = 1; nc <= plain->cols; ++nc) {
                const int64_t ldy = rows + 1;
                std::vector<float> a(size_t(ldy * nc), -1.0f), b(size_t(ldy * nc), -1.0f);
                plain->kernel(k, wpacked.data(), wp, nr, xpacked.data(), xp, nc, a.data(), ldy, false);
                vnni->kernel(k, wpacked.data(), wp, nr, xpacked.data(), xp, nc, b.data(), ldy, false);
                ASSERT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float))) << type_name(t) << " nr=" << nr << " nc=" << nc;
            }
    }
}
