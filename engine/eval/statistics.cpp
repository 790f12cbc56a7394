#include "eval/statistics.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>
#include <random>

namespace qs {

MeanStderr mean_with_stderr(std::span<const double> v) {
    MeanStderr r;
    if (v.empty()) return r;
    const double n = double(v.size());
    r.mean = std::accumulate(v.begin(), v.end(), 0.0) / n;
    if (v.size() < 2) return r;
    double ss = 0;
    for (double x : v) ss += (x - r.mean) * (x - r.mean);
    r.stderr_ = std::sqrt(ss / (n - 1) / n);
    return r;
}

double normal_quantile(double p) {
    // Bisection on Phi: needs no tabled constants and is called a handful of times per comparison.
    double lo = -40, hi = 40;
    for (int i = 0; i < 200; ++i) {
        const double mid = 0.5 * (lo + hi);
        (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
}

Interval paired_adjusted_wald(int64_t n, int64_t b, int64_t c, double level) {
    const double m = double(n) + 2.0;
    const double p1 = (double(b) + 1.0) / m, p2 = (double(c) + 1.0) / m;
    const double d = p2 - p1;
    const double se = std::sqrt(std::max(0.0, p1 + p2 - d * d) / m);
    const double z = normal_quantile(0.5 + 0.5 * level);
    return {d - z * se, d + z * se};
}

Interval wilson_interval(int64_t k, int64_t n, double z) {
    if (n <= 0) return {0.0, 1.0};
    const double nn = double(n), p = double(k) / nn, z2 = z * z;
    const double denom = 1.0 + z2 / nn;
    const double center = (p + z2 / (2 * nn)) / denom;
    const double half = z * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / denom;
    return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

double percentile_sorted(std::span<const double> sorted, double f) {
    assert(!sorted.empty());
    const double p = f * double(sorted.size() - 1);
    const size_t i = size_t(p);
    if (i + 1 >= sorted.size()) return sorted.back();
    const double frac = p - double(i);
    return (1.0 - frac) * sorted[i] + frac * sorted[i + 1];
}

double mcnemar_exact_p(int64_t b, int64_t c) {
    const int64_t n = b + c;
    if (n == 0) return 1.0;
    const int64_t k = std::min(b, c);
    // P(X <= k) for X ~ Binomial(n, 1/2), summed in log space so large n does not overflow.
    const double log_half_n = double(n) * std::log(0.5);
    double tail = 0.0;
    for (int64_t i = 0; i <= k; ++i)
        tail += std::exp(std::lgamma(double(n + 1)) - std::lgamma(double(i + 1)) - std::lgamma(double(n - i + 1)) + log_half_n);
    return std::min(1.0, 2.0 * tail);
}

Interval paired_bootstrap_diff(std::span<const uint8_t> base, std::span<const uint8_t> other, int iterations,
                               double level, uint64_t seed) {
    assert(base.size() == other.size());
    const size_t n = base.size();
    if (n == 0 || iterations <= 0) return {};
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<size_t> pick(0, n - 1);
    std::vector<double> diffs(static_cast<size_t>(iterations));
    for (double& d : diffs) {
        int64_t sum = 0;
        for (size_t i = 0; i < n; ++i) {
            const size_t j = pick(rng);
            sum += int64_t(other[j]) - int64_t(base[j]);
        }
        d = double(sum) / double(n);
    }
    std::sort(diffs.begin(), diffs.end());
    const double tail = (1.0 - level) / 2.0;
    return {percentile_sorted(diffs, tail), percentile_sorted(diffs, 1.0 - tail)};
}

double pearson(std::span<const double> x, std::span<const double> y) {
    assert(x.size() == y.size());
    const size_t n = x.size();
    if (n < 2) return 0.0;
    const double mx = std::accumulate(x.begin(), x.end(), 0.0) / double(n);
    const double my = std::accumulate(y.begin(), y.end(), 0.0) / double(n);
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; ++i) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return (sxx > 0 && syy > 0) ? sxy / std::sqrt(sxx * syy) : 0.0;
}

namespace {

// Ranks 1..n with ties given their average rank.
std::vector<double> average_ranks(std::span<const double> v) {
    std::vector<size_t> order(v.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
    std::vector<double> ranks(v.size());
    for (size_t i = 0; i < order.size();) {
        size_t j = i;
        while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
        const double avg = (double(i) + double(j)) / 2.0 + 1.0;
        for (size_t k = i; k <= j; ++k) ranks[order[k]] = avg;
        i = j + 1;
    }
    return ranks;
}

// ECE/MCE/RMSCE from filled bins.
Calibration summarize(std::vector<CalibrationBin> bins, size_t n_items) {
    Calibration c;
    double sq = 0;
    for (const CalibrationBin& b : bins) {
        if (b.count == 0) continue;
        const double gap = std::abs(b.accuracy - b.mean_confidence);
        const double w = double(b.count) / double(n_items);
        c.ece += w * gap;
        sq += w * gap * gap;
        c.mce = std::max(c.mce, gap);
    }
    c.rmsce = std::sqrt(sq);
    c.bins = std::move(bins);
    return c;
}

void finish_bin(CalibrationBin& b, double conf_sum, int64_t correct_sum) {
    if (b.count == 0) return;
    b.mean_confidence = conf_sum / double(b.count);
    b.accuracy = double(correct_sum) / double(b.count);
}

}  // namespace

double spearman(std::span<const double> x, std::span<const double> y) {
    const auto rx = average_ranks(x), ry = average_ranks(y);
    return pearson(rx, ry);
}

Calibration calibration_equal_width(std::span<const double> conf, std::span<const uint8_t> correct, int n_bins) {
    assert(conf.size() == correct.size() && n_bins > 0);
    std::vector<CalibrationBin> bins(static_cast<size_t>(n_bins));
    std::vector<double> conf_sum(size_t(n_bins), 0.0);
    std::vector<int64_t> correct_sum(size_t(n_bins), 0);
    for (int b = 0; b < n_bins; ++b) {
        bins[size_t(b)].lo = double(b) / n_bins;
        bins[size_t(b)].hi = double(b + 1) / n_bins;
    }
    for (size_t i = 0; i < conf.size(); ++i) {
        // Bin b holds (b/B, (b+1)/B]; ceil(c*B) - 1 computes that, with 0 joining the first bin.
        int b = int(std::ceil(conf[i] * n_bins)) - 1;
        b = std::clamp(b, 0, n_bins - 1);
        ++bins[size_t(b)].count;
        conf_sum[size_t(b)] += conf[i];
        correct_sum[size_t(b)] += correct[i];
    }
    for (int b = 0; b < n_bins; ++b) finish_bin(bins[size_t(b)], conf_sum[size_t(b)], correct_sum[size_t(b)]);
    return summarize(std::move(bins), conf.size());
}

Calibration calibration_equal_mass(std::span<const double> conf, std::span<const uint8_t> correct, int n_bins) {
    assert(conf.size() == correct.size() && n_bins > 0);
    const size_t n = conf.size();
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return conf[a] < conf[b]; });
    std::vector<CalibrationBin> bins;
    for (int b = 0; b < n_bins; ++b) {
        const size_t begin = n * size_t(b) / size_t(n_bins), end = n * size_t(b + 1) / size_t(n_bins);
        if (begin == end) continue;
        CalibrationBin bin;
        double cs = 0;
        int64_t ks = 0;
        for (size_t k = begin; k < end; ++k) {
            cs += conf[order[k]];
            ks += correct[order[k]];
        }
        bin.count = int64_t(end - begin);
        bin.lo = conf[order[begin]];
        bin.hi = conf[order[end - 1]];
        finish_bin(bin, cs, ks);
        bins.push_back(bin);
    }
    return summarize(std::move(bins), n);
}

double brier_score(std::span<const std::vector<double>> probabilities, std::span<const int> gold) {
    assert(probabilities.size() == gold.size());
    if (gold.empty()) return 0.0;
    double total = 0;
    for (size_t i = 0; i < gold.size(); ++i)
        for (size_t k = 0; k < probabilities[i].size(); ++k) {
            const double t = int(k) == gold[i] ? 1.0 : 0.0;
            total += (probabilities[i][k] - t) * (probabilities[i][k] - t);
        }
    return total / double(gold.size());
}

std::vector<double> softmax(std::span<const double> scores) {
    std::vector<double> p(scores.size());
    if (scores.empty()) return p;
    const double mx = *std::max_element(scores.begin(), scores.end());
    double sum = 0;
    for (size_t i = 0; i < scores.size(); ++i) sum += (p[i] = std::exp(scores[i] - mx));
    for (double& x : p) x /= sum;
    return p;
}

double pass_at_k(int64_t n, int64_t c, int64_t k) {
    if (n - c < k) return 1.0;
    double fail = 1.0;  // C(n-c, k) / C(n, k) as a product, never forming the binomials
    for (int64_t i = n - c + 1; i <= n; ++i) fail *= 1.0 - double(k) / double(i);
    return 1.0 - fail;
}

}  // namespace qs
