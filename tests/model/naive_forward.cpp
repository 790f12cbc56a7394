#include "naive_forward.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace qs::test {
namespace {

using Vec = std::vector<double>;

Vec rms_norm(const Vec& x, const std::vector<float>& w, double eps) {
    double ss = 0;
    for (double v : x) ss += v * v;
    const double r = 1.0 / std::sqrt(ss / double(x.size()) + eps);
    Vec y(x.size());
    for (size_t i = 0; i < x.size(); ++i) y[i] = x[i] * r * w[i];
    return y;
}

// y[j] = sum_i W[j][i] x[i] (+ b[j])
Vec linear(const RefMatrix& m, const Vec& x, const std::vector<float>& b = {}) {
    Vec y(static_cast<size_t>(m.n));
    for (int64_t j = 0; j < m.n; ++j) {
        double s = b.empty() ? 0.0 : b[size_t(j)];
        for (int64_t i = 0; i < m.k; ++i) s += double(m.w[size_t(j * m.k + i)]) * x[size_t(i)];
        y[size_t(j)] = s;
    }
    return y;
}

// Rotary embedding of one head (length head_dim) at position pos: pair i (i < n_rot/2) turns by
// pos * scale * base^(-2i/n_rot) / divisor[i] (Llama 3.1's rope_freqs; 1 without them). Llama pairs
// dims (2i, 2i+1); NeoX pairs (i, i + n_rot/2).
void rope(double* x, int64_t n_rot, int64_t pos, double base, double scale, bool neox, const std::vector<float>& divisor) {
    for (int64_t i = 0; i < n_rot / 2; ++i) {
        const double d = divisor.empty() ? 1.0 : double(divisor[size_t(i)]);
        const double angle = double(pos) * scale * std::pow(base, -2.0 * double(i) / double(n_rot)) / d;
        const int64_t a = neox ? i : 2 * i, b = neox ? i + n_rot / 2 : 2 * i + 1;
        const double x0 = x[a], x1 = x[b];
        x[a] = x0 * std::cos(angle) - x1 * std::sin(angle);
        x[b] = x0 * std::sin(angle) + x1 * std::cos(angle);
    }
}

double silu(double x) { return x / (1.0 + std::exp(-x)); }

// GeLU with tanh, as ggml's CPU backend applies it in a gated FFN: the input and the result are
// rounded to half precision (it looks gelu up in a table of f16 values), identity above 10 and 0
// below -10. _Float16 gives the rounding independently of the engine's own conversion.
double gelu_ggml(double x) {
    if (x <= -10.0) return 0.0;
    if (x >= 10.0) return x;
    const double h = double(static_cast<_Float16>(float(x)));
    const double g = 0.5 * h * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * h * (1.0 + 0.044715 * h * h)));
    return double(static_cast<_Float16>(float(g)));
}

struct Arch {
    bool neox, qk_norm, post_norms, gemma, moe;
    double embd_scale;
};

Arch arch_of(const RandomModelSpec& sp) {
    const std::string& a = sp.arch;
    const bool gemma = a == "gemma2" || a == "gemma3";
    return {a != "llama", a == "qwen3" || a == "qwen3moe" || a == "gemma3", gemma, gemma, a == "qwen3moe",
            gemma ? std::sqrt(double(sp.n_embd)) : 1.0};
}

// Whether layer il attends through a sliding window, and which window (gemma2 default 4096
// every other layer, gemma3 none unless the file sets one, every 6th layer global by default).
int64_t window_of(const RandomModelSpec& sp, int64_t il) {
    if (sp.arch != "gemma2" && sp.arch != "gemma3") return 0;
    const int64_t n_swa = sp.n_swa ? sp.n_swa : (sp.arch == "gemma2" ? 4096 : 0);
    const int64_t period = sp.swa_pattern ? sp.swa_pattern : (sp.arch == "gemma2" ? 2 : 6);
    return n_swa > 0 && il % period < period - 1 ? n_swa : 0;
}

double cap(double x, double c) { return c > 0 ? c * std::tanh(x / c) : x; }

// The top-k experts' FFN of one row, weighted by their renormalised softmax probabilities.
Vec moe_ffn(const RefLayer& l, const RandomModelSpec& sp, const Vec& xn) {
    Vec logit = linear(l.router, xn);
    const double mx = *std::max_element(logit.begin(), logit.end());
    double z = 0;
    for (double& v : logit) z += (v = std::exp(v - mx));
    std::vector<int> idx(logit.size());
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = int(i);
    std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return logit[size_t(a)] > logit[size_t(b)]; });
    double wsum = 0;
    for (int64_t j = 0; j < sp.n_expert_used; ++j) wsum += logit[size_t(idx[size_t(j)])] / z;
    Vec out(xn.size(), 0.0);
    for (int64_t j = 0; j < sp.n_expert_used; ++j) {
        const size_t e = size_t(idx[size_t(j)]);
        Vec g = linear(l.exp_gate[e], xn);
        const Vec u = linear(l.exp_up[e], xn);
        for (size_t i = 0; i < g.size(); ++i) g[i] = silu(g[i]) * u[i];
        const Vec d = linear(l.exp_down[e], g);
        for (size_t i = 0; i < out.size(); ++i) out[i] += logit[e] / z / wsum * d[i];
    }
    return out;
}

}  // namespace

