#include "naive_forward.h"

#include <cmath>

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
// pos * scale * base^(-2i/n_rot). Llama pairs dims (2i, 2i+1); NeoX pairs (i, i + n_rot/2).
void rope(double* x, int64_t n_rot, int64_t pos, double base, double scale, bool neox) {
    for (int64_t i = 0; i < n_rot / 2; ++i) {
        const double angle = double(pos) * scale * std::pow(base, -2.0 * double(i) / double(n_rot));
        const int64_t a = neox ? i : 2 * i, b = neox ? i + n_rot / 2 : 2 * i + 1;
        const double x0 = x[a], x1 = x[b];
        x[a] = x0 * std::cos(angle) - x1 * std::sin(angle);
        x[b] = x0 * std::sin(angle) + x1 * std::cos(angle);
    }
}

}  // namespace

std::vector<std::vector<double>> naive_forward(const RefModel& m, const std::vector<int32_t>& tokens) {
    const RandomModelSpec& sp = m.spec;
    const bool neox = sp.arch == "qwen2";
    const int64_t e = sp.n_embd, hd = sp.head_dim(), n_rot = sp.n_rot ? sp.n_rot : hd;
    const double scale = sp.rope_scale_factor != 0.0f ? 1.0 / double(sp.rope_scale_factor) : 1.0;
    const int64_t n = int64_t(tokens.size());

    std::vector<Vec> x(static_cast<size_t>(n), Vec(static_cast<size_t>(e)));
    for (int64_t t = 0; t < n; ++t)
        for (int64_t i = 0; i < e; ++i) x[size_t(t)][size_t(i)] = m.token_embd.w[size_t(tokens[size_t(t)] * e + i)];

    for (const RefLayer& l : m.layers) {
        std::vector<Vec> q(static_cast<size_t>(n)), k(q), v(q);
        for (int64_t t = 0; t < n; ++t) {
            const Vec xn = rms_norm(x[size_t(t)], l.attn_norm, sp.rms_eps);
            q[size_t(t)] = linear(l.wq, xn, l.bq);
            k[size_t(t)] = linear(l.wk, xn, l.bk);
            v[size_t(t)] = linear(l.wv, xn, l.bv);
            for (int64_t h = 0; h < sp.n_head; ++h) rope(&q[size_t(t)][size_t(h * hd)], n_rot, t, sp.rope_freq_base, scale, neox);
            for (int64_t h = 0; h < sp.n_head_kv; ++h) rope(&k[size_t(t)][size_t(h * hd)], n_rot, t, sp.rope_freq_base, scale, neox);
        }
        for (int64_t t = 0; t < n; ++t) {
            Vec att(static_cast<size_t>(sp.n_head * hd), 0.0);
            for (int64_t h = 0; h < sp.n_head; ++h) {
                const int64_t g = h * sp.n_head_kv / sp.n_head;  // query heads share KV heads in groups
                Vec p(static_cast<size_t>(t + 1));
                double mx = -1e300;
                for (int64_t j = 0; j <= t; ++j) {
                    double s = 0;
                    for (int64_t d = 0; d < hd; ++d) s += q[size_t(t)][size_t(h * hd + d)] * k[size_t(j)][size_t(g * hd + d)];
                    p[size_t(j)] = s / std::sqrt(double(hd));
                    mx = std::max(mx, p[size_t(j)]);
                }
                double z = 0;
                for (double& pj : p) z += (pj = std::exp(pj - mx));
                for (int64_t j = 0; j <= t; ++j)
                    for (int64_t d = 0; d < hd; ++d) att[size_t(h * hd + d)] += p[size_t(j)] / z * v[size_t(j)][size_t(g * hd + d)];
            }
            const Vec o = linear(l.wo, att);
            for (int64_t i = 0; i < e; ++i) x[size_t(t)][size_t(i)] += o[size_t(i)];

            const Vec xn = rms_norm(x[size_t(t)], l.ffn_norm, sp.rms_eps);
            Vec g = linear(l.gate, xn);
            const Vec u = linear(l.up, xn);
            for (size_t i = 0; i < g.size(); ++i) g[i] = g[i] / (1.0 + std::exp(-g[i])) * u[i];
            const Vec d = linear(l.down, g);
            for (int64_t i = 0; i < e; ++i) x[size_t(t)][size_t(i)] += d[size_t(i)];
        }
    }
    std::vector<Vec> logits(static_cast<size_t>(n));
    for (int64_t t = 0; t < n; ++t) logits[size_t(t)] = linear(m.output, rms_norm(x[size_t(t)], m.output_norm, sp.rms_eps));
    return logits;
}

}  // namespace qs::test
