// Quantizers of QuantScope's own formats (docs/formats.md): exact codec properties (NF4 table and
// tie rule, every FP8 code, saturation, subnormals, round-to-nearest-even), INT4 zero-point edge
// cases, round-trip error bounds, input checks, and an end-to-end run of M1 in every format
// (perplexity and KL divergence against F32).
//
// Round-trip bounds: RMS(dequantized - x) / RMS(x) per format on 8 N(0,1) rows of 4096 and on
// ggml's test pattern 0.1 + 2 cos(i). Expected sizes (docs/formats.md): int8_row ~ (amax/127)/sqrt(12)
// ~ 0.009 sigma; fp8 ~ relative step 2^-m / sqrt(12) per element (e4m3 ~0.025, e5m2 ~0.05); nf4 and
// int4_g128 ~0.1 (16 levels). Measured (gaussian / cosine): int8_row 0.0087 / 0.0034, fp8_e4m3
// 0.024 / 0.025, fp8_e5m2 0.048 / 0.046, nf4 0.092 / 0.097, int4_g128 0.100 / 0.052. Each bound is
// ~30 % above that: a wrong rounding mode, a lost zero point or an off-by-one code breaks it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "common/test_paths.h"
#include "common/naive_fp8.h"
#include "core/error.h"
#include "core/fp16.h"
#include "eval/perplexity.h"
#include "kernels/kernels.h"
#include "model/model.h"
#include "quant/quantize.h"
#include "tensor/blocks_extra.h"
#include "tensor/fp8.h"
#include "tokenizer/tokenizer.h"

using namespace qs;

namespace {

const GgmlType kExtraTypes[] = {GgmlType::NF4, GgmlType::FP8_E4M3, GgmlType::FP8_E5M2, GgmlType::I8_ROW,
                                GgmlType::I4_G128};

std::vector<float> dequantize(GgmlType t, const std::vector<uint8_t>& q, int64_t nrows, int64_t n) {
    std::vector<float> out(static_cast<size_t>(nrows * n));
    for (int64_t r = 0; r < nrows; ++r)
        kernels_get(t, Isa::Scalar).to_f32(q.data() + size_t(r) * row_size(t, n), out.data() + r * n, n);
    return out;
}

std::vector<uint8_t> quantize(GgmlType t, const std::vector<float>& x, int64_t nrows, int64_t n) {
    std::vector<uint8_t> q(row_size(t, n) * size_t(nrows));
    EXPECT_EQ(quantize_rows(t, x.data(), q.data(), nrows, n), q.size());
    return q;
}

double rel_rms_error(GgmlType t, const std::vector<float>& x, int64_t nrows, int64_t n) {
    const auto y = dequantize(t, quantize(t, x, nrows, n), nrows, n);
    double err = 0, ref = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        err += (double(y[i]) - x[i]) * (double(y[i]) - x[i]);
        ref += double(x[i]) * x[i];
    }
    return std::sqrt(err / ref);
}

// ---- NF4 ----------------------------------------------------------------------------------------

TEST(QuantExtra, Nf4TableIsBitsandbytes) {
    // reference-notes §3.3 (bitsandbytes functional.py), as printed there.
    const double expected[16] = {-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
                                 -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
                                 0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
                                 0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0};
    for (int i = 0; i < 16; ++i) EXPECT_EQ(kNf4Values[i], float(expected[i])) << i;
}

// Codes of a 64-element row quantized to NF4 (ggml nibble order, see blocks_extra.h).
std::vector<int> nf4_codes(const std::vector<float>& x) {
    const auto q = quantize(GgmlType::NF4, x, 1, 64);
    block_nf4 b;
    std::memcpy(&b, q.data(), sizeof b);
    std::vector<int> codes(64);
    for (int i = 0; i < 64; ++i) {
        const uint8_t byte = b.qs[16 * (i / 32) + (i % 16)];
        codes[size_t(i)] = (i % 32) < 16 ? byte & 15 : byte >> 4;
    }
    return codes;
}

