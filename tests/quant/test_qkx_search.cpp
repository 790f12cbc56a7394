// The K-quants' scale searches (quant/qkx_search.h): every SIMD level against the scalar
// reference, bit for bit, and make_qkx2/3_quants (which restart the search when the best min
// moves) and make_qx_quants against ggml's loops written out here independently.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <random>
#include <vector>

#include "core/cpu_features.h"
#include "quant/qkx_search.h"
#include "quant/quant_math.h"

namespace qs::quant_detail {
namespace {

struct Params {
    int n, nmax;
    float rmin, rdelta;
    int nstep;
    bool use_mad, clamp_first;
};

// ggml's calls: q2_K (make_qkx2, mad), q4_K, q5_K (make_qkx2), the imatrix quantizers (make_qkx3).
const Params kParams[] = {
    {16, 3, -0.5f, 0.1f, 15, true, false},  {32, 15, -1.f, 0.1f, 20, false, false},
    {32, 31, -0.5f, 0.1f, 15, false, false}, {32, 15, -0.9f, 0.05f, 36, false, true},
    {16, 3, -0.9f, 0.05f, 36, false, true},
};

// Blocks of several shapes: Gaussian, one outlier, all positive, all negative, few distinct values
// (ties in the rounding), tiny and huge magnitudes.
std::vector<float> block(int n, int kind, std::mt19937& rng) {
    std::normal_distribution<float> g(0.f, 1.f);
    std::vector<float> x(static_cast<size_t>(n));
    for (float& v : x) v = g(rng);
    switch (kind % 6) {
        case 1: x[size_t(rng() % unsigned(n))] *= 40.f; break;
        case 2: for (float& v : x) v = std::fabs(v) + 0.5f; break;
        case 3: for (float& v : x) v = -std::fabs(v); break;
        case 4: for (float& v : x) v = float(int(v * 2.f)) * 0.25f; break;
        case 5: for (float& v : x) v *= (kind % 12 == 5) ? 1e-6f : 3e4f; break;
        default: break;
    }
    return x;
}

// The two weightings ggml uses: |x| + a constant (q4_K's av_x + |x|) on odd trials, x^2 on even ones.
std::vector<float> weights_for(const std::vector<float>& x, int trial) {
    std::vector<float> w(x.size());
    for (size_t i = 0; i < x.size(); ++i) w[i] = trial % 2 ? std::fabs(x[i]) + 0.3f : x[i] * x[i];
    return w;
}

// The x86 levels this CPU runs whose search is not the scalar reference.
template <class Fn>
std::vector<Isa> simd_levels(Fn (*search_for)(Isa), Fn scalar) {
    std::vector<Isa> levels;
    for (Isa isa : {Isa::Avx2, Isa::Avx512})
        if (isa_supported(isa) && search_for(isa) != scalar) levels.push_back(isa);
    return levels;
}

bool same_bits(float a, float b) { return std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b); }

TEST(QkxSearch, EverySimdLevelMatchesTheScalarReferenceBitForBit) {
    const std::vector<Isa> levels = simd_levels(qkx_search_for, qkx_search_scalar);
    if (levels.empty()) GTEST_SKIP() << "this CPU has no SIMD level of the search";
    std::mt19937 rng(7);
    int compared = 0;
    for (const Params& p : kParams) {
        for (int trial = 0; trial < 300; ++trial) {
            const std::vector<float> x = block(p.n, trial, rng);
            const std::vector<float> w = weights_for(x, trial);
            QkxSearch s;
            s.n = p.n;
            s.nmax = p.nmax;
            s.nstep = p.nstep;
            s.x = x.data();
            s.w = w.data();
            s.min = std::min(0.f, *std::min_element(x.begin(), x.end()));
            s.max = *std::max_element(x.begin(), x.end());
            // A min moved by an earlier step: anywhere below max, even above zero.
            if (trial % 3 == 1) s.min += (s.max - s.min) * 0.3f;
            if (trial % 3 == 2) s.min = s.max - (s.max - s.min) * 0.01f;
            for (size_t i = 0; i < x.size(); ++i) {
                s.sum_w += w[i];
                s.sum_x += w[i] * x[i];
            }
            s.rmin = p.rmin;
            s.rdelta = p.rdelta;
            s.use_mad = p.use_mad;
            s.clamp_first = p.clamp_first;
            s.first = trial % 4 == 3 ? 1 + int(rng() % unsigned(p.nstep)) : 0;
            QkxSearch ref = s;
            qkx_search_scalar(ref);
            for (Isa isa : levels) {
                QkxSearch got = s;
                qkx_search_for(isa)(got);
                for (int k = s.first; k <= p.nstep; ++k) {
                    ASSERT_EQ(got.valid[k], ref.valid[k]) << isa_name(isa) << " step " << k << " trial " << trial;
                    for (int i = 0; i < p.n; ++i)
                        ASSERT_EQ(got.levels[i][k], ref.levels[i][k]) << isa_name(isa) << " step " << k << " element " << i;
                    if (!ref.valid[k]) continue;
                    ASSERT_TRUE(same_bits(got.scale[k], ref.scale[k])) << isa_name(isa) << " step " << k << ": "
                                                                        << got.scale[k] << " vs " << ref.scale[k];
                    ASSERT_TRUE(same_bits(got.min_of[k], ref.min_of[k])) << isa_name(isa) << " step " << k;
                    ASSERT_TRUE(same_bits(got.error[k], ref.error[k])) << isa_name(isa) << " step " << k;
                    ++compared;
                }
            }
        }
    }
    EXPECT_GT(compared, 10000);
}

int nearest(float v) {
    const int32_t bits = std::bit_cast<int32_t>(v + 12582912.f);
    return (bits & 0x007fffff) - 0x00400000;
}

// ggml-quants.c's make_qkx2_quants (clamp_first false) and make_qkx3_quants' loop, transcribed
// step after step, min moving with each improvement.
float ggml_qkx(const Params& p, const float* x, const float* weights, uint8_t* L, float* the_min) {
    const int n = p.n;
    float min = x[0], max = x[0], sum_w = weights[0], sum_x = sum_w * x[0];
    for (int i = 1; i < n; ++i) {
        if (x[i] < min) min = x[i];
        if (x[i] > max) max = x[i];
        sum_w += weights[i];
        sum_x += weights[i] * x[i];
    }
    if (min > 0) min = 0;
    if (max <= min) {
        for (int i = 0; i < n; ++i) L[i] = 0;
        *the_min = -min;
        return 0.f;
    }
    float iscale = float(p.nmax) / (max - min), scale = 1 / iscale, best_error = 0;
    for (int i = 0; i < n; ++i) {
        L[i] = uint8_t(std::max(0, std::min(p.nmax, nearest(iscale * (x[i] - min)))));
        const float diff = scale * float(L[i]) + min - x[i];
        best_error += weights[i] * (p.use_mad ? std::fabs(diff) : diff * diff);
    }
    uint8_t Laux[32];
    for (int is = 0; is <= p.nstep; ++is) {
        iscale = (p.rmin + p.rdelta * float(is) + float(p.nmax)) / (max - min);
        float sum_l = 0, sum_l2 = 0, sum_xl = 0;
        for (int i = 0; i < n; ++i) {
            int l;
            if (p.clamp_first) {
                const float v = iscale * (x[i] - min);
                l = v > 0 ? nearest(std::min(v, float(p.nmax))) : 0;
            } else {
                l = std::max(0, std::min(p.nmax, nearest(iscale * (x[i] - min))));
            }
            Laux[i] = uint8_t(l);
            sum_l += weights[i] * float(l);
            sum_l2 += weights[i] * float(l) * float(l);
            sum_xl += weights[i] * float(l) * x[i];
        }
        const float D = sum_w * sum_l2 - sum_l * sum_l;
        if (D > 0) {
            float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
            float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
            if (this_min > 0) {
                this_min = 0;
                this_scale = sum_xl / sum_l2;
            }
            float cur_error = 0;
            for (int i = 0; i < n; ++i) {
                const float diff = this_scale * float(Laux[i]) + this_min - x[i];
                cur_error += weights[i] * (p.use_mad ? std::fabs(diff) : diff * diff);
            }
            if (cur_error < best_error) {
                std::copy(Laux, Laux + n, L);
                best_error = cur_error;
                scale = this_scale;
                min = this_min;
            }
        }
    }
    *the_min = -min;
    return scale;
}

TEST(QkxSearch, MakeQkxQuantsFollowGgmlsSequentialLoop) {
    std::mt19937 rng(11);
    int moved = 0;
    for (const Params& p : kParams) {
        for (int trial = 0; trial < 2000; ++trial) {
            const std::vector<float> x = block(p.n, trial, rng);
            const std::vector<float> w = weights_for(x, trial);
            uint8_t want[32], got[32];
            float want_min = 0, got_min = 0;
            const float want_scale = ggml_qkx(p, x.data(), w.data(), want, &want_min);
            const float got_scale =
                p.clamp_first
                    ? make_qkx3_quants(p.n, p.nmax, x.data(), w.data(), got, &got_min, p.rmin, p.rdelta, p.nstep, p.use_mad)
                    : make_qkx2_quants(p.n, p.nmax, x.data(), w.data(), got, &got_min, p.rmin, p.rdelta, p.nstep, p.use_mad);
            ASSERT_TRUE(same_bits(got_scale, want_scale)) << "trial " << trial << ": " << got_scale << " vs " << want_scale;
            ASSERT_TRUE(same_bits(got_min, want_min)) << "trial " << trial;
            ASSERT_TRUE(std::equal(got, got + p.n, want)) << "trial " << trial;
            moved += got_min != -std::min(0.f, *std::min_element(x.begin(), x.end())) ? 1 : 0;
        }
    }
    EXPECT_GT(moved, 1000);  // the restarts were exercised
}

// make_qx_quants' symmetric search: every SIMD level against the scalar reference.
TEST(QxSearch, EverySimdLevelMatchesTheScalarReferenceBitForBit) {
    const std::vector<Isa> levels = simd_levels(qx_search_for, qx_search_scalar);
    if (levels.empty()) GTEST_SKIP() << "this CPU has no SIMD level of the search";
    std::mt19937 rng(5);
    for (const auto& [n, nmax] : {std::pair{16, 32}, std::pair{16, 4}, std::pair{32, 8}, std::pair{32, 16}}) {
        for (int trial = 0; trial < 400; ++trial) {
            const std::vector<float> x = block(n, trial, rng);
            const std::vector<float> w = weights_for(x, trial);
            QxSearch s;
            s.n = n;
            s.nmax = nmax;
            s.x = x.data();
            s.w = w.data();
            s.max = *std::max_element(x.begin(), x.end(), [](float a, float b) { return std::fabs(a) < std::fabs(b); });
            QxSearch ref = s;
            qx_search_scalar(ref);
            for (Isa isa : levels) {
                QxSearch got = s;
                qx_search_for(isa)(got);
                for (int k = 0; k < kQxSteps; ++k) {
                    ASSERT_TRUE(same_bits(got.sumlx[k], ref.sumlx[k])) << isa_name(isa) << " step " << k << " trial " << trial;
                    ASSERT_TRUE(same_bits(got.suml2[k], ref.suml2[k])) << isa_name(isa) << " step " << k << " trial " << trial;
                    for (int i = 0; i < n; ++i) ASSERT_EQ(got.levels[i][k], ref.levels[i][k]) << isa_name(isa) << " step " << k;
                }
            }
        }
    }
}

// ggml-quants.c's make_qx_quants (rmse_type 1), transcribed: the chosen levels and scale.
float ggml_qx(int n, int nmax, const float* x, const float* w, int8_t* L) {
    float max = 0, amax = 0;
    for (int i = 0; i < n; ++i) {
        if (std::fabs(x[i]) > amax) {
            amax = std::fabs(x[i]);
            max = x[i];
        }
    }
    if (amax < 1e-15f) {
        for (int i = 0; i < n; ++i) L[i] = 0;
        return 0.f;
    }
    float iscale = -float(nmax) / max, sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        const int l = std::max(-nmax, std::min(nmax - 1, nearest(iscale * x[i])));
        L[i] = int8_t(l + nmax);
        sumlx += w[i] * x[i] * float(l);
        suml2 += w[i] * float(l) * float(l);
    }
    float scale = suml2 ? sumlx / suml2 : 0.0f, best = scale * sumlx;
    for (int is = -9; is <= 9; ++is) {
        if (is == 0) continue;
        iscale = -(float(nmax) + 0.1f * float(is)) / max;
        sumlx = suml2 = 0;
        for (int i = 0; i < n; ++i) {
            const int l = std::max(-nmax, std::min(nmax - 1, nearest(iscale * x[i])));
            sumlx += w[i] * x[i] * float(l);
            suml2 += w[i] * float(l) * float(l);
        }
        if (suml2 > 0 && sumlx * sumlx > best * suml2) {
            for (int i = 0; i < n; ++i) L[i] = int8_t(nmax + std::max(-nmax, std::min(nmax - 1, nearest(iscale * x[i]))));
            scale = sumlx / suml2;
            best = scale * sumlx;
        }
    }
    return scale;
}

TEST(QxSearch, MakeQxQuantsFollowsGgmlsLoop) {
    std::mt19937 rng(13);
    for (const auto& [n, nmax] : {std::pair{16, 32}, std::pair{16, 4}, std::pair{32, 8}}) {
        for (int trial = 0; trial < 2000; ++trial) {
            const std::vector<float> x = block(n, trial, rng);
            const std::vector<float> w = weights_for(x, trial);
            int8_t want[32], got[32];
            const float want_scale = ggml_qx(n, nmax, x.data(), w.data(), want);
            const float got_scale = make_qx_quants(n, nmax, x.data(), got, trial % 2 ? w.data() : nullptr);
            ASSERT_TRUE(same_bits(got_scale, want_scale)) << "trial " << trial << ": " << got_scale << " vs " << want_scale;
            ASSERT_TRUE(std::equal(got, got + n, want)) << "trial " << trial;
        }
    }
}

}  // namespace
}  // namespace qs::quant_detail
