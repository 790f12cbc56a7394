// The llama-family forward pass, following llama.cpp's llm_build_llama / llm_build_qwen2:
//
//   x = token_embd[token]
//   for each layer:
//       xn   = rms_norm(x) * attn_norm
//       q, k, v = xn·Wq (+bq), xn·Wk (+bk), xn·Wv (+bv)
//       q, k = rope(q), rope(k)                 (adjacent pairs for llama, NeoX halves for qwen2)
//       cache k, v (rounded to f16)
//       attn = softmax(q·Kᵀ / sqrt(head_dim), causal) · V     (grouped-query: head h reads kv head h / group)
//       x    = x + attn·Wo
//       xn   = rms_norm(x) * ffn_norm
//       x    = x + (silu(xn·Wgate) * (xn·Wup))·Wdown
//   logits = (rms_norm(x) * output_norm)·Woutput      (only for the rows whose logits are wanted)
//
// Numerical details that make results agree with ggml's CPU backend are noted where they occur.
#include "model/model_forward.h"

#include <cmath>
#include <limits>

#include "core/fp16.h"
#include "kernels/matmul.h"
#include "model/kv_cache.h"
#include "model/model.h"

namespace qs {

ForwardScratch::ForwardScratch(const ModelHParams& hp, int64_t n_ub, int64_t n_ctx) : n_ubatch(n_ub) {
    const auto sz = [](int64_t a, int64_t b) { return size_t(a) * size_t(b); };
    x.resize(sz(n_ub, hp.n_embd));
    xn.resize(sz(n_ub, hp.n_embd));
    q.resize(sz(n_ub, hp.n_embd_q()));
    k.resize(sz(n_ub, hp.n_embd_kv()));
    v.resize(sz(n_ub, hp.n_embd_kv()));
    attn.resize(sz(n_ub, hp.n_embd_q()));
    proj.resize(sz(n_ub, hp.n_embd));
    gate.resize(sz(n_ub, hp.n_ff));
    up.resize(sz(n_ub, hp.n_ff));
    k_all.resize(sz(n_ctx, hp.n_embd_kv()));
    k_t.resize(sz(n_ctx, hp.n_embd_kv()));
    v_all.resize(sz(n_ctx, hp.n_embd_kv()));
    scores.resize(sz(hp.n_head, n_ctx));
    head_tmp.resize(sz(hp.n_head, 2 * hp.head_dim));
    rope_cs.resize(sz(n_ub, hp.n_rot));
}

namespace {

// out[r] = x[r] / sqrt(mean(x[r]^2) + eps) * w, as ggml_rms_norm followed by ggml_mul: the
// squares are formed in float and summed in double, the scale is 1/sqrtf(mean + eps) in float.
// (Not parallelized: it is tiny next to the matmuls, and every parallel region ends in a barrier.)
void rms_norm_rows(const float* x, int64_t n_rows, int64_t n, const std::vector<float>& w, float eps, float* out) {
    for (int64_t r = 0; r < n_rows; ++r) {
        const float* xr = x + r * n;
        float* yr = out + r * n;
        double sum = 0.0;
        for (int64_t i = 0; i < n; ++i) sum += double(xr[i] * xr[i]);
        const float mean = float(sum / double(n));
        const float scale = 1.0f / std::sqrt(mean + eps);
        for (int64_t i = 0; i < n; ++i) yr[i] = (xr[i] * scale) * w[size_t(i)];
    }
}

void add_bias_rows(float* y, int64_t n_rows, int64_t n, const std::vector<float>& b) {
    if (b.empty()) return;
    for (int64_t r = 0; r < n_rows; ++r)
        for (int64_t i = 0; i < n; ++i) y[r * n + i] += b[size_t(i)];
}

// cos/sin of each rotation angle for each token, as ggml_rope_cache_init builds them: the angle of
// pair i is pos * base^(-2i/n_rot), with base^(-2/n_rot) computed once by powf and raised by
// repeated multiplication in float, then scaled by freq_scale (linear scaling) and divided by the
// optional per-pair frequency factor.
void rope_cache(const ModelHParams& hp, const std::vector<float>& freq_factors, int64_t pos0, int64_t n, float* cs) {
    const float theta_scale = std::pow(hp.rope_freq_base, -2.0f / float(hp.n_rot));
    for (int64_t t = 0; t < n; ++t) {
        float theta = float(pos0 + t);
        float* c = cs + t * hp.n_rot;
        for (int64_t i0 = 0; i0 < hp.n_rot; i0 += 2) {
            const float ff = freq_factors.empty() ? 1.0f : freq_factors[size_t(i0 / 2)];
            const float angle = hp.rope_freq_scale * (theta / ff);
            c[i0] = std::cos(angle);
            c[i0 + 1] = std::sin(angle);
            theta *= theta_scale;
        }
    }
}

// Rotates the first n_rot dimensions of every head of every row. Llama rotates adjacent pairs
// (2i, 2i+1); NeoX (qwen2) rotates (i, i + n_rot/2). Dimensions past n_rot are left alone.
void rope_apply(const ModelHParams& hp, float* data, int64_t n_rows, int64_t n_heads, const float* cs) {
    const int64_t hd = hp.head_dim, n_rot = hp.n_rot;
    for (int64_t r = 0; r < n_rows; ++r) {
        const float* c = cs + r * n_rot;
        for (int64_t h = 0; h < n_heads; ++h) {
            float* x = data + (r * n_heads + h) * hd;
            for (int64_t i0 = 0; i0 < n_rot; i0 += 2) {
                const int64_t a = hp.rope_neox ? i0 / 2 : i0;
                const int64_t b = hp.rope_neox ? i0 / 2 + n_rot / 2 : i0 + 1;
                const float x0 = x[a], x1 = x[b];
                x[a] = x0 * c[i0] - x1 * c[i0 + 1];
                x[b] = x0 * c[i0 + 1] + x1 * c[i0];
            }
        }
    }
}

// The hot loops of attention are compiled for several instruction sets and picked at load time
// (GCC function multi-versioning). They use no fused multiply-add, so every version gives
// bit-identical results.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define QS_MULTI_ISA __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define QS_MULTI_ISA
#endif

// scores[j] = scale * sum_d q[d] * K[j][d] for j < n_vis, with K given transposed (kt[d][j],
// row stride ld) so the inner loop runs over keys and vectorizes without reordering any sum:
// each score is accumulated in ascending d, like ggml's tiled kernel.
QS_MULTI_ISA void scores_from_keys(const float* q, const float* kt, int64_t ld, int64_t hd, int64_t n_vis, float scale,
                                   float* scores) {
    for (int64_t j = 0; j < n_vis; ++j) scores[j] = 0.0f;
    for (int64_t d = 0; d < hd; ++d) {
        const float qd = q[d];
        const float* kd = kt + d * ld;
        for (int64_t j = 0; j < n_vis; ++j) scores[j] += qd * kd[j];
    }
    for (int64_t j = 0; j < n_vis; ++j) scores[j] *= scale;
}

// out[d] = sum_j p[j] * V[j][d] (V rows of stride ld), accumulated in ascending j. Done 16
// dimensions at a time in a local accumulator, which the compiler keeps in registers.
QS_MULTI_ISA void weighted_values(const float* p, const float* v, int64_t ld, int64_t hd, int64_t n_vis, float* out) {
    constexpr int64_t B = 16;
    int64_t d0 = 0;
    for (; d0 + B <= hd; d0 += B) {
        float acc[B] = {};
        for (int64_t j = 0; j < n_vis; ++j) {
            const float pj = p[j];
            const float* vj = v + j * ld + d0;
            for (int64_t l = 0; l < B; ++l) acc[l] += pj * vj[l];
        }
        for (int64_t l = 0; l < B; ++l) out[d0 + l] = acc[l];
    }
    for (int64_t d = d0; d < hd; ++d) out[d] = 0.0f;
    for (int64_t j = 0; j < n_vis && d0 < hd; ++j)
        for (int64_t d = d0; d < hd; ++d) out[d] += p[j] * v[j * ld + d];
}

// Softmax weights of one query row, as ggml's tiled CPU flash-attention kernel computes them for
// micro-batches of 64 rows or more (and what any kernel computes with an F32 cache): f32 scores,
// exponentials summed in double, the value rows summed in f32 and divided by the sum at the end.
void attend_row_f32(const float* scores_in, const float* v_head, int64_t v_ld, int64_t n_vis, int64_t hd,
                    float* scores, float* out) {
    float max_s = -std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < n_vis; ++j) max_s = std::max(max_s, scores_in[j]);
    double sum = 0.0;
    for (int64_t j = 0; j < n_vis; ++j) {
        scores[j] = std::exp(scores_in[j] - max_s);
        sum += scores[j];
    }
    weighted_values(scores, v_head, v_ld, hd, n_vis, out);
    const float inv = float(1.0 / sum);
    for (int64_t d = 0; d < hd; ++d) out[d] *= inv;
}

inline float round_f16(float x) { return fp16_to_fp32(fp32_to_fp16(x)); }

// One query row as ggml's reference CPU flash-attention kernel (flash_attn_ext_f16_one_chunk)
// computes it with an F16 cache: the query was rounded to f16 for the Q·K product (K's vec_dot
// type) before the scores were formed, the softmax is online, and the value accumulator is kept in
// f16, rounded after every rescale and every multiply-add.
void attend_row_f16_online(const float* scores, const float* v_head, int64_t v_ld, int64_t n_vis, int64_t hd,
                           float* acc, float* out) {
    for (int64_t d = 0; d < hd; ++d) acc[d] = 0.0f;  // values exactly representable in f16
    float S = 0.0f, M = -std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < n_vis; ++j) {
        const float s = scores[j];
        float ms = 1.0f, vs = 1.0f;
        if (s > M) {
            ms = std::exp(M - s);
            M = s;
            for (int64_t d = 0; d < hd; ++d) acc[d] = round_f16(acc[d] * ms);
        } else {
            vs = std::exp(s - M);
        }
        const float* vj = v_head + j * v_ld;
        for (int64_t d = 0; d < hd; ++d) acc[d] = round_f16(acc[d] + vj[d] * vs);  // not fused, as ggml's scalar tail
        S = S * ms + vs;
    }
    const float inv = S == 0.0f ? 0.0f : 1.0f / S;
    for (int64_t d = 0; d < hd; ++d) out[d] = acc[d] * inv;
}

