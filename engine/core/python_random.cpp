#include "python_random.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <unordered_set>

#include "core/error.h"

namespace qs {
namespace {

constexpr int kM = 397;

}  // namespace

PythonRandom::PythonRandom(uint64_t seed) {
    // CPython's random_seed: the absolute value's 32-bit words, least significant first (at least one).
    std::vector<uint32_t> key{uint32_t(seed)};
    if (seed >> 32) key.push_back(uint32_t(seed >> 32));
    // init_genrand(19650218), then init_by_array(key).
    mt_[0] = 19650218u;
    for (int i = 1; i < kN; ++i) mt_[i] = 1812433253u * (mt_[i - 1] ^ (mt_[i - 1] >> 30)) + uint32_t(i);
    int i = 1;
    size_t j = 0;
    for (int k = std::max<int>(kN, int(key.size())); k > 0; --k) {
        mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1664525u)) + key[j] + uint32_t(j);
        ++i;
        ++j;
        if (i >= kN) {
            mt_[0] = mt_[kN - 1];
            i = 1;
        }
        if (j >= key.size()) j = 0;
    }
    for (int k = kN - 1; k > 0; --k) {
        mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1566083941u)) - uint32_t(i);
        ++i;
        if (i >= kN) {
            mt_[0] = mt_[kN - 1];
            i = 1;
        }
    }
    mt_[0] = 0x80000000u;  // a non-zero initial state
    index_ = kN;
}

uint32_t PythonRandom::next_u32() {
    if (index_ >= kN) {
        for (int k = 0; k < kN; ++k) {
            const uint32_t y = (mt_[k] & 0x80000000u) | (mt_[(k + 1) % kN] & 0x7fffffffu);
            mt_[k] = mt_[(k + kM) % kN] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
        }
        index_ = 0;
    }
    uint32_t y = mt_[index_++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

uint32_t PythonRandom::getrandbits(int k) {
    if (k < 0 || k > 32) throw Error("PythonRandom::getrandbits: k must be 0..32");
    if (k == 0) return 0;
    return next_u32() >> (32 - k);
}

uint64_t PythonRandom::randbelow(uint64_t n) {
    if (n == 0 || n > (uint64_t(1) << 32)) throw Error("PythonRandom::randbelow: n must be 1..2^32");
    const int k = std::bit_width(n);  // n.bit_length(), not (n-1)'s: n may be 1
    if (k > 32) throw Error("PythonRandom::randbelow: n must be below 2^32");
    uint64_t r = getrandbits(k);
    while (r >= n) r = getrandbits(k);
    return r;
}

std::vector<uint64_t> PythonRandom::sample(uint64_t n, uint64_t k) {
    if (k > n) throw Error("PythonRandom::sample: sample larger than population");
    std::vector<uint64_t> result(k);
    // CPython chooses between a shrinking pool and a set of taken indices by memory size; the two
    // consume the generator differently, so the same rule decides here.
    uint64_t setsize = 21;
    if (k > 5) setsize += uint64_t(std::pow(4.0, std::ceil(std::log(double(k) * 3) / std::log(4.0))));
    if (n <= setsize) {
        std::vector<uint64_t> pool(n);
        for (uint64_t i = 0; i < n; ++i) pool[i] = i;
        for (uint64_t i = 0; i < k; ++i) {
            const uint64_t j = randbelow(n - i);
            result[i] = pool[j];
            pool[j] = pool[n - i - 1];
        }
    } else {
        std::unordered_set<uint64_t> selected;
        for (uint64_t i = 0; i < k; ++i) {
            uint64_t j = randbelow(n);
            while (selected.count(j)) j = randbelow(n);
            selected.insert(j);
            result[i] = j;
        }
    }
    return result;
}

}  // namespace qs