TEST(QuantExtra, Nf4NearestCodeTiesGoDown) {
    // absmax 1 (element 0), so the normalized value is the input itself.
    for (int c = 0; c < 15; ++c) {
        const float mid = float((double(kNf4Values[c]) + double(kNf4Values[c + 1])) / 2);
        std::vector<float> x(64, 0.0f);
        x[0] = 1.0f;
        x[1] = kNf4Values[c];                                  // exact code value
        x[2] = mid;                                            // on the midpoint: lower code
        x[3] = std::nextafter(mid, 2.0f);                      // just above: upper code
        x[4] = std::nextafter(mid, -2.0f);                     // just below: lower code
        x[40] = kNf4Values[c + 1];
        const auto codes = nf4_codes(x);
        EXPECT_EQ(codes[0], 15);
        EXPECT_EQ(codes[1], c);
        EXPECT_EQ(codes[2], c) << "midpoint " << mid;
        EXPECT_EQ(codes[3], c + 1);
        EXPECT_EQ(codes[4], c);
        EXPECT_EQ(codes[40], c + 1);
        EXPECT_EQ(codes[10], 7);  // 0 -> the code of 0.0
    }
    // absmax is the scale, negative extreme maps to code 0, an all-zero block to zeros.
    std::vector<float> x(64, 0.25f);
    x[5] = -3.0f;
    const auto q = quantize(GgmlType::NF4, x, 1, 64);
    float d;
    std::memcpy(&d, q.data(), 4);
    EXPECT_EQ(d, 3.0f);
    EXPECT_EQ(nf4_codes(x)[5], 0);
    const auto zero = dequantize(GgmlType::NF4, quantize(GgmlType::NF4, std::vector<float>(64, 0.0f), 1, 64), 1, 64);
    for (float v : zero) EXPECT_EQ(v, 0.0f);
}

// ---- FP8 ----------------------------------------------------------------------------------------

struct Fp8Case {
    const Fp8Format* f;
    bool e4m3;
    uint8_t max_code;
};
const Fp8Case kFp8Cases[] = {{&kFp8E4M3, true, 0x7E}, {&kFp8E5M2, false, 0x7B}};

using qs::test::naive_fp8;

// Brute force: the finite code nearest to x (saturating), ties to the even code.
uint8_t nearest_fp8(float x, bool e4m3) {
    int best = -1;
    double best_err = INFINITY;
    for (int c = 0; c < 256; ++c) {
        const double v = naive_fp8(uint8_t(c), e4m3);
        if (!std::isfinite(v) || std::signbit(v) != std::signbit(x)) continue;
        const double err = std::fabs(v - double(x));
        if (err < best_err || (err == best_err && (c & 1) == 0 && (best & 1) == 1)) {
            best = c;
            best_err = err;
        }
    }
    return uint8_t(best);
}

TEST(QuantExtra, Fp8EveryCodeRoundTrips) {
    for (const Fp8Case& fc : kFp8Cases) {
        int nans = 0, infs = 0;
        for (int c = 0; c < 256; ++c) {
            const double v = naive_fp8(uint8_t(c), fc.e4m3);
            const float got = fp8_decode(uint8_t(c), *fc.f);
            if (std::isnan(v)) {
                EXPECT_TRUE(std::isnan(got)) << c;
                ++nans;
                continue;
            }
            EXPECT_EQ(double(got), v) << "code " << c;
            if (std::isinf(v)) {
                ++infs;
                EXPECT_EQ(fp8_encode(got, *fc.f), uint8_t(fc.max_code | (c & 0x80))) << "inf saturates";
                continue;
            }
            EXPECT_EQ(fp8_encode(got, *fc.f), uint8_t(c)) << "code " << c;  // includes -0 -> 0x80
        }
        EXPECT_EQ(nans, fc.e4m3 ? 2 : 6);
        EXPECT_EQ(infs, fc.e4m3 ? 0 : 2);
        EXPECT_EQ(double(fp8_decode(fc.max_code, *fc.f)), fc.e4m3 ? 448.0 : 57344.0);
    }
}

