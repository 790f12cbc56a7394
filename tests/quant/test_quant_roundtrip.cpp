// Quantize -> dequantize properties that need no reference files: error bounds per type, exact or
// near-exact reproduction of special rows (zero, constant, outlier), block independence, and
// rejection of bad input. Dequantization uses the scalar kernels (engine/kernels), the reference
// implementation of ggml's dequantize_row_* functions.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "core/error.h"
#include "core/fp16.h"
#include "kernels/kernels.h"
#include "quant/quantize.h"

namespace qs {
namespace {

constexpr int64_t kRow = 512;  // two K-quant super-blocks, sixteen 32-element blocks

std::vector<uint8_t> quantize(GgmlType type, const std::vector<float>& x, int64_t n_per_row = kRow) {
    const int64_t rows = int64_t(x.size()) / n_per_row;
    std::vector<uint8_t> q(size_t(rows) * row_size(type, n_per_row));
    EXPECT_EQ(quantize_rows(type, x.data(), q.data(), rows, n_per_row), q.size());
    return q;
}

std::vector<float> round_trip(GgmlType type, const std::vector<float>& x) {
    const std::vector<uint8_t> q = quantize(type, x);
    std::vector<float> y(x.size());
    kernels_get(type, Isa::Scalar).to_f32(q.data(), y.data(), int64_t(x.size()));
    return y;
}

// RMS of the error divided by the RMS of the data.
double relative_rmse(const std::vector<float>& x, const std::vector<float>& y) {
    double err = 0, ref = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        err += (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
        ref += double(x[i]) * x[i];
    }
    return std::sqrt(err / ref);
}

std::vector<float> gaussian(size_t n, uint32_t seed, float sigma = 1.f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.f, sigma);
    std::vector<float> x(n);
    for (float& v : x) v = dist(rng);
    return x;
}

// ggml's test-quantize-fns pattern.
std::vector<float> cosine_pattern(size_t n, float offset) {
    std::vector<float> x(n);
    for (size_t i = 0; i < n; ++i) x[i] = 0.1f + 2.f * std::cos(float(i) + offset);
    return x;
}

struct TypeBound {
    GgmlType type;
    // Bound on the relative RMS error for Gaussian data. A b-bit uniform quantizer over a block's
    // range has error ~ range / (2^b * sqrt(12)); for Gaussian blocks of 16-32 values the range is
    // about 4-5 sigma, giving roughly 0.35 (2 bits), 0.17 (3), 0.09 (4), 0.045 (5), 0.022 (6),
    // 0.006 (8); f16/bf16 round to 11/8 significant bits (2^-11/sqrt(3), 2^-8/sqrt(3) relative).
    // The bounds sit about 30 % above what the ggml algorithms achieve on this data (measured:
    // q2_K 0.297, q3_K 0.151, q4_0 0.086, q4_1 0.077, q4_K 0.071, q5_0 0.043, q5_1 0.038,
    // q5_K 0.036, q6_K 0.0176, q8_0 0.0054, f16 0.00021, bf16 0.0017), so a broken level, scale or
    // packing (errors of order 1) or a lost search step cannot pass.
    double max_relative_rmse;
};

const TypeBound kBounds[] = {
    {GgmlType::Q2_K, 0.39},  {GgmlType::Q3_K, 0.20},   {GgmlType::Q4_0, 0.115},  {GgmlType::Q4_1, 0.10},
    {GgmlType::Q4_K, 0.095}, {GgmlType::Q5_0, 0.056},  {GgmlType::Q5_1, 0.05},   {GgmlType::Q5_K, 0.047},
    {GgmlType::Q6_K, 0.023}, {GgmlType::Q8_0, 0.007},  {GgmlType::F16, 0.0003},  {GgmlType::BF16, 0.0022},
};

class RoundTrip : public ::testing::TestWithParam<TypeBound> {};

TEST_P(RoundTrip, GaussianErrorWithinBound) {
    const TypeBound b = GetParam();
    const std::vector<float> x = gaussian(16 * kRow, 42);
    const double e = relative_rmse(x, round_trip(b.type, x));
    std::printf("[ %-5s ] gaussian relative rmse %.5f (bound %.4f)\n", type_name(b.type), e, b.max_relative_rmse);
    EXPECT_LT(e, b.max_relative_rmse);
    EXPECT_GT(e, 0.0);
}

TEST_P(RoundTrip, CosinePatternErrorWithinBound) {
    const TypeBound b = GetParam();
    for (float offset : {0.f, 1.f, 100.f}) {
        const std::vector<float> x = cosine_pattern(8 * kRow, offset);
        // The pattern is smoother than Gaussian data (no tails), so the Gaussian bound holds.
        EXPECT_LT(relative_rmse(x, round_trip(b.type, x)), b.max_relative_rmse) << "offset " << offset;
    }
}

TEST_P(RoundTrip, ZeroRowsGiveZeros) {
    const TypeBound b = GetParam();
    const std::vector<float> x(2 * kRow, 0.f);
    // (q4_0, q5_0 and q6_K give -0: ggml's scale max / -8 of an all-zero block is -0, and we
    // store the same bytes. -0 == 0, which is all that matters downstream.)
    for (float v : round_trip(b.type, x)) ASSERT_EQ(v, 0.f);
}

TEST_P(RoundTrip, ConstantRowsReproducedToFp16Precision) {
    const TypeBound b = GetParam();
    for (float c : {1.f, -0.37f, 1234.5f}) {
        const std::vector<float> x(kRow, c);
        // The only error left is the fp16 rounding of the stored scale(s) (2^-11 relative each) and,
        // for bf16, its 8-bit mantissa.
        const double tol = (b.type == GgmlType::BF16 ? 4e-3 : 2e-3) * std::fabs(c);
        for (float v : round_trip(b.type, x)) ASSERT_NEAR(v, c, tol) << type_name(b.type) << " constant " << c;
    }
}

TEST_P(RoundTrip, OutlierKeptAndOtherBlocksUnaffected) {
    const TypeBound b = GetParam();
    std::vector<float> x = gaussian(kRow, 7);
    const std::vector<float> clean = x;
    const size_t at = 37;  // inside the first block of every type
    x[at] = 1000.f;
    const std::vector<float> y = round_trip(b.type, x);
    for (float v : y) ASSERT_TRUE(std::isfinite(v));
    EXPECT_NEAR(y[at], 1000.f, 1000.f * b.max_relative_rmse);

    // Blocks are quantized independently: every block not containing the outlier has the same
    // bytes as without it.
    const size_t block_bytes = type_traits(b.type).type_size;
    const int64_t block_elems = type_traits(b.type).block_size;
    const std::vector<uint8_t> q_outlier = quantize(b.type, x), q_clean = quantize(b.type, clean);
    const size_t outlier_block = at / size_t(block_elems);
    for (size_t blk = 0; blk < q_clean.size() / block_bytes; ++blk) {
        const bool same = std::memcmp(&q_outlier[blk * block_bytes], &q_clean[blk * block_bytes], block_bytes) == 0;
        if (blk == outlier_block) EXPECT_FALSE(same) << "block " << blk;
        else EXPECT_TRUE(same) << "block " << blk;
    }
}

TEST_P(RoundTrip, RejectsNonFiniteInputNamingTheTensor) {
    const TypeBound b = GetParam();
    std::vector<float> x = gaussian(2 * kRow, 3);
    std::vector<uint8_t> out(2 * row_size(b.type, kRow));
    for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                      -std::numeric_limits<float>::infinity()}) {
        x[kRow + 5] = bad;
        try {
            quantize_rows(b.type, x.data(), out.data(), 2, kRow, "blk.0.attn_q.weight");
            FAIL() << "no error for " << bad;
        } catch (const Error& e) {
            const std::string msg = e.what();
            EXPECT_NE(msg.find("blk.0.attn_q.weight"), std::string::npos) << msg;
            EXPECT_NE(msg.find("row 1, column 5"), std::string::npos) << msg;
        }
    }
}

