// The sampler chain against naive computations of what each step must give (engine/generate/sampler.h).
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "core/error.h"
#include "generate/generate.h"
#include "generate/sampler.h"

namespace qs {
namespace {

std::vector<float> logs_of(const std::vector<double>& p) {
    std::vector<float> l;
    for (double x : p) l.push_back(float(std::log(x)));
    return l;
}

// Frequencies of each token over n draws.
std::map<int32_t, double> frequencies(Sampler& s, const std::vector<float>& logits, int n) {
    std::map<int32_t, double> f;
    for (int i = 0; i < n; ++i) f[s.sample(logits)] += 1.0 / n;
    return f;
}

SamplerParams plain(float temp) {
    SamplerParams p;
    p.temperature = temp;
    p.top_k = 0;
    p.top_p = 1.0f;
    p.min_p = 0.0f;
    return p;
}

TEST(Sampler, GreedyIsTheArgmaxWhateverTheFilters) {
    Sampler s(SamplerParams{});
    EXPECT_EQ(s.sample(std::vector<float>{0.1f, 3.0f, -2.0f, 2.9f}), 1);
    EXPECT_EQ(s.sample(std::vector<float>{-5.0f, -4.0f, -4.5f}), 1);
    EXPECT_EQ(s.sample(std::vector<float>{1.0f, 1.0f}), 0);  // ties: lowest id
}

TEST(Sampler, TemperatureOneSamplesTheSoftmax) {
    const std::vector<double> p = {0.5, 0.3, 0.2};
    Sampler s(plain(1.0f));
    const auto f = frequencies(s, logs_of(p), 40000);
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(f.at(i), p[size_t(i)], 0.015) << i;
}

TEST(Sampler, TemperatureDividesTheLogits) {
    const std::vector<double> p = {0.7, 0.2, 0.1};
    Sampler s(plain(2.0f));
    const auto f = frequencies(s, logs_of(p), 40000);
    // softmax(log p / 2) = sqrt(p) / sum sqrt(p)
    double z = 0;
    for (double x : p) z += std::sqrt(x);
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(f.at(i), std::sqrt(p[size_t(i)]) / z, 0.015) << i;
}

TEST(Sampler, TopKKeepsTheKBest) {
    SamplerParams params = plain(1.0f);
    params.top_k = 2;
    Sampler s(params);
    const auto f = frequencies(s, logs_of({0.1, 0.4, 0.2, 0.3}), 20000);
    EXPECT_EQ(f.count(0), 0u);
    EXPECT_EQ(f.count(2), 0u);
    EXPECT_NEAR(f.at(1), 0.4 / 0.7, 0.015);
    EXPECT_NEAR(f.at(3), 0.3 / 0.7, 0.015);
}

TEST(Sampler, TopPKeepsTheShortestPrefixReachingP) {
    SamplerParams params = plain(1.0f);
    params.top_p = 0.75f;  // 0.5 < 0.75 <= 0.5 + 0.3
    Sampler s(params);
    const auto f = frequencies(s, logs_of({0.5, 0.3, 0.15, 0.05}), 20000);
    EXPECT_EQ(f.size(), 2u);
    EXPECT_NEAR(f.at(0), 0.5 / 0.8, 0.015);
}

TEST(Sampler, MinPDropsTokensBelowAFractionOfTheBest) {
    SamplerParams params = plain(1.0f);
    params.min_p = 0.35f;  // keeps p >= 0.175
    Sampler s(params);
    const auto f = frequencies(s, logs_of({0.5, 0.3, 0.15, 0.05}), 20000);
    EXPECT_EQ(f.size(), 2u);
    EXPECT_EQ(f.count(2), 0u);
}

TEST(Sampler, SameSeedSameDrawsAndResetRepeatsThem) {
    const std::vector<float> logits(50, 0.0f);  // uniform over 50 tokens
    Sampler a(plain(1.0f)), b(plain(1.0f));
    SamplerParams other = plain(1.0f);
    other.seed = 99;
    Sampler c(other);
    std::vector<int32_t> da, db, dc;
    for (int i = 0; i < 20; ++i) da.push_back(a.sample(logits)), db.push_back(b.sample(logits)), dc.push_back(c.sample(logits));
    EXPECT_EQ(da, db);
    EXPECT_NE(da, dc);
    a.reset();
    std::vector<int32_t> again;
    for (int i = 0; i < 20; ++i) again.push_back(a.sample(logits));
    EXPECT_EQ(again, da);
}

TEST(Sampler, RepetitionPenaltyDividesPositiveAndMultipliesNegativeLogits) {
    SamplerParams params;
    params.repeat_penalty = 1.5f;
    Sampler s(params);
    s.accept(0);
    EXPECT_EQ(s.sample(std::vector<float>{2.0f, 1.9f, -1.0f}), 1);   // 2 / 1.5 = 1.33 < 1.9
    Sampler n(params);
    n.accept(0);
    EXPECT_EQ(n.sample(std::vector<float>{-1.0f, -1.2f}), 1);        // -1 * 1.5 = -1.5 < -1.2
}

TEST(Sampler, PenaltyOnlySeesTheLastNTokens) {
    SamplerParams params;
    params.repeat_penalty = 10.0f;
    params.repeat_last_n = 2;
    Sampler s(params);
    s.accept(0);
    s.accept(5);
    s.accept(6);  // token 0 left the window
    EXPECT_EQ(s.sample(std::vector<float>{2.0f, 1.9f, 0, 0, 0, 0, 0}), 0);
    s.accept(0);
    EXPECT_EQ(s.sample(std::vector<float>{2.0f, 1.9f, 0, 0, 0, 0, 0}), 1);
}

TEST(Sampler, FrequencyAndPresencePenaltiesSubtract) {
    SamplerParams params;
    params.frequency_penalty = 0.5f;
    params.presence_penalty = 0.2f;
    Sampler s(params);
    s.accept(0);
    s.accept(0);  // 2.0 - 2 * 0.5 - 0.2 = 0.8 < 0.9
    EXPECT_EQ(s.sample(std::vector<float>{2.0f, 0.9f}), 1);
}

TEST(Sampler, BadParametersAreErrors) {
    SamplerParams p;
    p.top_p = 1.5f;
    EXPECT_THROW(Sampler{p}, Error);
    p = {};
    p.min_p = -0.1f;
    EXPECT_THROW(Sampler{p}, Error);
    p = {};
    p.repeat_penalty = 0.0f;
    EXPECT_THROW(Sampler{p}, Error);
    p = {};
    p.repeat_last_n = -1;
    EXPECT_THROW(Sampler{p}, Error);
}

TEST(StopStrings, EarliestStartWinsAcrossStrings) {
    size_t which = 99;
    EXPECT_EQ(stop_string_find("abc\ndef\nclass", {"\nclass", "\ndef"}, 0, &which), 3u);
    EXPECT_EQ(which, 1u);
    EXPECT_EQ(stop_string_find("abc", {"", "x"}), std::string::npos);
    EXPECT_EQ(stop_string_find("xx#yy#", {"#"}, 3), 5u);
}

}  // namespace
}  // namespace qs