TEST(QuantExtra, Fp8SaturationSubnormalsAndTies) {
    // E4M3: saturation at +-448, also past the rounding midpoint 480 and for infinities.
    EXPECT_EQ(fp8_encode(448.0f, kFp8E4M3), 0x7E);
    EXPECT_EQ(fp8_encode(479.0f, kFp8E4M3), 0x7E);
    EXPECT_EQ(fp8_encode(1e9f, kFp8E4M3), 0x7E);
    EXPECT_EQ(fp8_encode(-1e9f, kFp8E4M3), 0xFE);
    EXPECT_EQ(fp8_encode(INFINITY, kFp8E4M3), 0x7E);
    EXPECT_EQ(fp8_encode(-INFINITY, kFp8E5M2), 0xFB);
    EXPECT_EQ(fp8_encode(1e9f, kFp8E5M2), 0x7B);
    // Subnormals: E4M3 min subnormal 2^-9 is code 1; half of it ties to 0 (even); 1.5 * 2^-9 ties to 2.
    EXPECT_EQ(fp8_encode(std::ldexp(1.0f, -9), kFp8E4M3), 0x01);
    EXPECT_EQ(fp8_encode(std::ldexp(1.0f, -10), kFp8E4M3), 0x00);
    EXPECT_EQ(fp8_encode(std::ldexp(1.5f, -9), kFp8E4M3), 0x02);
    EXPECT_EQ(fp8_encode(std::ldexp(2.5f, -9), kFp8E4M3), 0x02);
    EXPECT_EQ(fp8_encode(std::ldexp(1.0f, -16), kFp8E5M2), 0x01);
    EXPECT_EQ(fp8_encode(-std::ldexp(1.0f, -17), kFp8E5M2), 0x80);  // -0
    // Largest subnormal rounding up into the smallest normal: 7.5 * 2^-9 ties to 8 * 2^-9 = 2^-6.
    EXPECT_EQ(fp8_encode(std::ldexp(7.5f, -9), kFp8E4M3), 0x08);
    // Normal ties: 1 + 1/16 lies between 1.0 (0x38) and 1.125 (0x39): even 0x38; 1 + 3/16 -> 0x3A.
    EXPECT_EQ(fp8_encode(1.0625f, kFp8E4M3), 0x38);
    EXPECT_EQ(fp8_encode(1.1875f, kFp8E4M3), 0x3A);
    EXPECT_EQ(fp8_encode(1.125f, kFp8E5M2), 0x3C);  // between 1.0 (0x3C) and 1.25 (0x3D)
    EXPECT_EQ(fp8_encode(1.375f, kFp8E5M2), 0x3E);
    // Random values against the brute-force nearest code.
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> expo(-20.0f, 18.0f);
    for (const Fp8Case& fc : kFp8Cases)
        for (int i = 0; i < 20000; ++i) {
            const float x = ((rng() & 1) ? -1.0f : 1.0f) * std::exp2(expo(rng));
            ASSERT_EQ(fp8_encode(x, *fc.f), nearest_fp8(x, fc.e4m3)) << x;
        }
}

TEST(QuantExtra, Fp8BlockScaleIsAmaxOverMax) {
    for (GgmlType t : {GgmlType::FP8_E4M3, GgmlType::FP8_E5M2}) {
        std::vector<float> x(32);
        for (int i = 0; i < 32; ++i) x[size_t(i)] = 0.01f * float(i - 10);
        const auto q = quantize(t, x, 1, 32);
        block_fp8 b;
        std::memcpy(&b, q.data(), sizeof b);
        EXPECT_EQ(b.d, 0.21f / (t == GgmlType::FP8_E4M3 ? 448.0f : 57344.0f));
        EXPECT_EQ(b.qs[31], t == GgmlType::FP8_E4M3 ? 0x7E : 0x7B);  // amax element -> max code
        EXPECT_EQ(b.qs[10], 0);
    }
}

// ---- INT8 per row -------------------------------------------------------------------------------

