#include "eval/kl_divergence.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "model/model.h"

namespace qs {
namespace {

// Round to nearest (ties to even) through the 1.5 * 2^23 trick, as llama-perplexity does.
inline int nearest_int(float fval) {
    float val = fval + 12582912.f;
    int i;
    std::memcpy(&i, &val, sizeof(int));
    return (i & 0x007fffff) - 0x00400000;
}

// What one scored token contributes; kept per token so that sums run in a fixed order whatever
// the thread count.
struct TokenKld {
    float nll, nll_base;
    double kld;
    float p_diff;
    bool same_top;
};

TokenKld compare_token(std::span<const float> logits, const KldBaseCache& base, int64_t row, int32_t target) {
    const int64_t n = int64_t(logits.size());
    float max_logit = logits[0];
    int64_t imax = 0;
    for (int64_t i = 1; i < n; ++i)
        if (logits[size_t(i)] > max_logit) {
            max_logit = logits[size_t(i)];
            imax = i;
        }
    double sum_exp = 0.0;
    for (float l : logits) sum_exp += std::exp(l - max_logit);
    const float log_sum_exp = float(std::log(sum_exp));

    const float scale = base.scale(row), min_log_prob = base.min_log_prob(row);
    const uint16_t* q = base.row(row);
    TokenKld t;
    t.nll = max_logit + log_sum_exp - logits[size_t(target)];
    t.nll_base = -(scale * float(q[target]) + min_log_prob);

    const float log_norm = max_logit + log_sum_exp;  // log of the quantized model's partition sum
    double sum = 0.0;
    int64_t imax_base = -1;
    float p_log_base_max = 0.0f;
    for (int64_t i = 0; i < n; ++i) {
        const float p_log_base = scale * float(q[i]) + min_log_prob;
        if (i == 0 || p_log_base > p_log_base_max) {
            p_log_base_max = p_log_base;
            imax_base = i;
        }
        // Tokens more than 16 nats below the top are absent from the stored base distribution.
        if (p_log_base > -16.f) sum += std::exp(p_log_base) * (p_log_base - logits[size_t(i)] + log_norm);
    }
    t.kld = sum;
    t.same_top = imax == imax_base;
    t.p_diff = std::exp(-t.nll) - std::exp(-t.nll_base);
    return t;
}

// Running sums, as llama-perplexity's kl_divergence_result.
struct KldSums {
    double nll = 0, nll2 = 0, nll_base = 0, nll_base2 = 0, nll_nll_base = 0;
    double kld = 0, kld2 = 0, p_diff = 0, p_diff2 = 0, p_diff4 = 0;
    int64_t same_top = 0, count = 0;

