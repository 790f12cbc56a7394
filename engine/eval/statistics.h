// Statistics used across evaluators, each defined the way the tool users compare against defines
// it (llama.cpp for percentiles and KLD uncertainties, lm-evaluation-harness for standard errors,
// torchmetrics / Guo et al. / HELM for calibration). Pure functions on plain vectors.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace qs {

struct Interval {
    double lo = 0, hi = 0;
};

// Mean of the values and its standard error sqrt(sample variance / n) (Bessel-corrected, as
// lm-eval's mean_stderr); stderr is 0 for fewer than two values.
struct MeanStderr {
    double mean = 0, stderr_ = 0;
};
MeanStderr mean_with_stderr(std::span<const double> values);

// Wilson score interval for k successes out of n at confidence z (1.95996 = 95 %), as
// llama.cpp's HellaSwag output uses. n = 0 gives [0, 1].
Interval wilson_interval(int64_t k, int64_t n, double z = 1.959963984540054);

// llama.cpp's percentile: values sorted ascending, linear interpolation at p = f * (n - 1).
// `sorted` must be sorted; f in [0, 1].
double percentile_sorted(std::span<const double> sorted, double f);

// McNemar's test on paired correctness: b = base right & other wrong, c = base wrong & other
// right. Returns the two-sided exact binomial p-value (mid-p is not used); 1 when b + c = 0.
double mcnemar_exact_p(int64_t b, int64_t c);

// Paired bootstrap of the difference in accuracy (other - base) over items, with a fixed seed so
// results are reproducible. Returns the percentile interval at `level` (0.95).
Interval paired_bootstrap_diff(std::span<const uint8_t> base_correct, std::span<const uint8_t> other_correct,
                               int iterations = 10000, double level = 0.95, uint64_t seed = 1234);

// Standard normal quantile (inverse of Phi), by bisection on erfc: exact to double rounding.
double normal_quantile(double p);

// Bonett & Price's adjusted Wald interval (2012) of the paired difference (other - base) in
// accuracy, as fractions, from n paired items and the discordant counts b = base right & other
// wrong, c = base wrong & other right: p1 = (b+1)/(n+2), p2 = (c+1)/(n+2), d = p2 - p1,
// se = sqrt((p1 + p2 - d^2)/(n+2)), d ± z se. Unlike the bootstrap it does not collapse to [0, 0]
// when no item changed (300 identical answers do not rule out a 1 % change rate).
Interval paired_adjusted_wald(int64_t n, int64_t b, int64_t c, double level = 0.95);

double pearson(std::span<const double> x, std::span<const double> y);
double spearman(std::span<const double> x, std::span<const double> y);  // Pearson of average ranks

// Calibration of top-1 predictions: confidence[i] in [0, 1], correct[i] in {0, 1}.
struct CalibrationBin {
    double lo = 0, hi = 0;          // confidence range of the bin
    int64_t count = 0;
    double mean_confidence = 0;     // 0 for empty bins
    double accuracy = 0;
};
struct Calibration {
    double ece = 0;                 // sum_b n_b/N |acc_b - conf_b|
    double mce = 0;                 // max over non-empty bins of |acc_b - conf_b|
    double rmsce = 0;               // sqrt(sum_b n_b/N (acc_b - conf_b)^2)
    std::vector<CalibrationBin> bins;
};
// Equal-width bins on [0, 1] (default 15, as Guo et al. and torchmetrics): bin b holds
// confidences in (b/B, (b+1)/B], with 0 in the first bin.
Calibration calibration_equal_width(std::span<const double> confidence, std::span<const uint8_t> correct, int n_bins = 15);
// Equal-mass bins (default 10, as HELM's ece_10_bin): sorted by confidence, split into n_bins
// groups of (nearly) equal size.
Calibration calibration_equal_mass(std::span<const double> confidence, std::span<const uint8_t> correct, int n_bins = 10);

// Multi-class Brier score: mean over items of sum_k (p_k - [k == gold])^2.
double brier_score(std::span<const std::vector<double>> probabilities, std::span<const int> gold);

// The unbiased pass@k estimator of Chen et al. (2021), as human-eval and HF code_eval compute it:
// with n samples of which c pass, 1 - C(n-c, k) / C(n, k) = 1 - prod_{i=n-c+1}^{n} (1 - k / i);
// 1 when n - c < k. Requires 1 <= k <= n and 0 <= c <= n.
double pass_at_k(int64_t n, int64_t c, int64_t k);

// Softmax of scores (max-subtracted).
std::vector<double> softmax(std::span<const double> scores);

}  // namespace qs