std::vector<std::vector<double>> naive_forward(const RefModel& m, const std::vector<int32_t>& tokens) {
    const RandomModelSpec& sp = m.spec;
    const Arch arch = arch_of(sp);
    const int64_t e = sp.n_embd, hd = sp.head_dim(), n_rot = sp.n_rot ? sp.n_rot : hd;
    const double scale = sp.rope_scale_factor != 0.0f ? 1.0 / double(sp.rope_scale_factor) : 1.0;
    const int64_t n = int64_t(tokens.size());

    std::vector<Vec> x(static_cast<size_t>(n), Vec(static_cast<size_t>(e)));
    for (int64_t t = 0; t < n; ++t)
        for (int64_t i = 0; i < e; ++i)
            x[size_t(t)][size_t(i)] = m.token_embd.w[size_t(tokens[size_t(t)] * e + i)] * arch.embd_scale;

    for (int64_t il = 0; il < int64_t(m.layers.size()); ++il) {
        const RefLayer& l = m.layers[size_t(il)];
        const int64_t window = window_of(sp, il);
        // gemma3's windowed layers turn with the local base (10000 unless the file says), not the global one.
        const double base = window && sp.arch == "gemma3" ? (sp.rope_freq_base_swa > 0 ? sp.rope_freq_base_swa : 10000.0)
                                                          : double(sp.rope_freq_base);
        const double rope_scale = window && sp.arch == "gemma3" ? 1.0 : scale;
        std::vector<Vec> q(static_cast<size_t>(n)), k(q), v(q);
        for (int64_t t = 0; t < n; ++t) {
            const Vec xn = rms_norm(x[size_t(t)], l.attn_norm, sp.rms_eps);
            q[size_t(t)] = linear(l.wq, xn, l.bq);
            k[size_t(t)] = linear(l.wk, xn, l.bk);
            v[size_t(t)] = linear(l.wv, xn, l.bv);
            if (arch.qk_norm) {  // each head on its own, before RoPE
                for (int64_t h = 0; h < sp.n_head; ++h) {
                    const Vec head(q[size_t(t)].begin() + h * hd, q[size_t(t)].begin() + (h + 1) * hd);
                    const Vec normed = rms_norm(head, l.q_norm, sp.rms_eps);
                    std::copy(normed.begin(), normed.end(), q[size_t(t)].begin() + h * hd);
                }
                for (int64_t h = 0; h < sp.n_head_kv; ++h) {
                    const Vec head(k[size_t(t)].begin() + h * hd, k[size_t(t)].begin() + (h + 1) * hd);
                    const Vec normed = rms_norm(head, l.k_norm, sp.rms_eps);
                    std::copy(normed.begin(), normed.end(), k[size_t(t)].begin() + h * hd);
                }
            }
            for (int64_t h = 0; h < sp.n_head; ++h) rope(&q[size_t(t)][size_t(h * hd)], n_rot, t, base, rope_scale, arch.neox, sp.rope_freqs);
            for (int64_t h = 0; h < sp.n_head_kv; ++h) rope(&k[size_t(t)][size_t(h * hd)], n_rot, t, base, rope_scale, arch.neox, sp.rope_freqs);
        }
        for (int64_t t = 0; t < n; ++t) {
            Vec att(static_cast<size_t>(sp.n_head * hd), 0.0);
            const int64_t first = window ? std::max<int64_t>(0, t - window + 1) : 0;  // keys t - window < j <= t
            for (int64_t h = 0; h < sp.n_head; ++h) {
                const int64_t g = h * sp.n_head_kv / sp.n_head;  // query heads share KV heads in groups
                Vec p(static_cast<size_t>(t + 1), 0.0);
                double mx = -1e300;
                for (int64_t j = first; j <= t; ++j) {
                    double s = 0;
                    for (int64_t d = 0; d < hd; ++d) s += q[size_t(t)][size_t(h * hd + d)] * k[size_t(j)][size_t(g * hd + d)];
                    p[size_t(j)] = cap(s / std::sqrt(double(hd)), sp.attn_softcap);
                    mx = std::max(mx, p[size_t(j)]);
                }
                double z = 0;
                for (int64_t j = first; j <= t; ++j) z += (p[size_t(j)] = std::exp(p[size_t(j)] - mx));
                for (int64_t j = first; j <= t; ++j)
                    for (int64_t d = 0; d < hd; ++d) att[size_t(h * hd + d)] += p[size_t(j)] / z * v[size_t(j)][size_t(g * hd + d)];
            }
            Vec o = linear(l.wo, att);
            if (arch.post_norms) o = rms_norm(o, l.post_attn_norm, sp.rms_eps);
            for (int64_t i = 0; i < e; ++i) x[size_t(t)][size_t(i)] += o[size_t(i)];

            const Vec xn = rms_norm(x[size_t(t)], l.ffn_norm, sp.rms_eps);
            Vec d;
            if (arch.moe) {
                d = moe_ffn(l, sp, xn);
            } else {
                Vec g = linear(l.gate, xn);
                const Vec u = linear(l.up, xn);
                for (size_t i = 0; i < g.size(); ++i) g[i] = (arch.gemma ? gelu_ggml(g[i]) : silu(g[i])) * u[i];
                d = linear(l.down, g);
            }
            if (arch.post_norms) d = rms_norm(d, l.post_ffw_norm, sp.rms_eps);
            for (int64_t i = 0; i < e; ++i) x[size_t(t)][size_t(i)] += d[size_t(i)];
        }
    }
    std::vector<Vec> logits(static_cast<size_t>(n));
    for (int64_t t = 0; t < n; ++t) {
        logits[size_t(t)] = linear(m.output, rms_norm(x[size_t(t)], m.output_norm, sp.rms_eps));
        for (double& z : logits[size_t(t)]) z = cap(z, sp.final_softcap);
    }
    return logits;
}

}  // namespace qs::test
