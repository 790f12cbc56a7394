// The knapsack against brute force over every combination on random small instances.
#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "mixplan/mix_optimize.h"

namespace qs {
namespace {

struct Brute {
    double best_kld = std::numeric_limits<double>::infinity();
    uint64_t best_bytes = UINT64_MAX;
};

// Every combination: min KLD within max_bytes, and min bytes within max_kld.
void enumerate(const std::vector<std::vector<MixOption>>& opts, size_t g, uint64_t bytes, double kld, uint64_t max_bytes,
               double max_kld, Brute& by_bytes, Brute& by_kld) {
    if (g == opts.size()) {
        if (bytes <= max_bytes && kld < by_bytes.best_kld) by_bytes.best_kld = kld;
        if (kld <= max_kld && bytes < by_kld.best_bytes) by_kld.best_bytes = bytes;
        return;
    }
    for (const MixOption& o : opts[g]) enumerate(opts, g + 1, bytes + o.bytes, kld + o.kld, max_bytes, max_kld, by_bytes, by_kld);
}

TEST(MixOptimize, MatchesBruteForce) {
    std::mt19937 rng(7);
    for (int trial = 0; trial < 200; ++trial) {
        const int groups = 1 + int(rng() % 6), types = 1 + int(rng() % 4);
        std::vector<std::vector<MixOption>> opts(static_cast<size_t>(groups));
        uint64_t total = 0;
        for (auto& o : opts) {
            for (int t = 0; t < types; ++t) o.push_back({uint64_t(16 * (1 + rng() % 40)), double(rng() % 1000) / 100.0});
            total += o[0].bytes;
        }
        const uint64_t max_bytes = total * (1 + rng() % 3) / 2;
        const double max_kld = double(rng() % 2000) / 100.0;
        Brute by_bytes, by_kld;
        enumerate(opts, 0, 0, 0.0, max_bytes, max_kld, by_bytes, by_kld);

        const MixPlan pb = mix_optimize_bytes(opts, max_bytes);
        EXPECT_TRUE(pb.exact);
        if (by_bytes.best_kld == std::numeric_limits<double>::infinity()) {
            EXPECT_FALSE(pb.feasible);
        } else {
            ASSERT_TRUE(pb.feasible) << trial;
            EXPECT_LE(pb.bytes, max_bytes);
            EXPECT_NEAR(pb.predicted_kld, by_bytes.best_kld, 1e-9) << trial;
        }
        const MixPlan pk = mix_optimize_kld(opts, max_kld);
        if (by_kld.best_bytes == UINT64_MAX) {
            EXPECT_FALSE(pk.feasible);
        } else {
            ASSERT_TRUE(pk.feasible) << trial;
            EXPECT_LE(pk.predicted_kld, max_kld + 1e-12);
            EXPECT_EQ(pk.bytes, by_kld.best_bytes) << trial;
        }
        // The plan's totals are those of the options it names.
        uint64_t b = 0;
        for (size_t g = 0; g < opts.size(); ++g) b += opts[g][size_t(pb.choice[g])].bytes;
        EXPECT_EQ(b, pb.bytes);
    }
}

TEST(MixOptimize, CoarseUnitsNeverExceedTheBudget) {
    // Byte counts with gcd 1 over a budget far beyond the table's columns: rounded-up units.
    std::mt19937 rng(3);
    std::vector<std::vector<MixOption>> opts(40);
    for (auto& o : opts)
        for (int t = 0; t < 5; ++t) o.push_back({uint64_t(1000003 + rng() % 9000017), double(5 - t) + double(rng() % 100) / 1000.0});
    const uint64_t budget = 40ull * 5000000;
    const MixPlan p = mix_optimize_bytes(opts, budget);
    EXPECT_FALSE(p.exact);
    ASSERT_TRUE(p.feasible);
    EXPECT_LE(p.bytes, budget);
}

}  // namespace
}  // namespace qs