// kt[g][d][j] = k_all[j][g * hd + d]: each KV head's keys transposed, for scores_from_keys.
void transpose_keys(const ModelHParams& hp, const float* k_all, int64_t n_kv, int64_t ld, float* kt) {
    const int64_t hd = hp.head_dim, n_embd_kv = hp.n_embd_kv();
    for (int64_t j = 0; j < n_kv; ++j)
        for (int64_t c = 0; c < n_embd_kv; ++c) kt[c * ld + j] = k_all[j * n_embd_kv + c];
    (void)hd;
}

// Causal grouped-query attention of the n new rows against the n_past + n cached positions.
void attention(const ModelHParams& hp, ForwardScratch& s, int64_t n, int64_t n_past, bool f16_reference_kernel) {
    const int64_t hd = hp.head_dim, n_ctx = int64_t(s.scores.size()) / hp.n_head;
    const int64_t group = hp.n_head / hp.n_head_kv;
    const float scale = 1.0f / std::sqrt(float(hd));
    transpose_keys(hp, s.k_all.data(), n_past + n, n_ctx, s.k_t.data());
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t h = 0; h < hp.n_head; ++h) {
        const int64_t g = h / group;  // the KV head this query head reads (ggml's broadcast)
        const float* kt_head = s.k_t.data() + g * hd * n_ctx;
        const float* v_head = s.v_all.data() + g * hd;
        float* scores = s.scores.data() + h * n_ctx;
        float* tmp = s.head_tmp.data() + h * 2 * hd;  // [hd] query copy, [hd] accumulator
        for (int64_t i = 0; i < n; ++i) {
            const float* q = s.q.data() + i * hp.n_embd_q() + h * hd;
            float* out = s.attn.data() + i * hp.n_embd_q() + h * hd;
            const int64_t n_vis = n_past + i + 1;  // causal mask: positions <= this row's
            if (f16_reference_kernel) {
                for (int64_t d = 0; d < hd; ++d) tmp[d] = round_f16(q[d]);
                scores_from_keys(tmp, kt_head, n_ctx, hd, n_vis, scale, scores);
                attend_row_f16_online(scores, v_head, hp.n_embd_kv(), n_vis, hd, tmp + hd, out);
            } else {
                scores_from_keys(q, kt_head, n_ctx, hd, n_vis, scale, scores);
                attend_row_f32(scores, v_head, hp.n_embd_kv(), n_vis, hd, scores, out);
            }
        }
    }
}

