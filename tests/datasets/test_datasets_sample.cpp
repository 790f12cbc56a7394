// Subset selection: fixed-seed, portable, ascending; limit >= n gives everything; llama.cpp order.
#include <algorithm>
#include <random>
#include <set>

#include "test_support.h"

using namespace qs;

TEST(DatasetSample, DeterministicSortedDistinct) {
    const auto a = dataset_sample(1000, 50, 42);
    const auto b = dataset_sample(1000, 50, 42);
    EXPECT_EQ(a, b);
    ASSERT_EQ(a.size(), 50u);
    EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
    EXPECT_EQ(std::set<size_t>(a.begin(), a.end()).size(), 50u);
    EXPECT_LT(a.back(), 1000u);
    EXPECT_NE(a, dataset_sample(1000, 50, 43));
    // Not simply a prefix of the file.
    EXPECT_GT(a.back(), 100u);
}

TEST(DatasetSample, LimitAtLeastNReturnsAllInOrder) {
    for (size_t limit : {size_t(10), size_t(11), size_t(1000)}) {
        const auto all = dataset_sample(10, limit, 7);
        ASSERT_EQ(all.size(), 10u);
        for (size_t i = 0; i < 10; ++i) EXPECT_EQ(all[i], i);
    }
    EXPECT_TRUE(dataset_sample(10, 0, 7).empty());
    EXPECT_TRUE(dataset_sample(0, 5, 7).empty());
}

TEST(DatasetSample, SampleIsRoughlyUniform) {
    // Every index of 20 should be picked about half the time over many seeds with limit 10.
    std::vector<int> hits(20, 0);
    for (uint64_t seed = 0; seed < 2000; ++seed)
        for (size_t i : dataset_sample(20, 10, seed)) ++hits[i];
    for (int h : hits) EXPECT_NEAR(h, 1000, 150);
}

TEST(DatasetSample, LlamacppHellaswagOrderReplaysTheErasingDraw) {
    const auto order = dataset_sample_llamacpp_hellaswag(10042, 200);
    ASSERT_EQ(order.size(), 200u);
    EXPECT_EQ(std::set<size_t>(order.begin(), order.end()).size(), 200u);
    // Replay llama.cpp's loop independently on a list of ids.
    std::vector<size_t> left(10042);
    for (size_t i = 0; i < left.size(); ++i) left[i] = i;
    std::mt19937 rng(1);
    for (size_t i = 0; i < 200; ++i) {
        std::uniform_int_distribution<size_t> dist(0, left.size() - 1);
        const size_t idx = dist(rng);
        EXPECT_EQ(order[i], left[idx]);
        left.erase(left.begin() + std::ptrdiff_t(idx));
    }
    // Asking for more tasks than exist gives a full permutation (llama.cpp always shuffles).
    const auto all = dataset_sample_llamacpp_hellaswag(5, 100);
    EXPECT_EQ(std::set<size_t>(all.begin(), all.end()).size(), 5u);
}

// --until-decided's order: the seeded subset's items, shuffled (so a run stopped early scored a
// random sample); with every item, a permutation of all of them.
TEST(DatasetSample, RandomOrderHoldsTheSeededSubsetShuffled) {
    const auto sorted = dataset_sample(1000, 50, 42);
    auto shuffled = dataset_sample_random_order(1000, 50, 42);
    EXPECT_FALSE(std::is_sorted(shuffled.begin(), shuffled.end()));
    std::sort(shuffled.begin(), shuffled.end());
    EXPECT_EQ(shuffled, sorted);
    auto all = dataset_sample_random_order(20, 20, 7);
    EXPECT_FALSE(std::is_sorted(all.begin(), all.end()));
    std::sort(all.begin(), all.end());
    for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], i);
}