TEST(QuantExtra, Int8RowOneScalePerRow) {
    const int64_t n = 64, rows = 3;
    std::vector<float> x(static_cast<size_t>(n * rows));
    for (int64_t i = 0; i < n * rows; ++i) x[size_t(i)] = float((i % 7) - 3) * float(1 + i / n);
    const auto q = quantize(GgmlType::I8_ROW, x, rows, n);
    for (int64_t r = 0; r < rows; ++r) {
        const uint8_t* row = q.data() + size_t(r) * row_size(GgmlType::I8_ROW, n);
        float d;
        std::memcpy(&d, row, 4);
        EXPECT_EQ(d, 3.0f * float(r + 1) / 127.0f);
        for (int64_t i = 0; i < n; ++i) {
            const float v = x[size_t(r * n + i)];
            EXPECT_EQ(int8_t(row[4 + i]), int(std::roundf(v * (1.0f / d)))) << r << "," << i;
        }
    }
    // Half away from zero: amax 127 gives d = 1, so 2.5 -> 3 and -2.5 -> -3.
    std::vector<float> h(32, 0.0f);
    h[0] = 127.0f;
    h[1] = 2.5f;
    h[2] = -2.5f;
    const auto qh = quantize(GgmlType::I8_ROW, h, 1, 32);
    EXPECT_EQ(int8_t(qh[4 + 1]), 3);
    EXPECT_EQ(int8_t(qh[4 + 2]), -3);
    // Parallel quantization writes the same bytes (row headers in the right places).
    std::vector<uint8_t> par(q.size());
    quantize_rows_parallel(GgmlType::I8_ROW, x.data(), par.data(), rows, n, 2);
    EXPECT_EQ(par, q);
}

// ---- INT4 per group of 128 ------------------------------------------------------------------------

block_i4_g128 i4_block(const std::vector<float>& x) {
    const auto q = quantize(GgmlType::I4_G128, x, 1, 128);
    block_i4_g128 b;
    std::memcpy(&b, q.data(), sizeof b);
    return b;
}

TEST(QuantExtra, Int4ZeroPointEdgeCases) {
    // Constant positive group: range [0, c], zero point 0, every code 15, x ~ 15 * fp16(c / 15).
    {
        const std::vector<float> x(128, 0.7f);
        const auto b = i4_block(x);
        EXPECT_EQ(b.zero, 0);
        EXPECT_EQ(b.qs[0], 0xFF);
        const auto y = dequantize(GgmlType::I4_G128, quantize(GgmlType::I4_G128, x, 1, 128), 1, 128);
        for (float v : y) EXPECT_NEAR(v, 0.7f, 0.7f * 1e-3f);
    }
    // Constant negative / all-negative group: range [min, 0], zero point 15.
    {
        std::vector<float> x(128);
        for (int i = 0; i < 128; ++i) x[size_t(i)] = -0.1f - 0.01f * float(i);
        const auto b = i4_block(x);
        EXPECT_EQ(b.zero, 15);
        const float s = fp16_to_fp32(b.d);
        EXPECT_NEAR(s, 1.37f / 15, 1e-3f);
        const auto y = dequantize(GgmlType::I4_G128, quantize(GgmlType::I4_G128, x, 1, 128), 1, 128);
        for (size_t i = 0; i < 128; ++i) EXPECT_LE(std::fabs(y[i] - x[i]), 0.5f * s * 1.001f) << i;
    }
    // All-zero group: GPTQ's range [-1, 1], scale 2/15, zero point round(7.5) = 8 (half to even); exact zeros.
    {
        const std::vector<float> x(128, 0.0f);
        const auto b = i4_block(x);
        EXPECT_EQ(b.zero, 8);
        EXPECT_EQ(fp16_to_fp32(b.d), fp16_to_fp32(fp32_to_fp16(2.0f / 15)));
        for (float v : dequantize(GgmlType::I4_G128, quantize(GgmlType::I4_G128, x, 1, 128), 1, 128)) EXPECT_EQ(v, 0.0f);
    }
    // Mixed group: zeros stay exactly zero (the grid contains 0), error at most half a step.
    {
        std::vector<float> x(128);
        for (int i = 0; i < 128; ++i) x[size_t(i)] = (i % 3 == 0) ? 0.0f : std::sin(0.37f * float(i)) * 2.0f - 0.5f;
        const auto b = i4_block(x);
        const float s = fp16_to_fp32(b.d);
        const auto y = dequantize(GgmlType::I4_G128, quantize(GgmlType::I4_G128, x, 1, 128), 1, 128);
        for (size_t i = 0; i < 128; ++i) {
            if (x[i] == 0.0f) {
                EXPECT_EQ(y[i], 0.0f) << i;
            }
            EXPECT_LE(std::fabs(y[i] - x[i]), 0.5f * s * 1.001f) << i;
        }
    }
}