// gate[i] = silu(gate[i]) * up[i], silu(x) = x / (1 + e^-x) (ggml_swiglu).
void swiglu(float* gate, const float* up, int64_t count) {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < count; ++i) gate[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

void add_into(float* x, const float* y, int64_t count) {
    for (int64_t i = 0; i < count; ++i) x[i] += y[i];
}

// When ggml's CPU flash attention uses its tiled f32 kernel rather than the reference one: micro-
// batches of at least GGML_FA_TILE_Q = 64 rows, and a head size that is a multiple of the f32 SIMD
// width (GGML_F32_EPR, 16 on the AVX-512 machine the reference figures come from; so stories260K,
// head size 8, always takes the reference kernel).
constexpr int64_t kTiledAttentionMinRows = 64;
constexpr int64_t kTiledAttentionHeadMultiple = 16;

bool llama_cpp_uses_reference_attention(const ModelHParams& hp, const KvCache& kv, int64_t n_rows) {
    if (kv.type() != KvCacheType::F16) return false;  // with f32 K/V both kernels are plain f32 math
    return n_rows < kTiledAttentionMinRows || hp.head_dim % kTiledAttentionHeadMultiple != 0;
}

}  // namespace

void model_forward(const Model& model, KvCache& kv, ForwardScratch& s, std::span<const int32_t> tokens,
                   int64_t n_past, std::span<const uint8_t> want_logits, float* logits) {
    const ModelHParams& hp = model.hparams();
    const ModelWeights& w = model.weights();
    const int64_t n = int64_t(tokens.size());
    const int64_t n_embd = hp.n_embd, n_q = hp.n_embd_q(), n_kv = hp.n_embd_kv(), n_ff = hp.n_ff;
    const bool f16_reference_kernel = llama_cpp_uses_reference_attention(hp, kv, n);

    // Token embeddings: the rows of token_embd, dequantized (ggml_get_rows).
    for (int64_t i = 0; i < n; ++i) weight_row_to_f32(w.token_embd, tokens[size_t(i)], s.x.data() + i * n_embd);

    rope_cache(hp, w.rope_freqs, n_past, n, s.rope_cs.data());

    int64_t rows = n;  // rows of x still computed: all of them until the last layer's attention
    for (int64_t il = 0; il < hp.n_layer; ++il) {
        const LayerWeights& l = w.layers[size_t(il)];

        // Self-attention block. Every row's K and V must reach the cache.
        rms_norm_rows(s.x.data(), n, n_embd, l.attn_norm, hp.rms_norm_eps, s.xn.data());
        matmul(l.wq, s.xn.data(), n, n_embd, s.q.data(), n_q);
        matmul(l.wk, s.xn.data(), n, n_embd, s.k.data(), n_kv);
        matmul(l.wv, s.xn.data(), n, n_embd, s.v.data(), n_kv);
        add_bias_rows(s.q.data(), n, n_q, l.bq);
        add_bias_rows(s.k.data(), n, n_kv, l.bk);
        add_bias_rows(s.v.data(), n, n_kv, l.bv);
        rope_apply(hp, s.q.data(), n, hp.n_head, s.rope_cs.data());
        rope_apply(hp, s.k.data(), n, hp.n_head_kv, s.rope_cs.data());

        kv.store(il, n_past, n, s.k.data(), s.v.data());
        kv.load(il, n_past + n, s.k_all.data(), s.v_all.data());
        attention(hp, s, n, n_past, f16_reference_kernel);

        matmul(l.wo, s.attn.data(), n, n_q, s.proj.data(), n_embd);
        add_into(s.x.data(), s.proj.data(), n * n_embd);

        // After the last attention only the rows whose logits are wanted matter: keep those, in
        // order, at the front of x (llama.cpp's inp_out_ids; the result per row is the same).
        if (il == hp.n_layer - 1) {
            rows = 0;
            for (int64_t i = 0; i < n; ++i)
                if (want_logits[size_t(i)]) {
                    if (rows != i) std::copy(s.x.data() + i * n_embd, s.x.data() + (i + 1) * n_embd, s.x.data() + rows * n_embd);
                    ++rows;
                }
            if (rows == 0) return;
        }

        // Feed-forward block (SwiGLU).
        rms_norm_rows(s.x.data(), rows, n_embd, l.ffn_norm, hp.rms_norm_eps, s.xn.data());
        matmul(l.ffn_gate, s.xn.data(), rows, n_embd, s.gate.data(), n_ff);
        matmul(l.ffn_up, s.xn.data(), rows, n_embd, s.up.data(), n_ff);
        swiglu(s.gate.data(), s.up.data(), rows * n_ff);
        matmul(l.ffn_down, s.gate.data(), rows, n_ff, s.proj.data(), n_embd);
        add_into(s.x.data(), s.proj.data(), rows * n_embd);
    }

    // Output: final norm and projection to the vocabulary of the wanted rows.
    rms_norm_rows(s.x.data(), rows, n_embd, w.output_norm, hp.rms_norm_eps, s.xn.data());
    matmul(w.output, s.xn.data(), rows, n_embd, logits, hp.n_vocab);
}

}  // namespace qs