TEST_P(RoundTrip, RowLengthMustBeAMultipleOfTheBlock) {
    const TypeBound b = GetParam();
    const int64_t block = type_traits(b.type).block_size;
    std::vector<float> x(1000, 1.f);
    std::vector<uint8_t> out(4096);
    if (block == 1) {  // plain types take any length
        EXPECT_EQ(quantize_rows(b.type, x.data(), out.data(), 1, 3, "ffn_down"), 3 * type_traits(b.type).type_size);
        return;
    }
    EXPECT_THROW(quantize_rows(b.type, x.data(), out.data(), 1, block + block / 2, "ffn_down"), Error);
    EXPECT_THROW(quantize_rows_parallel(b.type, x.data(), out.data(), 1, block / 2, 2, "ffn_down"), Error);
}

INSTANTIATE_TEST_SUITE_P(Types, RoundTrip, ::testing::ValuesIn(kBounds),
                         [](const auto& info) { return std::string(type_name(info.param.type)); });

TEST(Quantize, SupportedTypes) {
    for (const TypeBound& b : kBounds) EXPECT_TRUE(quantize_supported(b.type)) << type_name(b.type);
    EXPECT_TRUE(quantize_supported(GgmlType::F32));
    EXPECT_TRUE(quantize_supported(GgmlType::IQ2_XXS));
    EXPECT_FALSE(quantize_supported(GgmlType::IQ1_S));  // read, never written
    EXPECT_FALSE(quantize_supported(GgmlType::Q8_K));  // an activation type, never stored
    std::vector<float> x(256, 1.f);
    std::vector<uint8_t> out(1024);
    EXPECT_THROW(quantize_rows(GgmlType::IQ1_S, x.data(), out.data(), 1, 256), Error);
    // iq2_xxs / iq2_xs need importance weights, as in ggml; with them they work.
    EXPECT_THROW(quantize_rows(GgmlType::IQ2_XXS, x.data(), out.data(), 1, 256), Error);
    const std::vector<float> w(256, 1.f);
    EXPECT_EQ(quantize_rows(GgmlType::IQ2_XXS, x.data(), out.data(), 1, 256, "t", w.data()), row_size(GgmlType::IQ2_XXS, 256));
}

