// The attention row kernel the forward pass runs against its scalar reference: the same bits for
// every input, on the instruction set this machine picks (attention_row.h). Inputs cover what makes
// f16 rounding differ: values whose sums round to f16 subnormals, to f16 infinity, and every rescale
// of the online softmax (a rising score sequence).
#include <gtest/gtest.h>

#include <bit>
#include <cstdio>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "core/fp16.h"
#include "model/attention_row.h"

namespace qs {
namespace {

struct RowCase {
    int64_t n_vis, hd, v_ld;
    float v_scale;  // magnitude of the values
    bool rising;    // scores increase (a rescale at every key) instead of random
};

void expect_same_bits(const RowCase& c, bool f16_acc, uint32_t seed, Isa isa) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> scores(size_t(c.n_vis)), v(size_t(c.n_vis * c.v_ld));
    for (int64_t j = 0; j < c.n_vis; ++j) scores[size_t(j)] = c.rising ? 0.01f * float(j) + 0.001f * normal(rng) : 3 * normal(rng);
    if (c.n_vis > 2) scores[1] = -std::numeric_limits<float>::infinity();  // a masked key
    for (float& x : v) x = c.v_scale * normal(rng);
    std::vector<float> acc(size_t(c.hd)), out(size_t(c.hd)), acc_ref(size_t(c.hd)), out_ref(size_t(c.hd));
    attend_row_online(scores.data(), v.data(), c.v_ld, c.n_vis, c.hd, f16_acc, acc.data(), out.data(), isa);
    attend_row_online_reference(scores.data(), v.data(), c.v_ld, c.n_vis, c.hd, f16_acc, acc_ref.data(), out_ref.data());
    for (int64_t d = 0; d < c.hd; ++d)
        ASSERT_EQ(std::bit_cast<uint32_t>(out[size_t(d)]), std::bit_cast<uint32_t>(out_ref[size_t(d)]))
            << isa_name(isa) << " n_vis " << c.n_vis << " hd " << c.hd << " v_scale " << c.v_scale << " d " << d << ": " << out[size_t(d)]
            << " vs " << out_ref[size_t(d)];
}

// Every level this machine runs (the others are reported, not silently passed).
TEST(AttentionRow, KernelGivesTheReferenceBits) {
    const RowCase cases[] = {
        {1, 64, 64, 1.0f, false},       {7, 64, 128, 1.0f, false},   {300, 64, 64, 1.0f, false},
        {300, 128, 256, 1.0f, true},    {97, 80, 80, 1.0f, false},   {33, 17, 20, 1.0f, true},  // tails
        {200, 64, 64, 3e-6f, false},    // sums in f16's subnormal range
        {200, 64, 64, 3e4f, true},      // sums past 65504: f16 infinity
        {513, 256, 256, 0.05f, false},  {150, 64, 64, 6e-8f, false},  // f16's smallest subnormals
        {150, 64, 64, 7e4f, false},     // values beyond f16's range
    };
    for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512}) {
        if (!isa_supported(isa)) {
            std::printf("[ SKIPPED  ] level %s: not on this CPU\n", isa_name(isa));
            continue;
        }
        uint32_t seed = 1;
        for (const RowCase& c : cases)
            for (bool f16_acc : {true, false}) expect_same_bits(c, f16_acc, seed++, isa);
    }
}

// The reference itself: the f16 accumulator holds f16 values after every step, and the result
// is the softmax-weighted mean of V within f16's precision.
TEST(AttentionRow, ReferenceIsSoftmaxWeightedValues) {
    const int64_t n = 40, hd = 16;
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> scores(n), v(n * hd), acc(hd), out(hd);
    for (float& s : scores) s = normal(rng);
    for (float& x : v) x = normal(rng);
    attend_row_online_reference(scores.data(), v.data(), hd, n, hd, true, acc.data(), out.data());
    double max_s = -1e30, sum = 0;
    for (float s : scores) max_s = std::max(max_s, double(s));
    for (float s : scores) sum += std::exp(double(s) - max_s);
    for (int64_t d = 0; d < hd; ++d) {
        EXPECT_EQ(acc[size_t(d)], round_f16(acc[size_t(d)]));  // an f16 value
        double want = 0;
        for (int64_t j = 0; j < n; ++j) want += std::exp(double(scores[size_t(j)]) - max_s) / sum * v[size_t(j * hd + d)];
        EXPECT_NEAR(out[size_t(d)], want, 5e-3) << d;
    }
}

}  // namespace
}  // namespace qs
