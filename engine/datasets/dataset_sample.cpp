// Subsets of items: our portable fixed-seed sample, and llama.cpp's HellaSwag task order.
#include <algorithm>
#include <numeric>
#include <random>

#include "datasets/task_dataset.h"

namespace qs {

namespace {

// Uniform integer in [0, bound) by rejection: unlike std::uniform_int_distribution, whose
// algorithm each standard library picks, this gives the same sequence everywhere.
uint64_t uniform_below(std::mt19937_64& rng, uint64_t bound) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t x;
    do x = rng(); while (x >= limit);
    return x % bound;
}

}  // namespace

std::vector<size_t> dataset_sample(size_t n_items, size_t limit, uint64_t seed) {
    if (limit >= n_items) {  // every item, in file order (no shuffle drawn)
        std::vector<size_t> indices(n_items);
        std::iota(indices.begin(), indices.end(), size_t{0});
        return indices;
    }
    std::vector<size_t> indices = dataset_sample_random_order(n_items, limit, seed);
    std::sort(indices.begin(), indices.end());
    return indices;
}

std::vector<size_t> dataset_sample_random_order(size_t n_items, size_t limit, uint64_t seed) {
    std::vector<size_t> indices(n_items);
    std::iota(indices.begin(), indices.end(), size_t{0});
    const size_t count = std::min(limit, n_items);
    std::mt19937_64 rng(seed);
    // Partial Fisher-Yates: the first `count` slots end up a uniform sample without replacement,
    // in a uniformly random order (with every item: a full shuffle).
    for (size_t i = 0; i < count && i + 1 < n_items; ++i) std::swap(indices[i], indices[i + uniform_below(rng, n_items - i)]);
    indices.resize(count);
    return indices;
}

std::vector<size_t> dataset_sample_llamacpp_hellaswag(size_t n_items, size_t limit) {
    // llama-perplexity always randomizes (even when every task is used): rng(1), then for each slot
    // a uniform index among the tasks still in the list, which is then erased from the list.
    std::vector<size_t> remaining(n_items);
    std::iota(remaining.begin(), remaining.end(), size_t{0});
    const size_t count = std::min(limit, n_items);
    std::vector<size_t> order;
    order.reserve(count);
    std::mt19937 rng(1);
    for (size_t i = 0; i < count; ++i) {
        std::uniform_int_distribution<size_t> dist(0, remaining.size() - 1);
        const size_t pick = dist(rng);
        order.push_back(remaining[pick]);
        remaining.erase(remaining.begin() + std::ptrdiff_t(pick));
    }
    return order;
}

}  // namespace qs