// ---- all formats ----------------------------------------------------------------------------------

TEST(QuantExtra, RoundTripErrorBounds) {
    struct Bound {
        GgmlType t;
        double gaussian, cosine;
    };
    const Bound bounds[] = {
        {GgmlType::I8_ROW, 0.012, 0.0045},  {GgmlType::FP8_E4M3, 0.033, 0.033}, {GgmlType::FP8_E5M2, 0.065, 0.065},
        {GgmlType::NF4, 0.13, 0.13},       {GgmlType::I4_G128, 0.13, 0.068},
    };
    const int64_t n = 4096, rows = 8;
    std::mt19937 rng(42);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> gauss(static_cast<size_t>(n * rows)), cosine(static_cast<size_t>(n * rows));
    for (auto& v : gauss) v = normal(rng);
    for (size_t i = 0; i < cosine.size(); ++i) cosine[i] = 0.1f + 2.0f * std::cos(float(i));
    for (const Bound& b : bounds) {
        const double eg = rel_rms_error(b.t, gauss, rows, n), ec = rel_rms_error(b.t, cosine, rows, n);
        std::printf("[ round-trip ] %-10s gaussian %.5f  0.1+2cos %.5f\n", type_name(b.t), eg, ec);
        EXPECT_LT(eg, b.gaussian) << type_name(b.t);
        EXPECT_LT(ec, b.cosine) << type_name(b.t);
        EXPECT_GT(eg, 0.0) << type_name(b.t);  // lossy formats: an exact result would mean a bug in the test
    }
}

TEST(QuantExtra, RejectsNonFiniteInput) {
    for (GgmlType t : kExtraTypes) {
        EXPECT_TRUE(quantize_supported(t));
        for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
            std::vector<float> x(128, 1.0f);
            x[77] = bad;
            std::vector<uint8_t> q(row_size(t, 128));
            EXPECT_THROW(quantize_rows(t, x.data(), q.data(), 1, 128, "w"), Error) << type_name(t);
        }
        std::vector<float> x(96, 1.0f);
        std::vector<uint8_t> q(4096);
        if (type_traits(t).block_size > 32) {
            EXPECT_THROW(quantize_rows(t, x.data(), q.data(), 1, 96), Error);
        }
    }
}

// ---- end to end: M1 with every weight matrix in each format evaluates ---------------------------

// M1 with every 2-D F32 tensor (attention, FFN, output, token embeddings) quantized to t in memory.
std::shared_ptr<const Model> quantized_copy(const Model& base, GgmlType t) {
    std::map<std::string, OwnedTensor> replaced;
    for (const GgufTensorInfo& info : base.file().tensors()) {
        if (info.ne.size() != 2 || info.type != GgmlType::F32 || info.ne[0] % type_traits(t).block_size != 0) continue;
        std::vector<float> f32(static_cast<size_t>(info.n_elements()));
        std::memcpy(f32.data(), info.data, info.nbytes);
        OwnedTensor q{t, info.ne, std::vector<uint8_t>(row_size(t, info.ne[0]) * size_t(info.rows()))};
        quantize_rows(t, f32.data(), q.data.data(), info.rows(), info.ne[0], info.name);
        replaced.emplace(info.name, std::move(q));
    }
    EXPECT_GE(replaced.size(), 4u * 7u);  // every layer's attention and FFN matrices
    return Model::with_weights(base, std::move(replaced));
}