// F16 and BF16 are element-wise roundings; they must be exactly core's converters (which are
// tested bit-exact against ggml in tests/core).
TEST(Quantize, FloatConversionsAreElementwise) {
    const std::vector<float> x = gaussian(kRow, 11, 100.f);
    std::vector<fp16_t> h(kRow), bf(kRow);
    quantize_rows(GgmlType::F16, x.data(), h.data(), 1, kRow);
    quantize_rows(GgmlType::BF16, x.data(), bf.data(), 1, kRow);
    for (int64_t i = 0; i < kRow; ++i) {
        ASSERT_EQ(h[i], fp32_to_fp16(x[i]));
        ASSERT_EQ(bf[i], fp32_to_bf16(x[i]));
    }
    std::vector<float> copy(kRow);
    quantize_rows(GgmlType::F32, x.data(), copy.data(), 1, kRow);
    EXPECT_EQ(copy, x);
}

// Quantizing a tensor at once or row by row gives the same bytes (rows are independent).
TEST(Quantize, RowsAreIndependent) {
    const std::vector<float> x = gaussian(4 * kRow, 5);
    for (const TypeBound& b : kBounds) {
        const std::vector<uint8_t> all = quantize(b.type, x);
        const size_t rs = row_size(b.type, kRow);
        for (int r = 0; r < 4; ++r) {
            std::vector<uint8_t> one(rs);
            quantize_rows(b.type, x.data() + r * kRow, one.data(), 1, kRow);
            ASSERT_EQ(std::memcmp(one.data(), all.data() + r * rs, rs), 0) << type_name(b.type) << " row " << r;
        }
    }
}

// Finite input whose scale overflows fp16 is refused, as llama-quantize's validation refuses it.
TEST(Quantize, RejectsScalesThatOverflowFp16) {
    std::vector<float> x(kRow, 1.f);
    x[300] = 3e9f;  // block 9 of the 32-element types, super-block 1 of the K-quants
    for (const TypeBound& b : kBounds) {
        std::vector<uint8_t> out(row_size(b.type, kRow));
        if (b.type == GgmlType::BF16) {  // bf16 has float's range: nothing overflows
            EXPECT_NO_THROW(quantize_rows(b.type, x.data(), out.data(), 1, kRow, "big"));
            continue;
        }
        try {
            quantize_rows(b.type, x.data(), out.data(), 1, kRow, "big");
            ADD_FAILURE() << type_name(b.type) << ": no error";
        } catch (const Error& e) {
            const std::string msg = e.what();
            const std::string block = b.type == GgmlType::F16 ? "block 300" : type_traits(b.type).block_size == 256 ? "block 1" : "block 9";
            EXPECT_NE(msg.find("tensor 'big'"), std::string::npos) << msg;
            EXPECT_NE(msg.find(block), std::string::npos) << type_name(b.type) << ": " << msg;
        }
    }
    // Just below the limits all is well: 60000 fits fp16, and q8_0's scale 60000/127 too.
    std::vector<float> ok(kRow, 60000.f);
    for (const TypeBound& b : kBounds) {
        std::vector<uint8_t> out(row_size(b.type, kRow));
        EXPECT_NO_THROW(quantize_rows(b.type, ok.data(), out.data(), 1, kRow)) << type_name(b.type);
    }
}

