// Python's `random.Random`, bit for bit, for the draws other tools make with it: lm-evaluation-
// harness picks each item's few-shot examples with `random.Random(1234).sample(train_docs, k)`,
// one generator shared by all items in order. To prompt with the same examples (and so get
// comparable scores) we need Python's Mersenne Twister seeding (init_by_array, not std::mt19937's
// init_genrand), its getrandbits/_randbelow and its `sample` algorithm, as CPython 3.11 has them.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace qs {

class PythonRandom {
public:
    // random.Random(seed) for a non-negative integer seed.
    explicit PythonRandom(uint64_t seed);

    uint32_t next_u32();                  // genrand_uint32
    uint32_t getrandbits(int k);          // k in 0..32
    uint64_t randbelow(uint64_t n);       // _randbelow_with_getrandbits, n in 1..2^32
    // random.sample(range(n), k): k distinct indices in Python's order. k <= n.
    std::vector<uint64_t> sample(uint64_t n, uint64_t k);

private:
    static constexpr int kN = 624;
    std::array<uint32_t, kN> mt_{};
    int index_ = kN;
};

}  // namespace qs