TEST(QuantExtra, M1InEveryFormatEvaluatesPerplexity) {
    QS_REQUIRE_SHARED(model_path, "models/synthetic/llama-d256-spm512.gguf");
    QS_REQUIRE_SHARED(text_path, "data/wikitext-2-raw/wiki.test.raw");
    const auto base = Model::load(model_path);
    auto tokenizer = Tokenizer::from_gguf(base->file());
    std::string text = perplexity_read_text(text_path);
    text.resize(std::min<size_t>(text.size(), 20000));
    const auto tokens = tokenizer->encode(text, true);
    PerplexityOptions opts;
    opts.n_ctx = 128;
    opts.max_chunks = 2;
    const int64_t n_vocab = base->hparams().n_vocab;
    // PPL of a model, and its scored logits (all chunks back to back) for the KL divergence.
    auto run = [&](std::shared_ptr<const Model> m, std::vector<float>& logits) {
        ModelContext ctx(m, opts.n_ctx);
        Progress progress;
        logits.clear();
        return perplexity_run(ctx, *tokenizer, tokens, opts, progress,
                              [&](int, std::span<const float> l, std::span<const int32_t>) {
                                  logits.insert(logits.end(), l.begin(), l.end());
                              })
            .ppl;
    };
    // Mean KL(base || q) over the scored tokens, from log-softmax in double.
    auto mean_kld = [&](const std::vector<float>& base_logits, const std::vector<float>& q_logits) {
        auto log_softmax = [&](const float* l, std::vector<double>& out) {
            const double mx = *std::max_element(l, l + n_vocab);
            double sum = 0;
            for (int64_t v = 0; v < n_vocab; ++v) sum += std::exp(double(l[v]) - mx);
            out.resize(size_t(n_vocab));
            for (int64_t v = 0; v < n_vocab; ++v) out[size_t(v)] = double(l[v]) - mx - std::log(sum);
        };
        const int64_t n_tok = int64_t(base_logits.size()) / n_vocab;
        std::vector<double> lp, lq;
        double total = 0;
        for (int64_t i = 0; i < n_tok; ++i) {
            log_softmax(base_logits.data() + i * n_vocab, lp);
            log_softmax(q_logits.data() + i * n_vocab, lq);
            for (int64_t v = 0; v < n_vocab; ++v) total += std::exp(lp[size_t(v)]) * (lp[size_t(v)] - lq[size_t(v)]);
        }
        return total / double(n_tok);
    };
    std::vector<float> base_logits, q_logits;
    const double ppl_f32 = run(base, base_logits);
    ASSERT_FALSE(base_logits.empty());
    std::map<GgmlType, double> kld;
    // q8_0 and q4_0 quantized the same way, as yardsticks for the KL divergences.
    for (GgmlType t : {GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::NF4, GgmlType::FP8_E4M3, GgmlType::FP8_E5M2,
                       GgmlType::I8_ROW, GgmlType::I4_G128}) {
        const double ppl = run(quantized_copy(*base, t), q_logits);
        ASSERT_EQ(q_logits.size(), base_logits.size());
        kld[t] = mean_kld(base_logits, q_logits);
        std::printf("[ M1 ] 2 x 128 tokens: F32 PPL %.4f, %-9s PPL %.4f (%+.2f %%), mean KLD %.6f\n", ppl_f32,
                    type_name(t), ppl, 100 * (ppl / ppl_f32 - 1), kld[t]);
        EXPECT_TRUE(std::isfinite(ppl)) << type_name(t);
        EXPECT_NE(ppl, ppl_f32) << type_name(t);  // the weights really changed
        EXPECT_NEAR(ppl, ppl_f32, 0.2 * ppl_f32) << type_name(t);
        EXPECT_GT(kld[t], 0.0) << type_name(t);
    }
    // Plausibility: more mantissa bits, less divergence; 8-bit formats closer than 4-bit ones.
    EXPECT_LT(kld[GgmlType::FP8_E4M3], kld[GgmlType::FP8_E5M2]);
    EXPECT_LT(kld[GgmlType::FP8_E4M3], kld[GgmlType::NF4]);
    EXPECT_LT(kld[GgmlType::Q8_0], kld[GgmlType::NF4]);
    EXPECT_LT(kld[GgmlType::I8_ROW], kld[GgmlType::I4_G128]);
}

}  // namespace