// ggml's own acceptance test (tests/test-quantize-fns.cpp): 4096 values 0.1 + 2 cos(i), quantized
// and dequantized, must have sqrt(sum of squared errors) / n below 0.002, or 0.0075 for 2-bit and
// 0.004 for 3-bit types.
TEST(Quantize, MeetsGgmlTestQuantizeFnsThresholds) {
    constexpr size_t n = 32 * 128;
    std::vector<float> x(n);
    for (size_t i = 0; i < n; ++i) x[i] = float(0.1 + 2 * std::cos(float(i)));
    for (const TypeBound& b : kBounds) {
        const int64_t rows = int64_t(n) / kRow;
        std::vector<uint8_t> q(size_t(rows) * row_size(b.type, kRow));
        quantize_rows(b.type, x.data(), q.data(), rows, kRow);
        std::vector<float> y(n);
        kernels_get(b.type, Isa::Scalar).to_f32(q.data(), y.data(), int64_t(n));
        double sum = 0;
        for (size_t i = 0; i < n; ++i) sum += (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
        const double error = std::sqrt(sum) / double(n);
        const double limit = b.type == GgmlType::Q2_K ? 0.0075 : b.type == GgmlType::Q3_K ? 0.0040 : 0.002;
        EXPECT_LT(error, limit) << type_name(b.type);
    }
}

// Any thread count gives the same bytes, including more threads than rows.
TEST(Quantize, ParallelMatchesSerial) {
    const std::vector<float> x = gaussian(7 * kRow, 9);
    for (const TypeBound& b : kBounds) {
        const std::vector<uint8_t> serial = quantize(b.type, x);
        for (int threads : {1, 2, 3, 16}) {
            std::vector<uint8_t> par(serial.size(), 0xAB);
            EXPECT_EQ(quantize_rows_parallel(b.type, x.data(), par.data(), 7, kRow, threads), serial.size());
            ASSERT_EQ(par, serial) << type_name(b.type) << " threads " << threads;
        }
    }
}

// Rows stored as f16/bf16 quantize to the bytes their f32 values give, for every thread count and
// across the 64K-element slices a thread converts at a time (300 rows of 512 = 2.3 slices).
TEST(Quantize, FromHalfStorageMatchesTheDequantizedRows) {
    constexpr int64_t kRows = 300;
    const std::vector<float> g = gaussian(size_t(kRows * kRow), 17);
    for (GgmlType storage : {GgmlType::F16, GgmlType::BF16}) {
        std::vector<uint8_t> stored(size_t(kRows) * row_size(storage, kRow));
        ASSERT_EQ(quantize_rows(storage, g.data(), stored.data(), kRows, kRow), stored.size());
        std::vector<float> x(g.size());
        kernels_get(storage, Isa::Scalar).to_f32(stored.data(), x.data(), int64_t(x.size()));
        for (GgmlType type : {GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q4_K, GgmlType::Q6_K, GgmlType::IQ4_NL}) {
            const std::vector<uint8_t> expected = quantize(type, x);
            for (int threads : {1, 2, 3}) {
                std::vector<uint8_t> got(expected.size(), 0xAB);
                EXPECT_EQ(quantize_rows_parallel_from(type, storage, stored.data(), got.data(), kRows, kRow, threads),
                          got.size());
                ASSERT_EQ(got, expected) << type_name(type) << " from " << type_name(storage) << ", threads " << threads;
            }
        }
    }
}

// The error names the tensor's first bad element, in the tensor's coordinates, whichever thread or
// slice meets it first.
TEST(Quantize, FromHalfStorageNamesTheFirstBadElement) {
    constexpr int64_t kRows = 300;
    std::vector<float> x = gaussian(size_t(kRows * kRow), 18);
    x[size_t(250 * kRow + 7)] = std::numeric_limits<float>::infinity();
    x[size_t(120 * kRow + 5)] = std::numeric_limits<float>::quiet_NaN();
    std::vector<uint8_t> stored(size_t(kRows) * row_size(GgmlType::F16, kRow));
    for (int64_t i = 0; i < int64_t(x.size()); ++i) {
        const fp16_t h = fp32_to_fp16(x[size_t(i)]);
        std::memcpy(stored.data() + 2 * i, &h, 2);
    }
    std::vector<uint8_t> out(size_t(kRows) * row_size(GgmlType::Q8_0, kRow));
    for (int threads : {1, 2, 3}) {
        try {
            quantize_rows_parallel_from(GgmlType::Q8_0, GgmlType::F16, stored.data(), out.data(), kRows, kRow, threads,
                                        "blk.3.ffn_up.weight");
            FAIL() << "no error, threads " << threads;
        } catch (const Error& e) {
            const std::string msg = e.what();
            EXPECT_NE(msg.find("blk.3.ffn_up.weight"), std::string::npos) << msg;
            EXPECT_NE(msg.find("row 120, column 5) is NaN"), std::string::npos) << "threads " << threads << ": " << msg;
        }
    }
    EXPECT_THROW(quantize_rows_parallel_from(GgmlType::Q8_0, GgmlType::I32, stored.data(), out.data(), 1, 256, 1), Error);
}

}  // namespace
}  // namespace qs
