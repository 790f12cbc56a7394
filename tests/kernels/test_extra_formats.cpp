// Kernels of QuantScope's own formats (nf4, fp8_e4m3, fp8_e5m2, int8_row, int4_g128): the scalar
// kernels against independent decoding formulas written here from docs/formats.md, and every SIMD
// level the CPU has against the scalar kernels.
//
// Tolerances:
// - to_f32 is bit-identical across ISAs and equal to the naive formula: each element is one
//   float product w * d of an exactly decoded value and the scale.
// - vec_dot against the naive double sum and across ISAs: float sums of n products in different
//   orders err by at most ~n * 2^-24 of sum |products|; we allow kDotRelTol = 1e-5 of that sum
//   (n = 4096: ~sqrt(n) * 6e-8 ~ 4e-6 typical), as tests/kernels/test_kernels.cpp does.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/cpu_features.h"
#include "common/naive_fp8.h"
#include "core/error.h"
#include "core/fp16.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "kernels/kernels.h"
#include "kernels/matmul.h"
#include "tensor/blocks.h"
#include "tensor/blocks_extra.h"

using namespace qs;

namespace {

constexpr double kDotRelTol = 1e-5;

const GgmlType kExtraTypes[] = {GgmlType::NF4, GgmlType::FP8_E4M3, GgmlType::FP8_E5M2, GgmlType::I8_ROW,
                                GgmlType::I4_G128};

std::vector<Isa> simd_levels() {
    std::vector<Isa> out;
    for (Isa isa : {Isa::Avx2, Isa::Avx512})
        if (int(isa) <= int(cpu_best_isa())) out.push_back(isa);
    return out;
}

float read_f32(const uint8_t* p) {
    float f;
    std::memcpy(&f, p, 4);
    return f;
}
void write_f32(uint8_t* p, float f) { std::memcpy(p, &f, 4); }

using qs::test::naive_fp8;

// 4-bit code of element j of a 32-element group packed in 16 bytes (ggml q4_0 order).
int nibble(const uint8_t* qs, int j) { return j < 16 ? qs[j] & 15 : qs[j - 16] >> 4; }

// Element i of a row, exactly, straight from the byte layout.
double naive_value(GgmlType t, const uint8_t* row, int64_t i) {
    switch (t) {
        case GgmlType::NF4: {
            const uint8_t* b = row + (i / 64) * 36;
            return double(read_f32(b)) * kNf4Values[nibble(b + 4 + 16 * ((i % 64) / 32), int(i % 32))];
        }
        case GgmlType::FP8_E4M3: case GgmlType::FP8_E5M2: {
            const uint8_t* b = row + (i / 32) * 36;
            return double(read_f32(b)) * naive_fp8(b[4 + i % 32], t == GgmlType::FP8_E4M3);
        }
        case GgmlType::I8_ROW: return double(read_f32(row)) * int8_t(row[4 + i]);
        case GgmlType::I4_G128: {
            const uint8_t* b = row + (i / 128) * 68;
            uint16_t d;
            std::memcpy(&d, b, 2);
            return double(fp16_to_fp32(d)) * (nibble(b + 4 + 16 * ((i % 128) / 32), int(i % 32)) - int(b[2]));
        }
        default: ADD_FAILURE(); return 0;
    }
}

// A random row of type t with finite values: random codes (fp8: finite codes only, all the rest),
// scales of typical size with random sign where the format allows one.
std::vector<uint8_t> random_row(GgmlType t, int64_t n, std::mt19937& rng) {
    std::vector<uint8_t> row(row_size(t, n));
    for (auto& b : row) b = uint8_t(rng());
    std::uniform_real_distribution<float> mag(1e-3f, 1.0f);
    switch (t) {
        case GgmlType::NF4:
            for (size_t off = 0; off < row.size(); off += 36) write_f32(&row[off], mag(rng));
            break;
        case GgmlType::FP8_E4M3: case GgmlType::FP8_E5M2:
            for (size_t off = 0; off < row.size(); off += 36) {
                write_f32(&row[off], mag(rng) / (t == GgmlType::FP8_E4M3 ? 448 : 57344));
                for (int j = 0; j < 32; ++j)
                    while (!std::isfinite(naive_fp8(row[off + 4 + j], t == GgmlType::FP8_E4M3))) row[off + 4 + j] = uint8_t(rng());
            }
            break;
        case GgmlType::I8_ROW:
            write_f32(&row[0], mag(rng) / 127);
            for (size_t j = 4; j < row.size(); ++j)
                if (row[j] == 0x80) row[j] = 0x81;  // -128 never occurs (symmetric quantizer)
            break;
        case GgmlType::I4_G128:
            for (size_t off = 0; off < row.size(); off += 68) {
                const fp16_t d = fp32_to_fp16(mag(rng) / 15);
                std::memcpy(&row[off], &d, 2);
                row[off + 2] &= 15;
                row[off + 3] = 0;
            }
            break;
        default: ADD_FAILURE();
    }
    return row;
}

std::vector<uint8_t> q8_activations(const std::vector<float>& x) {
    std::vector<uint8_t> out(row_size(GgmlType::Q8_0, int64_t(x.size())));
    kernels_get(GgmlType::Q8_0, Isa::Scalar).from_f32(x.data(), out.data(), int64_t(x.size()));
    return out;
}

std::vector<float> normal_floats(int64_t n, std::mt19937& rng) {
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(static_cast<size_t>(n));
    for (float& v : x) v = normal(rng);
    return x;
}

// Naive dot in double and the sum of |products| the float rounding is relative to.
void naive_dot(GgmlType t, const std::vector<uint8_t>& w, const std::vector<uint8_t>& y, int64_t n, double* dot,
               double* magnitude) {
    *dot = *magnitude = 0;
    const auto* yb = reinterpret_cast<const block_q8_0*>(y.data());
    for (int64_t i = 0; i < n; ++i) {
        const double p = naive_value(t, w.data(), i) * fp16_to_fp32(yb[i / 32].d) * yb[i / 32].qs[i % 32];
        *dot += p;
        *magnitude += std::fabs(p);
    }
}

TEST(ExtraFormats, TraitsAndRowSizes) {
    EXPECT_EQ(row_size(GgmlType::NF4, 4096), 4096u / 64 * 36);
    EXPECT_DOUBLE_EQ(type_bits_per_weight(GgmlType::NF4), 4.5);
    EXPECT_DOUBLE_EQ(type_bits_per_weight(GgmlType::FP8_E4M3), 9.0);
    EXPECT_DOUBLE_EQ(type_bits_per_weight(GgmlType::FP8_E5M2), 9.0);
    EXPECT_DOUBLE_EQ(type_bits_per_weight(GgmlType::I4_G128), 4.25);
    // int8_row: 4 header bytes per row, then one byte per weight.
    EXPECT_EQ(row_size(GgmlType::I8_ROW, 4096), 4u + 4096u);
    EXPECT_DOUBLE_EQ(type_bits_per_weight(GgmlType::I8_ROW), 8.0);
    EXPECT_DOUBLE_EQ(type_bits_per_weight(GgmlType::I8_ROW, 4096), 8.0 + 32.0 / 4096);
    EXPECT_EQ(row_size(GgmlType::Q4_0, 64), 36u);  // ggml types unchanged
    for (GgmlType t : kExtraTypes) {
        EXPECT_FALSE(type_is_ggml(uint32_t(t)));
        EXPECT_EQ(type_from_name(type_name(t)), t);
        EXPECT_EQ(kernels_get(t, Isa::Scalar).vec_dot_type, GgmlType::Q8_0);
    }
    EXPECT_EQ(std::string(type_name(GgmlType::I8_ROW)), "int8_row");
    EXPECT_EQ(std::string(type_name(GgmlType::I4_G128)), "int4_g128");
}

TEST(ExtraFormats, ScalarMatchesNaiveFormulas) {
    std::mt19937 rng(7);
    const int64_t n = 512;
    for (GgmlType t : kExtraTypes) {
        SCOPED_TRACE(type_name(t));
        const TypeKernels& k = kernels_get(t, Isa::Scalar);
        for (int rep = 0; rep < 4; ++rep) {
            const auto w = random_row(t, n, rng);
            std::vector<float> out(static_cast<size_t>(n));
            k.to_f32(w.data(), out.data(), n);
            for (int64_t i = 0; i < n; ++i) ASSERT_EQ(out[size_t(i)], float(naive_value(t, w.data(), i))) << "element " << i;
            const auto y = q8_activations(normal_floats(n, rng));
            float s = 0;
            k.vec_dot(n, &s, w.data(), y.data());
            double dot, magnitude;
            naive_dot(t, w, y, n, &dot, &magnitude);
            EXPECT_NEAR(s, dot, kDotRelTol * magnitude);
        }
    }
}

TEST(ExtraFormats, SimdMatchesScalar) {
    if (simd_levels().empty()) GTEST_SKIP() << "no SIMD level on this CPU";
    std::mt19937 rng(11);
    for (GgmlType t : kExtraTypes) {
        for (int64_t n : {int64_t(128), int64_t(4096), int64_t(128 * 3)}) {
            const auto w = random_row(t, n, rng);
            const auto y = q8_activations(normal_floats(n, rng));
            const TypeKernels& ref = kernels_get(t, Isa::Scalar);
            std::vector<float> expected(static_cast<size_t>(n)), got(static_cast<size_t>(n));
            ref.to_f32(w.data(), expected.data(), n);
            float s_ref = 0;
            ref.vec_dot(n, &s_ref, w.data(), y.data());
            double dot, magnitude;
            naive_dot(t, w, y, n, &dot, &magnitude);
            for (Isa isa : simd_levels()) {
                SCOPED_TRACE(std::string(type_name(t)) + " n=" + std::to_string(n) + " isa=" + std::to_string(int(isa)));
                const TypeKernels& k = kernels_get(t, isa);
                k.to_f32(w.data(), got.data(), n);
                EXPECT_EQ(0, std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)));
                float s = 0;
                k.vec_dot(n, &s, w.data(), y.data());
                EXPECT_NEAR(s, s_ref, kDotRelTol * magnitude);
            }
        }
    }
}