    void add(const TokenKld& t) {
        nll += t.nll;
        nll2 += double(t.nll) * t.nll;
        nll_base += t.nll_base;
        nll_base2 += double(t.nll_base) * t.nll_base;
        nll_nll_base += double(t.nll) * t.nll_base;
        kld += t.kld;
        kld2 += t.kld * t.kld;
        p_diff += t.p_diff;
        const double d2 = double(t.p_diff) * t.p_diff;
        p_diff2 += d2;
        p_diff4 += d2 * d2;
        same_top += t.same_top;
        ++count;
    }
};

// Mean and the uncertainty of the mean; llama.cpp reports no uncertainty below 11 values.
ValueUnc mean_and_uncertainty(double sum, double sum2, int64_t count) {
    if (count < 1) return {};
    const double f = sum / double(count);
    double df = sum2 / double(count) - f * f;
    df = df > 0 && count > 10 ? std::sqrt(df / double(count - 1)) : 0.0;
    return {f, df};
}

double covariance(double suma, double sumb, double sumab, int64_t count) {
    if (count < 10) return 0.0;
    const double n = double(count);
    return (sumab / n - (suma / n) * (sumb / n)) / (n - 1);
}

// The running values llama-perplexity prints after each chunk.
KldReport::Chunk chunk_line(const KldSums& s) {
    KldReport::Chunk c;
    const ValueUnc log_ppl = mean_and_uncertainty(s.nll, s.nll2, s.count);
    const ValueUnc log_ppl_base = mean_and_uncertainty(s.nll_base, s.nll_base2, s.count);
    const double cov = covariance(s.nll, s.nll_base, s.nll_nll_base, s.count);
    c.ppl = {std::exp(log_ppl.value), std::exp(log_ppl.value) * log_ppl.unc};
    c.ln_ppl_ratio = {log_ppl.value - log_ppl_base.value,
                      std::sqrt(log_ppl.unc * log_ppl.unc + log_ppl_base.unc * log_ppl_base.unc - 2.0 * cov)};
    c.kld = mean_and_uncertainty(s.kld, s.kld2, s.count);
    const ValueUnc mse = mean_and_uncertainty(s.p_diff2, s.p_diff4, s.count);
    c.dp_rms = {std::sqrt(mse.value), 0.5 / std::sqrt(mse.value) * mse.unc};
    const double top = double(s.same_top) / double(s.count);
    c.same_top = {top, std::sqrt(top * (1 - top) / double(s.count - 1))};
    return c;
}

// llama-perplexity's percentile: float arithmetic, linear interpolation at f * (n - 1).
float percentile(const std::vector<float>& v, float fraction) {
    if (fraction <= 0) return v.front();
    if (fraction >= 1) return v.back();
    float p = fraction * float(v.size() - 1);
    const size_t ip = size_t(p);
    p -= float(ip);
    return (1 - p) * v[ip] + p * v[std::min(ip + 1, v.size() - 1)];
}

float median(const std::vector<float>& v) {
    const size_t n = v.size();
    return n % 2 == 0 ? 0.5f * (v[n / 2] + v[n / 2 - 1]) : v[n / 2];
}

}  // namespace

void KldBaseCache::append(std::span<const float> logits) {
    if (int64_t(logits.size()) != n_vocab_) throw Error("KL divergence: base row has the wrong vocabulary size");
    float max_logit = logits[0], min_logit = logits[0];
    for (float l : logits) {
        max_logit = std::max(max_logit, l);
        min_logit = std::min(min_logit, l);
    }
    min_logit = std::max(min_logit, max_logit - 16);
    double sum_exp = 0.0;
    for (float l : logits) sum_exp += std::exp(l - max_logit);
    const float log_sum_exp = float(std::log(sum_exp));
    const float scale = (max_logit - min_logit) / 65535.f;
    scale_.push_back(scale);
    min_log_prob_.push_back(min_logit - max_logit - log_sum_exp);
    const size_t at = q_.size();
    q_.resize(at + size_t(n_vocab_), 0);
    if (scale != 0.0f) {
        const float inv_scale = 1 / scale;
        for (size_t i = 0; i < logits.size(); ++i)
            q_[at + i] = logits[i] > min_logit ? uint16_t(nearest_int(inv_scale * (logits[i] - min_logit))) : 0;
    }
}

KldBase kld_base_collect(ModelContext& base, const Tokenizer& tokenizer, std::span<const int32_t> tokens,
                         const PerplexityOptions& opts, Progress& progress) {
    KldBase out;
    const int64_t n_vocab = base.model().hparams().n_vocab;
    out.cache = KldBaseCache(n_vocab, opts.n_ctx);
    out.perplexity = perplexity_run(base, tokenizer, tokens, opts, progress,
                                    [&](int, std::span<const float> logits, std::span<const int32_t> targets) {
                                        for (size_t j = 0; j < targets.size(); ++j)
                                            out.cache.append(logits.subspan(j * size_t(n_vocab), size_t(n_vocab)));
                                    });
    return out;
}

KldReport kld_run(ModelContext& quantized, const Tokenizer& tokenizer, std::span<const int32_t> tokens,
                  const PerplexityOptions& opts, const KldBaseCache& base, Progress& progress) {
    const int64_t n_vocab = quantized.model().hparams().n_vocab;
    if (n_vocab != base.n_vocab())
        throw Error(fmt::format("KL divergence: the model has {} tokens in its vocabulary, the base {}", n_vocab,
                                base.n_vocab()));
    if (opts.n_ctx != base.n_ctx())
        throw Error(fmt::format("KL divergence: context {} differs from the base run's {}", opts.n_ctx, base.n_ctx()));

    KldReport report;
    KldSums sums;
    std::vector<float> kld_values, p_diff_values;
    std::vector<TokenKld> chunk_tokens;
    int64_t row = 0;
    perplexity_run(quantized, tokenizer, tokens, opts, progress,
                   [&](int, std::span<const float> logits, std::span<const int32_t> targets) {
                       const int64_t n = int64_t(targets.size());
                       if (row + n > base.rows())
                           throw Error("KL divergence: more chunks than the base run evaluated");
                       chunk_tokens.resize(size_t(n));
#pragma omp parallel for schedule(static)
                       for (int64_t j = 0; j < n; ++j)
                           chunk_tokens[size_t(j)] = compare_token(logits.subspan(size_t(j * n_vocab), size_t(n_vocab)),
                                                                   base, row + j, targets[size_t(j)]);
                       for (const TokenKld& t : chunk_tokens) {
                           sums.add(t);
                           kld_values.push_back(float(t.kld));
                           p_diff_values.push_back(t.p_diff);
                       }
                       row += n;
                       report.per_chunk.push_back(chunk_line(sums));
                   });

    report.count = sums.count;
    if (sums.count == 0) return report;
    const KldReport::Chunk last = report.per_chunk.back();
    report.ppl_q = last.ppl;
    report.ln_ppl_ratio = last.ln_ppl_ratio;
    report.kld = last.kld;
    report.dp_rms = last.dp_rms;
    report.same_top = last.same_top;

    const ValueUnc log_ppl = mean_and_uncertainty(sums.nll, sums.nll2, sums.count);
    const ValueUnc log_ppl_base = mean_and_uncertainty(sums.nll_base, sums.nll_base2, sums.count);
    const double cov = covariance(sums.nll, sums.nll_base, sums.nll_nll_base, sums.count);
    report.ppl_base = {std::exp(log_ppl_base.value), std::exp(log_ppl_base.value) * log_ppl_base.unc};
    report.cor_ln_ppl = cov / (log_ppl.unc * log_ppl_base.unc);
    report.ppl_ratio = {std::exp(report.ln_ppl_ratio.value), std::exp(report.ln_ppl_ratio.value) * report.ln_ppl_ratio.unc};
    const double ppl_cov = report.ppl_q.value * report.ppl_base.value * cov;
    report.ppl_diff = {report.ppl_q.value - report.ppl_base.value,
                       std::sqrt(report.ppl_q.unc * report.ppl_q.unc + report.ppl_base.unc * report.ppl_base.unc - 2.0 * ppl_cov)};

    std::sort(kld_values.begin(), kld_values.end());
    std::sort(p_diff_values.begin(), p_diff_values.end());
    report.kld_max = kld_values.back();
    report.kld_p999 = percentile(kld_values, 0.999f);
    report.kld_p99 = percentile(kld_values, 0.990f);
    report.kld_p95 = percentile(kld_values, 0.950f);
    report.kld_p90 = percentile(kld_values, 0.900f);
    report.kld_median = median(kld_values);
    report.kld_p10 = percentile(kld_values, 0.100f);
    report.kld_p5 = percentile(kld_values, 0.050f);
    report.kld_p1 = percentile(kld_values, 0.010f);
    report.kld_p01 = percentile(kld_values, 0.001f);
    report.kld_min = kld_values.front();

    report.dp_mean = mean_and_uncertainty(sums.p_diff, sums.p_diff2, sums.count);
    report.dp_max = p_diff_values.back();
    report.dp_p999 = percentile(p_diff_values, 0.999f);
    report.dp_p99 = percentile(p_diff_values, 0.990f);
    report.dp_p95 = percentile(p_diff_values, 0.950f);
    report.dp_p90 = percentile(p_diff_values, 0.900f);
    report.dp_p75 = percentile(p_diff_values, 0.750f);
    report.dp_median = median(p_diff_values);
    report.dp_p25 = percentile(p_diff_values, 0.250f);
    report.dp_p10 = percentile(p_diff_values, 0.100f);
    report.dp_p5 = percentile(p_diff_values, 0.050f);
    report.dp_p1 = percentile(p_diff_values, 0.010f);
    report.dp_p01 = percentile(p_diff_values, 0.001f);
    report.dp_min = p_diff_values.front();
    return report;
}

}  // namespace qs
