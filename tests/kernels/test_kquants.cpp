// K-quant kernels (q2_K..q6_K, q8_K): the scalar reference against independent per-element decoders
// written here from the documented bit layouts, and every SIMD level against the scalar reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iostream>
#include <random>
#include <vector>

#include "common/test_paths.h"
#include "core/cpu_features.h"
#include "gguf/gguf_file.h"
#include "kernels/kernels.h"
#include "tensor/blocks.h"
#include "tensor/ggml_type.h"

namespace qs {
namespace {

const GgmlType kKTypes[] = {GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K};

// SIMD levels this CPU can run (the scalar one is the reference and is not listed).
std::vector<Isa> simd_isas() {
    std::vector<Isa> out;
    for (Isa isa : {Isa::Avx2, Isa::Avx512})
        if (int(isa) <= int(cpu_best_isa())) out.push_back(isa);
    return out;
}

// ---------------------------------------------------------------------------------------------
// Independent decoders: element e of a block, as (a, b) with value a - b, where a is the scaled
// quant and b the scaled min (0 for types without mins). Written per element from the layout
// description rather than by walking the block like the kernels do. The float products are
// formed in ggml's order so the result is bit-exact: (d * scale) * q - (dmin * min).
// ---------------------------------------------------------------------------------------------
struct Decoded {
    float a, b;
    float value() const { return a - b; }
};

Decoded naive_q2_K(const block_q2_K& x, int e) {
    const int half = e / 128, shift = 2 * ((e % 128) / 32), l = e % 32;
    const int q = (x.qs[32 * half + l] >> shift) & 3;
    const uint8_t sc = x.scales[e / 16];  // low nibble scale, high nibble min
    return {fp16_to_fp32(x.d) * float(sc & 15) * float(q), fp16_to_fp32(x.dmin) * float(sc >> 4)};
}

Decoded naive_q3_K(const block_q3_K& x, int e) {
    const int half = e / 128, run = (e % 128) / 32, l = e % 32;
    const int low = (x.qs[32 * half + l] >> (2 * run)) & 3;
    const int hbit = (x.hmask[l] >> (4 * half + run)) & 1;
    const int q = low - (hbit ? 0 : 4);
    const int j = e / 16;
    const int low4 = j < 8 ? (x.scales[j] & 15) : (x.scales[j - 8] >> 4);
    const int high2 = (x.scales[8 + j % 4] >> (2 * (j / 4))) & 3;
    const int sc = (low4 | (high2 << 4)) - 32;
    return {fp16_to_fp32(x.d) * float(sc) * float(q), 0.f};
}

// The 6-bit scale and min of sub-block j (0..7) of q4_K/q5_K.
void naive_scale_min_k4(const uint8_t* s, int j, int& sc, int& m) {
    if (j < 4) {
        sc = s[j] & 63;
        m = s[j + 4] & 63;
    } else {
        sc = (s[j + 4] & 15) | ((s[j - 4] >> 6) << 4);
        m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

template <typename Block>
Decoded naive_q45_K(const Block& x, int e, bool fifth_bit) {
    const int group = e / 64, high_nibble = (e % 64) / 32, l = e % 32;
    const uint8_t byte = x.qs[32 * group + l];
    int q = high_nibble ? (byte >> 4) : (byte & 15);
    if constexpr (std::is_same_v<Block, block_q5_K>)
        if (fifth_bit) q += 16 * ((x.qh[l] >> (2 * group + high_nibble)) & 1);
    int sc, m;
    naive_scale_min_k4(x.scales, e / 32, sc, m);
    return {fp16_to_fp32(x.d) * float(sc) * float(q), fp16_to_fp32(x.dmin) * float(m)};
}

Decoded naive_q6_K(const block_q6_K& x, int e) {
    const int half = e / 128, k = (e % 128) / 32, l = e % 32;
    const uint8_t lo_byte = x.ql[64 * half + l + 32 * (k & 1)];
    const int lo = k < 2 ? (lo_byte & 15) : (lo_byte >> 4);
    const int hi = (x.qh[32 * half + l] >> (2 * k)) & 3;
    const int q = (lo | (hi << 4)) - 32;
    return {fp16_to_fp32(x.d) * float(x.scales[e / 16]) * float(q), 0.f};
}

// Decodes element e of a row of type t.
Decoded naive_decode(GgmlType t, const uint8_t* row, int64_t e) {
    const int64_t b = e / QK_K;
    const int i = int(e % QK_K);
    switch (t) {
        case GgmlType::Q2_K: return naive_q2_K(reinterpret_cast<const block_q2_K*>(row)[b], i);
        case GgmlType::Q3_K: return naive_q3_K(reinterpret_cast<const block_q3_K*>(row)[b], i);
        case GgmlType::Q4_K: return naive_q45_K(reinterpret_cast<const block_q4_K*>(row)[b], i, false);
        case GgmlType::Q5_K: return naive_q45_K(reinterpret_cast<const block_q5_K*>(row)[b], i, true);
        case GgmlType::Q6_K: return naive_q6_K(reinterpret_cast<const block_q6_K*>(row)[b], i);
        default: ADD_FAILURE() << "not a K-quant"; return {0, 0};
    }
}

// ---------------------------------------------------------------------------------------------
// Test data
// ---------------------------------------------------------------------------------------------

// Offsets of the fp16 super-block factors in each block type.
std::vector<size_t> fp16_offsets(GgmlType t) {
    switch (t) {
        case GgmlType::Q2_K: return {offsetof(block_q2_K, d), offsetof(block_q2_K, dmin)};
        case GgmlType::Q3_K: return {offsetof(block_q3_K, d)};
        case GgmlType::Q4_K: return {offsetof(block_q4_K, d), offsetof(block_q4_K, dmin)};
        case GgmlType::Q5_K: return {offsetof(block_q5_K, d), offsetof(block_q5_K, dmin)};
        case GgmlType::Q6_K: return {offsetof(block_q6_K, d)};
        default: return {};
    }
}

enum class ScaleKind { Random, Max, Subnormal, Zero };

// A row of n elements of type t: random bytes everywhere, then fp16 factors set to finite values.
std::vector<uint8_t> random_row(GgmlType t, int64_t n, std::mt19937& rng, ScaleKind kind = ScaleKind::Random) {
    const TypeTraits& tr = type_traits(t);
    std::vector<uint8_t> row(row_size(t, n));
    std::uniform_int_distribution<int> byte(0, 255);
    for (auto& b : row) b = uint8_t(byte(rng));
    std::uniform_real_distribution<float> u(-0.05f, 0.05f);
    std::uniform_int_distribution<int> sign(0, 1);
    for (int64_t blk = 0; blk < n / tr.block_size; ++blk) {
        for (size_t off : fp16_offsets(t)) {
            fp16_t h = 0;
            switch (kind) {
                case ScaleKind::Random: h = fp32_to_fp16(u(rng)); break;
                case ScaleKind::Max: h = fp16_t(0x7BFF | (sign(rng) << 15)); break;       // +-65504
                case ScaleKind::Subnormal: h = fp16_t(0x0001 + byte(rng)); break;         // tiny, subnormal
                case ScaleKind::Zero: h = 0; break;
            }
            std::memcpy(row.data() + size_t(blk) * tr.type_size + off, &h, sizeof h);
        }
    }
    return row;
}

// Activations: gaussian with a few large outliers, so the q8_K scale comes from varied positions.
std::vector<float> random_floats(int64_t n, std::mt19937& rng) {
    std::normal_distribution<float> g(0.f, 1.f);
    std::uniform_int_distribution<int> pick(0, 63);
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& f : v) f = g(rng) * (pick(rng) == 0 ? 8.f : 1.f);
    return v;
}

std::vector<block_q8_K> quantize_q8_K(const std::vector<float>& x, Isa isa) {
    std::vector<block_q8_K> y(x.size() / QK_K);
    kernels_get(GgmlType::Q8_K, isa).from_f32(x.data(), y.data(), int64_t(x.size()));
    return y;
}

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

const int64_t kSizes[] = {256, 256 * 3, 4096};

// ---------------------------------------------------------------------------------------------
// q8_K
// ---------------------------------------------------------------------------------------------

// Independent quantize_row_q8_K_ref: nearbyint (round half to even) instead of the magic-number trick.
void naive_q8_K(const float* x, block_q8_K& y) {
    float amax = 0.f, max = 0.f;
    for (int j = 0; j < QK_K; ++j)
        if (std::fabs(x[j]) > amax) amax = std::fabs(x[j]), max = x[j];
    std::memset(&y, 0, sizeof y);
    if (amax == 0.f) return;
    const float iscale = -127.f / max;
    for (int j = 0; j < QK_K; ++j) y.qs[j] = int8_t(std::min(127, int(std::nearbyint(iscale * x[j]))));
    for (int j = 0; j < QK_K; ++j) y.bsums[j / 16] = int16_t(y.bsums[j / 16] + y.qs[j]);
    y.d = 1.f / iscale;
}

// Rows with the awkward cases: all zeros, ties for the max with both signs, exact .5 roundings.
std::vector<float> q8_K_edge_rows() {
    std::vector<float> x(QK_K * 5, 0.f);          // block 0: all zero
    for (int j = 0; j < QK_K; ++j) x[QK_K + j] = float(j % 7) - 3.f;  // block 1: ties at +-3, first is -3
    x[QK_K + 10] = 3.f;
    for (int j = 0; j < QK_K; ++j) x[2 * QK_K + j] = (float(j) - 127.5f) * 0.5f;  // block 2: halves
    x[3 * QK_K + 200] = -0.f;                      // block 3: signed zeros only
    x[3 * QK_K + 5] = -0.f;
    for (int j = 0; j < QK_K; ++j) x[4 * QK_K + j] = (j == 77 ? 127.f : float(j % 5) - 2.f + 0.5f);  // block 4: max 127
    return x;
}

TEST(KQuants, Q8KScalarMatchesIndependentReference) {
    std::mt19937 rng(1);
    std::vector<float> x = random_floats(QK_K * 16, rng);
    const auto edges = q8_K_edge_rows();
    x.insert(x.end(), edges.begin(), edges.end());
    const auto y = quantize_q8_K(x, Isa::Scalar);
    for (size_t b = 0; b < y.size(); ++b) {
        block_q8_K ref;
        naive_q8_K(&x[b * QK_K], ref);
        EXPECT_TRUE(same_bits(y[b].d, ref.d)) << "block " << b << ": " << y[b].d << " vs " << ref.d;
        EXPECT_EQ(0, std::memcmp(y[b].qs, ref.qs, QK_K)) << "block " << b;
        EXPECT_EQ(0, std::memcmp(y[b].bsums, ref.bsums, sizeof ref.bsums)) << "block " << b;
    }
    // The element of largest magnitude maps to exactly -127 (so d carries its sign).
    EXPECT_EQ(y[16 + 1].qs[0], -127);   // first tie, -3
    EXPECT_EQ(y[16 + 1].qs[10], 127);   // +3 after it
    EXPECT_EQ(y[16 + 4].qs[77], -127);
    EXPECT_EQ(y[16].d, 0.f);
}

TEST(KQuants, Q8KFromF32IdenticalAcrossIsas) {
    std::mt19937 rng(2);
    std::vector<float> x = random_floats(QK_K * 40, rng);
    const auto edges = q8_K_edge_rows();
    x.insert(x.end(), edges.begin(), edges.end());
    // Non-finite activations must give the same bytes too: a NaN (skipped by the max search,
    // quantized to 0) and an infinity (max is inf, iscale -0, the rest of the block 0).
    std::vector<float> bad = random_floats(2 * QK_K, rng);
    bad[17] = NAN;
    bad[QK_K + 3] = INFINITY;
    x.insert(x.end(), bad.begin(), bad.end());
    // Tiny blocks: max |x| so small that -127/max overflows (subnormal and smallest normal floats).
    for (float scale : {1e-40f, 1e-38f, 1e-30f}) {
        const std::vector<float> tiny = random_floats(QK_K, rng);
        for (float v : tiny) x.push_back(v * scale);
    }
    const auto ref = quantize_q8_K(x, Isa::Scalar);
    for (Isa isa : simd_isas()) {
        const auto y = quantize_q8_K(x, isa);
        for (size_t b = 0; b < y.size(); ++b)
            ASSERT_EQ(0, std::memcmp(&y[b], &ref[b], sizeof(block_q8_K))) << isa_name(isa) << " block " << b;
        // q8_K to_f32 too.
        std::vector<float> a(x.size()), c(x.size());
        kernels_get(GgmlType::Q8_K, Isa::Scalar).to_f32(ref.data(), a.data(), int64_t(x.size()));
        kernels_get(GgmlType::Q8_K, isa).to_f32(ref.data(), c.data(), int64_t(x.size()));
        ASSERT_EQ(0, std::memcmp(a.data(), c.data(), a.size() * sizeof(float))) << isa_name(isa);
    }
}

// ---------------------------------------------------------------------------------------------
// to_f32
// ---------------------------------------------------------------------------------------------

class KQuantType : public ::testing::TestWithParam<GgmlType> {};

TEST_P(KQuantType, ScalarToF32MatchesLayoutDecoder) {
    const GgmlType t = GetParam();
    std::mt19937 rng(3);
    for (ScaleKind kind : {ScaleKind::Random, ScaleKind::Max, ScaleKind::Subnormal, ScaleKind::Zero}) {
        for (int64_t n : kSizes) {
            const auto row = random_row(t, n, rng, kind);
            std::vector<float> y(static_cast<size_t>(n));
            kernels_get(t, Isa::Scalar).to_f32(row.data(), y.data(), n);
            for (int64_t e = 0; e < n; ++e) {
                const float want = naive_decode(t, row.data(), e).value();
                ASSERT_TRUE(same_bits(y[size_t(e)], want))
                    << type_name(t) << " n=" << n << " kind=" << int(kind) << " element " << e << ": " << y[size_t(e)]
                    << " vs " << want;
            }
        }
    }
}

TEST_P(KQuantType, SimdToF32BitIdenticalToScalar) {
    const GgmlType t = GetParam();
    std::mt19937 rng(4);
    for (Isa isa : simd_isas()) {
        for (ScaleKind kind : {ScaleKind::Random, ScaleKind::Max, ScaleKind::Subnormal, ScaleKind::Zero}) {
            for (int64_t n : kSizes) {
                const auto row = random_row(t, n, rng, kind);
                std::vector<float> a(static_cast<size_t>(n)), b(static_cast<size_t>(n));
                kernels_get(t, Isa::Scalar).to_f32(row.data(), a.data(), n);
                kernels_get(t, isa).to_f32(row.data(), b.data(), n);
                for (int64_t e = 0; e < n; ++e)
                    ASSERT_TRUE(same_bits(a[size_t(e)], b[size_t(e)]))
                        << type_name(t) << " " << isa_name(isa) << " n=" << n << " element " << e;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// vec_dot
// ---------------------------------------------------------------------------------------------

// Double-precision dot of the naively decoded row with the dequantized q8_K row, plus the sum of
// the magnitudes of every term the kernel adds up (the scale its float rounding error lives on).
struct NaiveDot {
    double value = 0, magnitude = 0;
};

NaiveDot naive_dot(GgmlType t, const std::vector<uint8_t>& row, const std::vector<block_q8_K>& y, int64_t n) {
    NaiveDot r;
    for (int64_t e = 0; e < n; ++e) {
        const Decoded x = naive_decode(t, row.data(), e);
        const double yv = double(y[size_t(e / QK_K)].d) * y[size_t(e / QK_K)].qs[e % QK_K];
        r.value += (double(x.a) - double(x.b)) * yv;
        r.magnitude += (std::fabs(double(x.a)) + std::fabs(double(x.b))) * std::fabs(yv);
    }
    return r;
}

// The kernels round d_x*d_y and each block's float sum to single precision; a few ulps of the
// term magnitudes per block bounds that. 1e-5 relative is ~80 ulps: loose enough for any summation
// order, tight enough that a wrong scale, min or quant in even one sub-block fails.
constexpr double kDotRelTol = 1e-5;

TEST_P(KQuantType, ScalarVecDotMatchesNaiveDot) {
    const GgmlType t = GetParam();
    EXPECT_EQ(kernels_get(t, Isa::Scalar).vec_dot_type, GgmlType::Q8_K);
    std::mt19937 rng(5);
    for (ScaleKind kind : {ScaleKind::Random, ScaleKind::Max, ScaleKind::Subnormal, ScaleKind::Zero}) {
        for (int64_t n : kSizes) {
            const auto row = random_row(t, n, rng, kind);
            const auto y = quantize_q8_K(random_floats(n, rng), Isa::Scalar);
            float s = NAN;
            kernels_get(t, Isa::Scalar).vec_dot(n, &s, row.data(), y.data());
            const NaiveDot ref = naive_dot(t, row, y, n);
            EXPECT_NEAR(s, ref.value, kDotRelTol * ref.magnitude + 1e-30)
                << type_name(t) << " n=" << n << " kind=" << int(kind);
        }
    }
}

TEST_P(KQuantType, SimdVecDotMatchesScalar) {
    const GgmlType t = GetParam();
    std::mt19937 rng(6);
    for (Isa isa : simd_isas()) {
        EXPECT_EQ(kernels_get(t, isa).vec_dot_type, GgmlType::Q8_K);
        for (ScaleKind kind : {ScaleKind::Random, ScaleKind::Max, ScaleKind::Subnormal, ScaleKind::Zero}) {
            for (int64_t n : kSizes) {
                for (int rep = 0; rep < 4; ++rep) {
                    const auto row = random_row(t, n, rng, kind);
                    // Also an all-zero q8_K row (d = 0).
                    const auto y = rep == 3 ? quantize_q8_K(std::vector<float>(size_t(n), 0.f), Isa::Scalar)
                                            : quantize_q8_K(random_floats(n, rng), Isa::Scalar);
                    float a = NAN, b = NAN;
                    kernels_get(t, Isa::Scalar).vec_dot(n, &a, row.data(), y.data());
                    kernels_get(t, isa).vec_dot(n, &b, row.data(), y.data());
                    const NaiveDot ref = naive_dot(t, row, y, n);
                    ASSERT_NEAR(a, b, kDotRelTol * ref.magnitude + 1e-30)
                        << type_name(t) << " " << isa_name(isa) << " n=" << n << " kind=" << int(kind);
                    if (rep == 3) {
                        ASSERT_EQ(b, 0.f);
                    }
                }
            }
        }
    }
}



INSTANTIATE_TEST_SUITE_P(All, KQuantType, ::testing::ValuesIn(kKTypes),
                         [](const auto& info) { return std::string(type_name(info.param)); });



// ---------------------------------------------------------------------------------------------
// Real files: llama.cpp's own K-quant outputs of M1 decode back to the F32 original
// ---------------------------------------------------------------------------------------------

struct RealFileCase {
    GgmlType type;
    const char* file;
    double max_rel_rmse;  // bound on RMS(decoded - original) / RMS(original), per tensor
};

// Bounds: uniform rounding with step D has RMS error D/sqrt(12); a sub-block of 16-32 N(0,1) values
// spans ~3.5-4.5 sigma, so b bits give about 4/(2^b - 1)/sqrt(12) of sigma (q4_K: ~0.08), raised
// in the sub-blocks holding one of M1's x8 outlier columns. The bounds are ~2x that: well below
// the ~1 or more that a misread nibble, bit plane or scale produces.
const RealFileCase kRealFiles[] = {
    {GgmlType::Q2_K, "models/synthetic/m1-quantized/m1-pure-Q2_K.gguf", 0.70},
    {GgmlType::Q3_K, "models/synthetic/m1-quantized/m1-pure-Q3_K.gguf", 0.40},
    {GgmlType::Q4_K, "models/synthetic/m1-quantized/m1-pure-Q4_K.gguf", 0.20},
    {GgmlType::Q5_K, "models/synthetic/m1-quantized/m1-pure-Q5_K.gguf", 0.10},
    {GgmlType::Q6_K, "models/synthetic/m1-quantized/m1-pure-Q6_K.gguf", 0.05},
};

TEST(KQuantsRealFiles, LlamaCppQuantizedTensorsDecodeToTheOriginal) {
    QS_REQUIRE_SHARED(f32_path, "models/synthetic/llama-d256-spm512.gguf");
    const GgufFile original = GgufFile::open(f32_path);
    for (const RealFileCase& c : kRealFiles) {
        QS_REQUIRE_SHARED(q_path, c.file);
        const GgufFile quantized = GgufFile::open(q_path);
        int checked = 0;
        double worst = 0;
        for (const GgufTensorInfo& t : quantized.tensors()) {
            if (t.type != c.type) continue;
            const GgufTensorInfo* ref = original.find_tensor(t.name);
            ASSERT_NE(ref, nullptr) << t.name;
            ASSERT_EQ(ref->type, GgmlType::F32) << t.name;
            ASSERT_EQ(ref->n_elements(), t.n_elements()) << t.name;
            const int64_t n = t.n_elements();
            std::vector<float> decoded(static_cast<size_t>(n)), simd(static_cast<size_t>(n));
            kernels_get(c.type, Isa::Scalar).to_f32(t.data, decoded.data(), n);
            kernels_get(c.type).to_f32(t.data, simd.data(), n);
            ASSERT_EQ(0, std::memcmp(decoded.data(), simd.data(), decoded.size() * sizeof(float))) << t.name;
            const float* orig = reinterpret_cast<const float*>(ref->data);
            double err2 = 0, ref2 = 0;
            for (int64_t e = 0; e < n; ++e) {
                const double diff = double(decoded[size_t(e)]) - double(orig[e]);
                err2 += diff * diff;
                ref2 += double(orig[e]) * double(orig[e]);
            }
            const double rel = std::sqrt(err2 / ref2);
            EXPECT_LT(rel, c.max_rel_rmse) << type_name(c.type) << " " << t.name;
            worst = std::max(worst, rel);

            // Dot products on real rows at the best ISA: first row against a q8_K activation.
            const int64_t row = t.ne[0];
            std::mt19937 rng(static_cast<uint32_t>(checked));
            const auto y = quantize_q8_K(random_floats(row, rng), Isa::Scalar);
            float s = NAN;
            kernels_get(c.type).vec_dot(row, &s, t.data, y.data());
            double want = 0, mag = 0;
            for (int64_t e = 0; e < row; ++e) {
                const double yv = double(y[size_t(e / QK_K)].d) * y[size_t(e / QK_K)].qs[e % QK_K];
                want += double(decoded[size_t(e)]) * yv;
                mag += std::fabs(double(decoded[size_t(e)]) * yv);
            }
            EXPECT_NEAR(s, want, 1e-4 * mag) << type_name(c.type) << " " << t.name;
            ++checked;
        }
        EXPECT_GT(checked, 0) << c.file << " holds no " << type_name(c.type) << " tensor";
        std::cout << type_name(c.type) << ": " << checked << " tensors, worst relative RMS error " << worst << "\n";
    }
}

}  // namespace
}  // namespace qs