// The own formats never reach GGUF: the writer refuses them, and the reader rejects a file whose
// tensor claims one of their ids (as any unknown type).
TEST(ExtraFormats, GgufNeverHoldsOwnTypes) {
    std::vector<uint8_t> nf4(row_size(GgmlType::NF4, 64));
    GgufWriter writer;
    EXPECT_THROW(writer.add_tensor("w", GgmlType::NF4, {64}, nf4.data(), nf4.size()), Error);

    // A valid file with one f32 tensor, then its type id (uint32 0 after the dims) patched to 1000.
    const std::vector<float> f32(64, 1.0f);
    GgufWriter ok;
    ok.add_tensor("w", GgmlType::F32, {64}, f32.data(), f32.size() * sizeof(float));
    const std::string path = ::testing::TempDir() + "qs_extra_type.gguf";
    ok.write(path);
    std::vector<char> bytes;
    {
        std::ifstream in(path, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    // Tensor info: name length (u64) "w", n_dims (u32) 1, ne[0] (i64) 64, type (u32).
    const std::string marker = std::string("\x01\0\0\0\0\0\0\0w\x01\0\0\0", 13);
    const auto it = std::search(bytes.begin(), bytes.end(), marker.begin(), marker.end());
    ASSERT_NE(it, bytes.end());
    const size_t type_at = size_t(it - bytes.begin()) + marker.size() + 8;
    const uint32_t id = 1000;
    std::memcpy(&bytes[type_at], &id, 4);
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), std::streamsize(bytes.size()));
    }
    try {
        (void)GgufFile::open(path);
        ADD_FAILURE() << "a tensor of type id 1000 was accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("unknown type 1000"), std::string::npos) << e.what();
    }
    std::remove(path.c_str());
}

