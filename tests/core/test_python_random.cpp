// PythonRandom against CPython itself: the same seeds must give the same words, the same
// _randbelow draws and the same random.sample() picks (the few-shot draws lm-eval makes).
#include <gtest/gtest.h>

#include <sstream>

#include "../common/run_command.h"
#include "core/error.h"
#include "core/python_random.h"

namespace {

// Runs a Python program and returns its whitespace-separated integers; skips without python3.
std::vector<uint64_t> python_ints(const std::string& program) {
    std::string out;
    const int rc = qs::test::run_command("python3 -c '" + program + "'", out);
    if (rc == 127 || out.find("not found") != std::string::npos) return {};
    EXPECT_EQ(rc, 0) << out;
    std::vector<uint64_t> v;
    std::istringstream in(out);
    for (uint64_t x; in >> x;) v.push_back(x);
    return v;
}

TEST(PythonRandom, WordsMatchCPythonForSmallAndWideSeeds) {
    for (uint64_t seed : {uint64_t(0), uint64_t(1234), (uint64_t(1) << 40) + 5}) {
        const auto want = python_ints("import random\nr=random.Random(" + std::to_string(seed) + ")\nprint(*[r.getrandbits(32) for _ in range(700)])");
        if (want.empty()) GTEST_SKIP() << "python3 is not installed";
        qs::PythonRandom r(seed);
        for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(r.next_u32(), want[i]) << "seed " << seed << " word " << i;
    }
}

TEST(PythonRandom, RandbelowAndSampleMatchCPython) {
    // Both of sample()'s algorithms: a pool (n small against k) and a set of taken indices.
    const auto want = python_ints(
        "import random\nr=random.Random(1234)\n"
        "print(*[r._randbelow(n) for n in (1, 2, 3, 7, 1000, 7473, 4294967295)])\n"
        "for n,k in ((10,5),(21,3),(22,3),(7473,5),(7473,8),(40,8),(300,30)):\n"
        "    print(*r.sample(range(n), k))");
    if (want.empty()) GTEST_SKIP() << "python3 is not installed";
    qs::PythonRandom r(1234);
    std::vector<uint64_t> got;
    for (uint64_t n : {1ull, 2ull, 3ull, 7ull, 1000ull, 7473ull, 4294967295ull}) got.push_back(r.randbelow(n));
    for (auto [n, k] : std::vector<std::pair<uint64_t, uint64_t>>{{10, 5}, {21, 3}, {22, 3}, {7473, 5}, {7473, 8}, {40, 8}, {300, 30}})
        for (uint64_t x : r.sample(n, k)) got.push_back(x);
    EXPECT_EQ(got, want);
}

TEST(PythonRandom, RefusesImpossibleRequests) {
    qs::PythonRandom r(1);
    EXPECT_THROW(r.sample(3, 4), qs::Error);
    EXPECT_THROW(r.randbelow(0), qs::Error);
    EXPECT_THROW(r.getrandbits(33), qs::Error);
}

}  // namespace