// Every FP8 code, NaNs and infinities included, decodes to the same bits at every ISA level (the
// SIMD decoders go through fp16 conversions instead of the scalar table).
TEST(ExtraFormats, Fp8AllCodesBitIdentical) {
    for (GgmlType t : {GgmlType::FP8_E4M3, GgmlType::FP8_E5M2}) {
        std::vector<uint8_t> row(row_size(t, 256));
        for (int b = 0; b < 8; ++b) {
            write_f32(&row[size_t(b) * 36], b == 0 ? 1.0f : 0.5f);
            for (int j = 0; j < 32; ++j) row[size_t(b) * 36 + 4 + size_t(j)] = uint8_t(32 * b + j);
        }
        std::vector<float> expected(256), got(256);
        kernels_get(t, Isa::Scalar).to_f32(row.data(), expected.data(), 256);
        for (int c = 0; c < 32; ++c) {
            const double v = naive_fp8(uint8_t(c), t == GgmlType::FP8_E4M3);
            if (std::isnan(v)) EXPECT_TRUE(std::isnan(expected[size_t(c)]));
            else EXPECT_EQ(double(expected[size_t(c)]), v) << c;
        }
        for (Isa isa : simd_levels()) {
            kernels_get(t, isa).to_f32(row.data(), got.data(), 256);
            EXPECT_EQ(0, std::memcmp(got.data(), expected.data(), 256 * sizeof(float))) << type_name(t) << " isa " << int(isa);
        }
    }
}

// matmul over several rows walks rows with row_size(): int8_row's header must be skipped per row.
TEST(ExtraFormats, MatmulUsesRowStrides) {
    std::mt19937 rng(3);
    const int64_t k = 256, n_rows = 5, m = 6;
    for (GgmlType t : kExtraTypes) {
        SCOPED_TRACE(type_name(t));
        std::vector<uint8_t> w;
        for (int64_t r = 0; r < n_rows; ++r) {
            const auto row = random_row(t, k, rng);
            w.insert(w.end(), row.begin(), row.end());
        }
        const std::vector<float> x = normal_floats(k * m, rng);
        std::vector<float> y(size_t(m * n_rows));
        matmul(WeightView{t, w.data(), k, n_rows}, x.data(), m, k, y.data(), n_rows, cpu_best_isa());
        for (int64_t i = 0; i < m; ++i) {
            const auto a = q8_activations(std::vector<float>(x.begin() + i * k, x.begin() + (i + 1) * k));
            for (int64_t r = 0; r < n_rows; ++r) {
                const std::vector<uint8_t> row(w.begin() + r * int64_t(row_size(t, k)), w.begin() + (r + 1) * int64_t(row_size(t, k)));
                double dot, magnitude;
                naive_dot(t, row, a, k, &dot, &magnitude);
                EXPECT_NEAR(y[size_t(i * n_rows + r)], dot, kDotRelTol * magnitude) << "token " << i << " row " << r;
            }
        }
    }
}

}  // namespace
