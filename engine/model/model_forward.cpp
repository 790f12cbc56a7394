// The forward pass of every architecture QuantScope runs, following llama.cpp's graph builders
// (src/models/llama.cpp, qwen2.cpp, qwen3.cpp, qwen3moe.cpp, gemma2-iswa.cpp, gemma3.cpp, phi3.cpp):
//
//   x = token_embd[token]                                   (* sqrt(n_embd) for gemma)
//   for each layer:
//       xn   = rms_norm(x) * attn_norm
//       q, k, v = xn·Wq (+bq), xn·Wk (+bk), xn·Wv (+bv)      (one fused xn·Wqkv for phi3)
//       q, k = rms_norm(head) * q_norm / k_norm              (qwen3, gemma3: per head, before RoPE)
//       q, k = rope(q), rope(k)                              (adjacent pairs for llama, NeoX halves for
//                                                             the others; windowed layers use their own base)
//       cache k, v (rounded to f16)
//       attn = softmax(cap(q·Kᵀ · scale), causal [, window]) · V   (grouped-query: head h reads kv head h / group;
//                                                             cap = c·tanh(·/c) for gemma2)
//       a    = attn·Wo                                       (rms_norm(a) * post_attention_norm for gemma)
//       x    = x + a
//       xn   = rms_norm(x) * ffn_norm
//       f    = (act(xn·Wgate) * (xn·Wup))·Wdown             (act = silu, or GeLU-tanh for gemma; phi3's ffn_up
//                                                             holds gate|up; qwen3moe: the weighted sum of the
//                                                             top-k experts' FFNs chosen by a softmax router)
//       x    = x + f                                         (rms_norm(f) * post_ffw_norm first for gemma)
//   logits = (rms_norm(x) * output_norm)·Woutput            (only for the rows whose logits are wanted;
//                                                             c·tanh(·/c) for gemma2)
//
// Numerical details that make results agree with ggml's CPU backend are noted where they occur.
#include "model/model_forward.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "core/fp16.h"
#include "kernels/kernels.h"
#include "kernels/parallel_work.h"
#include "kernels/matmul.h"
#include "model/attention_row.h"
#include "model/kv_cache.h"
#include "model/model.h"

namespace qs {
namespace {

constexpr int64_t round_up_to(int64_t v, int64_t to) { return (v + to - 1) / to * to; }

// Row stride of the transposed keys: whole blocks of 64 keys, so the batched score kernel reads
// full vectors past the last key (the padding holds finite values, and those scores are unused).
constexpr int64_t key_stride(int64_t n_ctx) { return round_up_to(n_ctx, 64); }

}  // namespace

ForwardScratch::ForwardScratch(const ModelHParams& hp, int64_t n_ub, int64_t n_ctx) : n_ubatch(n_ub) {
    const auto sz = [](int64_t a, int64_t b) { return size_t(a) * size_t(b); };
    const bool fused = hp.arch == ModelArch::Phi3;  // attn_qkv and a gate|up ffn_up
    x.resize(sz(n_ub, hp.n_embd));
    xn.resize(sz(n_ub, hp.n_embd));
    q.resize(sz(n_ub, hp.n_embd_q()));
    k.resize(sz(n_ub, hp.n_embd_kv()));
    v.resize(sz(n_ub, hp.n_embd_kv()));
    attn.resize(sz(n_ub, hp.n_embd_q()));
    proj.resize(sz(n_ub, hp.n_embd));
    gate.resize(sz(n_ub, hp.n_ff));
    up.resize(sz(n_ub, fused ? 2 * hp.n_ff : hp.n_ff));
    if (fused) qkv.resize(sz(n_ub, hp.n_embd_q() + 2 * hp.n_embd_kv()));
    k_all.resize(sz(n_ctx, hp.n_embd_kv()));
    k_t.resize(sz(key_stride(n_ctx), hp.n_embd_kv()));
    v_all.resize(sz(n_ctx, hp.n_embd_kv()));
    scores.resize(sz(hp.n_head, n_ctx));
    head_tmp.resize(sz(hp.n_head, 2 * hp.head_dim));
    rope_cs.resize(sz(n_ub, hp.n_rot));
    rope_cs_swa.resize(sz(n_ub, hp.n_rot));
    if (hp.n_expert > 0) {
        router.resize(sz(n_ub, hp.n_expert));
        selected.resize(sz(n_ub, hp.n_expert_used));
        expert_w.resize(sz(n_ub, hp.n_expert_used));
        routed.resize(size_t(n_ub));
        expert_in.resize(sz(n_ub, hp.n_embd));
        expert_gate.resize(sz(n_ub, hp.n_ff_exp));
        expert_up.resize(sz(n_ub, hp.n_ff_exp));
        expert_out.resize(sz(n_ub, hp.n_embd));
        moe_out.resize(sz(n_ub, hp.n_expert_used * hp.n_embd));
    }
}

uint64_t ForwardScratch::bytes() const {
    uint64_t n = 0;
    for (const auto* b : {&x, &xn, &q, &k, &v, &attn, &proj, &gate, &up, &qkv, &k_all, &k_t, &v_all, &scores, &head_tmp, &rope_cs,
                          &rope_cs_swa, &router, &expert_w, &expert_in, &expert_gate, &expert_up, &expert_out, &moe_out})
        n += b->capacity() * sizeof(float);
    return n + (selected.capacity() + routed.capacity()) * sizeof(int32_t);
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
void rope_cache(const ModelHParams& hp, float freq_base, float freq_scale, const std::vector<float>& freq_factors,
                int64_t pos0, int64_t n, float* cs) {
    const float theta_scale = std::pow(freq_base, -2.0f / float(hp.n_rot));
    for (int64_t t = 0; t < n; ++t) {
        float theta = float(pos0 + t);
        float* c = cs + t * hp.n_rot;
        for (int64_t i0 = 0; i0 < hp.n_rot; i0 += 2) {
            const float ff = freq_factors.empty() ? 1.0f : freq_factors[size_t(i0 / 2)];
            const float angle = freq_scale * (theta / ff);
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
// GCC contracts a * b + c into a fused multiply-add wherever the target has one (AVX-512 does),
// which makes results depend on the clone; the batched attention kernels opt out.
#define QS_NO_FMA __attribute__((optimize("fp-contract=off")))
#else
#define QS_MULTI_ISA
#define QS_NO_FMA
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
[[maybe_unused]] QS_MULTI_ISA void weighted_values(const float* p, const float* v, int64_t ld, int64_t hd, int64_t n_vis, float* out) {
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

// ---- Batched attention for the f32 softmax (the path of micro-batches of 64 rows or more) ----
//
// Written with GCC vector extensions inside multi-versioned functions, so one source gives
// AVX-512, AVX2 and SSE code. Per score the products are still summed in ascending d and per
// output the weighted values in ascending j. Where the AVX-512 clone fuses multiply-adds was
// chosen by measurement: the K-quant models amplify rounding-level differences in attention
// into visible perplexity changes, and fused Q·K with unfused value sums stays closest to
// llama.cpp on all of them (tests/model and tests/eval compare chunk by chunk).
#if defined(__GNUC__)
#define QS_HAVE_VECTOR_EXT 1
// The 64-byte vector helpers below are always inlined into multi-versioned callers, so the ABI
// note about passing them by value without AVX-512 does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float f32x16 __attribute__((vector_size(64), aligned(4)));
typedef int32_t i32x16 __attribute__((vector_size(64), aligned(4)));
typedef double f64x8 __attribute__((vector_size(64), aligned(8)));
typedef float f32x8 __attribute__((vector_size(32), aligned(4)));

__attribute__((always_inline)) inline f32x16 load16(const float* p) {
    f32x16 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
__attribute__((always_inline)) inline void store16(float* p, f32x16 v) { std::memcpy(p, &v, sizeof v); }

// e^x for x <= 0 (softmax arguments), lanewise: Cephes' expf (range reduction by ln 2 in two
// parts, degree-6 polynomial), accurate to about 2 ulp, like ggml's own vectorized expf that
// llama.cpp's softmax uses. Arguments below -87.3 give about 1e-38 instead of less: invisible
// next to the row's largest term, which is 1.
__attribute__((always_inline)) inline f32x16 exp16(f32x16 x) {
    const f32x16 lo = x - x - 87.3f;
    x = x < lo ? lo : x;
    const f32x16 magic = x - x + 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
    const f32x16 n = (x * 1.44269504088896341f + magic) - magic;
    const f32x16 r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
    f32x16 p = r * 1.9875691500e-4f + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    const i32x16 bits = (__builtin_convertvector(n, i32x16) + 127) << 23;
    return p * (f32x16)bits;  // a vector cast reinterprets the bits
}
#endif

constexpr int64_t kKeyBlock = 64;   // keys per register block of scores (4 x 16 lanes)
constexpr int64_t kRowBlock = 4;    // query rows sharing each loaded key vector
constexpr int64_t kRowsPerItem = 16;  // query rows per parallel work item

// scores[r][j] = scale * sum_d q_r[d] * K[j][d] for rows r < nr and keys j < round_up(n_keys, 64);
// kt holds the keys transposed (kt[d][j], row stride ld >= that rounded count, finite padding).
QS_MULTI_ISA void scores_block(const float* const* q, int nr, const float* kt, int64_t ld, int64_t hd, int64_t n_keys,
                               float scale, float* scores, int64_t scores_ld) {
#if QS_HAVE_VECTOR_EXT
    for (int64_t j0 = 0; j0 < n_keys; j0 += kKeyBlock) {
        f32x16 acc[kRowBlock][4] = {};
        for (int64_t d = 0; d < hd; ++d) {
            const float* kd = kt + d * ld + j0;
            const f32x16 k0 = load16(kd), k1 = load16(kd + 16), k2 = load16(kd + 32), k3 = load16(kd + 48);
            for (int r = 0; r < kRowBlock; ++r) {
                if (r >= nr) break;
                const float qd = q[r][d];
                acc[r][0] += qd * k0;
                acc[r][1] += qd * k1;
                acc[r][2] += qd * k2;
                acc[r][3] += qd * k3;
            }
        }
        for (int r = 0; r < nr; ++r)
            for (int b = 0; b < 4; ++b) store16(scores + r * scores_ld + j0 + 16 * b, acc[r][b] * scale);
    }
#else
    for (int r = 0; r < nr; ++r) scores_from_keys(q[r], kt, ld, hd, n_keys, scale, scores + r * scores_ld);
#endif
}

// out_r[d] = sum_j p_r[j] * V[j][d] for rows r < nr and j < n_vis, each sum in ascending j like
// weighted_values. Rows shorter than n_vis must have zero weights past their end (adding +0
// leaves a sum unchanged). Several rows at once share every loaded value vector and give the
// adder independent chains to work on.
QS_NO_FMA QS_MULTI_ISA void weighted_values_block(const float* const* p, int nr, const float* v, int64_t ld, int64_t hd,
                                        int64_t n_vis, float* const* out) {
#if QS_HAVE_VECTOR_EXT
    int64_t d0 = 0;
    for (; d0 + 32 <= hd; d0 += 32) {
        f32x16 acc[kRowBlock][2] = {};
        for (int64_t j = 0; j < n_vis; ++j) {
            const float* vj = v + j * ld + d0;
            const f32x16 v0 = load16(vj), v1 = load16(vj + 16);
            for (int r = 0; r < kRowBlock; ++r) {
                if (r >= nr) break;
                const float pj = p[r][j];
                acc[r][0] += pj * v0;
                acc[r][1] += pj * v1;
            }
        }
        for (int r = 0; r < nr; ++r) {
            store16(out[r] + d0, acc[r][0]);
            store16(out[r] + d0 + 16, acc[r][1]);
        }
    }
    if (d0 == hd) return;
    for (int r = 0; r < nr; ++r) {  // head sizes that are not a multiple of 32: the rest per row
        for (int64_t d = d0; d < hd; ++d) out[r][d] = 0.0f;
        for (int64_t j = 0; j < n_vis; ++j)
            for (int64_t d = d0; d < hd; ++d) out[r][d] += p[r][j] * v[j * ld + d];
    }
#else
    for (int r = 0; r < nr; ++r) weighted_values(p[r], v, ld, hd, n_vis, out[r]);
#endif
}

// Softmax of one row of n scores in place (unnormalized exponentials), returning 1 / their sum;
// the sum is accumulated in double, as ggml's f32 softmax does.
QS_NO_FMA QS_MULTI_ISA float softmax_row(float* s, int64_t n) {
    float max_s = -std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < n; ++j) max_s = std::max(max_s, s[j]);
    double sum = 0.0;
#if QS_HAVE_VECTOR_EXT
    int64_t j = 0;
    f64x8 sum_lo = {}, sum_hi = {};
    for (; j + 16 <= n; j += 16) {
        const f32x16 e = exp16(load16(s + j) - max_s);
        store16(s + j, e);
        const f32x8 lo = {e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7]};
        const f32x8 hi = {e[8], e[9], e[10], e[11], e[12], e[13], e[14], e[15]};
        sum_lo += __builtin_convertvector(lo, f64x8);
        sum_hi += __builtin_convertvector(hi, f64x8);
    }
    if (j < n) {  // the tail through a padded copy
        float tail[16];
        for (int l = 0; l < 16; ++l) tail[l] = j + l < n ? s[j + l] - max_s : -100.0f;
        const f32x16 e = exp16(load16(tail));
        for (int64_t l = 0; j + l < n; ++l) {
            s[j + l] = e[l];
            sum += double(e[l]);
        }
    }
    for (int l = 0; l < 8; ++l) sum += sum_lo[l] + sum_hi[l];
#else
    for (int64_t j = 0; j < n; ++j) {
        s[j] = std::exp(s[j] - max_s);
        sum += s[j];
    }
#endif
    return float(1.0 / sum);
}

// What one layer's attention computes besides Q·Kᵀ: the score scale (1 when Q was scaled
// beforehand), the soft-cap c (scores -> c·tanh(scores / c); 0 = none) and the sliding window
// (a query at position p sees keys p - window < j <= p; 0 = all earlier keys).
struct AttentionShape {
    float scale = 1.0f;
    float softcap = 0.0f;
    int64_t window = 0;

    // First key a query at position pos sees.
    int64_t first_key(int64_t pos) const { return window > 0 ? std::max<int64_t>(0, pos - window + 1) : 0; }
    // The factor Q·K is multiplied by before the cap: ggml divides the scale by the cap.
    float score_scale() const { return softcap != 0.0f ? scale / softcap : scale; }
    // scores[j] = c·tanh(scores[j]) over [lo, hi), as ggml's flash attention applies the cap.
    void cap(float* scores, int64_t lo, int64_t hi) const {
        if (softcap == 0.0f) return;
        for (int64_t j = lo; j < hi; ++j) scores[j] = softcap * std::tanh(scores[j]);
    }
};

// Causal attention with f32 softmax: work items are (head, block of 16 query rows), handed out
// longest first (the causal triangle makes late rows cost more) so both threads finish together.
void attention_f32(const ModelHParams& hp, ForwardScratch& s, int64_t row0, int64_t n, int64_t n_past, int64_t kt_ld,
                   const AttentionShape& shape) {
    const int64_t hd = hp.head_dim, group = hp.n_head / hp.n_head_kv, n_q = hp.n_embd_q(), n_kv = hp.n_embd_kv();
    const float scale = shape.score_scale();
    const int64_t row_blocks = (n + kRowsPerItem - 1) / kRowsPerItem;
    const int64_t items = hp.n_head * row_blocks;
    const int64_t scores_ld = round_up_to(n_past + n, kKeyBlock);
#pragma omp parallel if (worth_parallel(hp.n_head * n * (n_past + n) * hd * 2))
    {
        thread_local std::vector<float> scores;
        scores.resize(size_t(kRowBlock * scores_ld));
#pragma omp for schedule(dynamic, 1)
        for (int64_t item = 0; item < items; ++item) {
            const int64_t rb = row_blocks - 1 - item / hp.n_head, h = item % hp.n_head;
            const int64_t g = h / group;
            const float* kt_head = s.k_t.data() + g * hd * kt_ld;
            const float* v_head = s.v_all.data() + g * hd;
            const int64_t i_end = std::min(n, (rb + 1) * kRowsPerItem);
            for (int64_t i0 = rb * kRowsPerItem; i0 < i_end; i0 += kRowBlock) {
                const int nr = int(std::min(kRowBlock, i_end - i0));
                const float* q[kRowBlock];
                for (int r = 0; r < nr; ++r) q[r] = s.q.data() + (row0 + i0 + r) * n_q + h * hd;
                scores_block(q, nr, kt_head, kt_ld, hd, n_past + i0 + nr, scale, scores.data(), scores_ld);
                const int64_t n_vis_max = n_past + i0 + nr;
                const float* p[kRowBlock];
                float* out[kRowBlock];
                float inv[kRowBlock];
                for (int r = 0; r < nr; ++r) {
                    const int64_t n_vis = n_past + i0 + r + 1;  // causal mask: positions <= this row's
                    const int64_t lo = shape.first_key(n_vis - 1);
                    float* pr = scores.data() + r * scores_ld;
                    shape.cap(pr, lo, n_vis);
                    inv[r] = softmax_row(pr + lo, n_vis - lo);
                    std::fill(pr, pr + lo, 0.0f);  // outside the window: weight 0
                    std::fill(pr + n_vis, pr + n_vis_max, 0.0f);
                    p[r] = pr;
                    out[r] = s.attn.data() + (row0 + i0 + r) * n_q + h * hd;
                }
                weighted_values_block(p, nr, v_head, n_kv, hd, n_vis_max, out);
                for (int r = 0; r < nr; ++r)
                    for (int64_t d = 0; d < hd; ++d) out[r][d] *= inv[r];
            }
        }
    }
}

// kt[g][d][j] = k_all[j][g * hd + d]: each KV head's keys transposed, for scores_from_keys.
void transpose_keys(const ModelHParams& hp, const float* k_all, int64_t n_kv, int64_t ld, float* kt) {
    const int64_t hd = hp.head_dim, n_embd_kv = hp.n_embd_kv();
    for (int64_t j = 0; j < n_kv; ++j)
        for (int64_t c = 0; c < n_embd_kv; ++c) kt[c * ld + j] = k_all[j * n_embd_kv + c];
    (void)hd;
}

// Causal grouped-query attention of the n new rows (from row0 of the batch) against the n_past + n
// cached positions of their sequence (loaded into k_all / v_all).
void attention(const ModelHParams& hp, ForwardScratch& s, int64_t row0, int64_t n, int64_t n_past,
               bool f16_reference_kernel, const AttentionShape& shape) {
    const int64_t hd = hp.head_dim, n_ctx = int64_t(s.scores.size()) / hp.n_head, kt_ld = key_stride(n_ctx);
    const int64_t group = hp.n_head / hp.n_head_kv, n_kv = hp.n_embd_kv();
    transpose_keys(hp, s.k_all.data(), n_past + n, kt_ld, s.k_t.data());
    if (!f16_reference_kernel) return attention_f32(hp, s, row0, n, n_past, kt_ld, shape);
    const float scale = shape.score_scale();
#pragma omp parallel for schedule(dynamic, 1) if (worth_parallel(hp.n_head * n * (n_past + n) * hd * 2))
    for (int64_t h = 0; h < hp.n_head; ++h) {
        const int64_t g = h / group;  // the KV head this query head reads (ggml's broadcast)
        const float* kt_head = s.k_t.data() + g * hd * kt_ld;
        const float* v_head = s.v_all.data() + g * hd;
        float* scores = s.scores.data() + h * n_ctx;
        float* tmp = s.head_tmp.data() + h * 2 * hd;  // [hd] query copy, [hd] accumulator
        for (int64_t i = 0; i < n; ++i) {
            const float* q = s.q.data() + (row0 + i) * hp.n_embd_q() + h * hd;
            float* out = s.attn.data() + (row0 + i) * hp.n_embd_q() + h * hd;
            const int64_t n_vis = n_past + i + 1;  // causal mask: positions <= this row's
            const int64_t lo = shape.first_key(n_vis - 1);  // ggml skips the masked keys one by one
            for (int64_t d = 0; d < hd; ++d) tmp[d] = round_f16(q[d]);
            scores_from_keys(tmp, kt_head, kt_ld, hd, n_vis, scale, scores);
            shape.cap(scores, lo, n_vis);
            attend_row_online(scores + lo, v_head + lo * n_kv, n_kv, n_vis - lo, hd, true, tmp + hd, out);
        }
    }
}

// Attention with a quantized K or V cache, as ggml's CPU flash attention computes it then (always
// its per-row one_chunk kernel, whatever the batch): a quantized K is dotted block by block with the
// query converted to K's vec_dot type (q8_0 for q4_0, q5_0, q8_0, iq4_nl; q8_1 for q4_1, q5_1), an
// f16 K with the query rounded to f16; V is read as floats (dequantized by load) into an f16
// accumulator when V is f16, an f32 one otherwise.
void attention_quantized_kv(const ModelHParams& hp, ForwardScratch& s, const KvCache& kv, int64_t il, int64_t row0,
                            int64_t n, int64_t n_past, int64_t seq, const AttentionShape& shape) {
    const int64_t hd = hp.head_dim, n_ctx = int64_t(s.scores.size()) / hp.n_head, kt_ld = key_stride(n_ctx);
    const int64_t group = hp.n_head / hp.n_head_kv, n_kv = hp.n_embd_kv();
    const bool k_quantized = kv_cache_type_quantized(kv.k_type());
    const GgmlType k_type = kv_cache_ggml_type(kv.k_type());
    const TypeKernels& kk = kernels_get(k_type);
    const TypeKernels& qk = kernels_get(kk.vec_dot_type);
    const uint8_t* k_rows = kv.k_rows(il, seq);
    const uint64_t k_row_bytes = kv.k_row_bytes(), k_head_bytes = row_size(k_type, hd);
    if (!k_quantized) transpose_keys(hp, s.k_all.data(), n_past + n, kt_ld, s.k_t.data());
    const bool v_f16 = kv.v_type() == KvCacheType::F16;
    const float scale = shape.score_scale();
#pragma omp parallel for schedule(dynamic, 1) if (worth_parallel(hp.n_head * n * (n_past + n) * hd * 2))
    for (int64_t h = 0; h < hp.n_head; ++h) {
        const int64_t g = h / group;
        const float* v_head = s.v_all.data() + g * hd;
        float* scores = s.scores.data() + h * n_ctx;
        float* tmp = s.head_tmp.data() + h * 2 * hd;  // [hd] query copy, [hd] accumulator
        std::vector<uint8_t> q_dot(k_quantized ? row_size(kk.vec_dot_type, hd) : 0);
        for (int64_t i = 0; i < n; ++i) {
            const float* q = s.q.data() + (row0 + i) * hp.n_embd_q() + h * hd;
            float* out = s.attn.data() + (row0 + i) * hp.n_embd_q() + h * hd;
            const int64_t n_vis = n_past + i + 1;
            const int64_t lo = shape.first_key(n_vis - 1);
            if (k_quantized) {
                qk.from_f32(q, q_dot.data(), hd);
                for (int64_t j = lo; j < n_vis; ++j) {
                    kk.vec_dot(hd, &scores[j], k_rows + uint64_t(j) * k_row_bytes + uint64_t(g) * k_head_bytes, q_dot.data());
                    scores[j] *= scale;
                }
            } else {
                const bool round = kv.k_type() == KvCacheType::F16;
                for (int64_t d = 0; d < hd; ++d) tmp[d] = round ? round_f16(q[d]) : q[d];
                scores_from_keys(tmp, s.k_t.data() + g * hd * kt_ld, kt_ld, hd, n_vis, scale, scores);
            }
            shape.cap(scores, lo, n_vis);
            attend_row_online(scores + lo, v_head + lo * n_kv, n_kv, n_vis - lo, hd, v_f16, tmp + hd, out);
        }
    }
}

// gelu(x) with tanh, as ggml_gelu_f32 evaluates it in float.
float gelu_tanh_f32(float x) {
    constexpr float kSqrt2OverPi = 0.79788456080286535587989211986876f, kCoefA = 0.044715f;
    return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * x * (1.0f + kCoefA * x * x)));
}

// ggml's CPU GeGLU (GGML_GELU_FP16): gelu of the input rounded to f16, looked up in a table of
// f16 results, except below -10 (0) and above 10 (x). Built once, like ggml_table_gelu_f16.
float gelu_f16_table(float x) {
    static const std::vector<uint16_t> table = [] {
        std::vector<uint16_t> t(size_t(1) << 16);
        for (size_t i = 0; i < t.size(); ++i) t[i] = fp32_to_fp16(gelu_tanh_f32(fp16_to_fp32(uint16_t(i))));
        return t;
    }();
    if (x <= -10.0f) return 0.0f;
    if (x >= 10.0f) return x;
    return fp16_to_fp32(table[fp32_to_fp16(x)]);
}

// out[r][i] = act(gate[r][i]) * up[r][i] for rows of n_ff (each operand with its own row stride):
// ggml_swiglu (silu(x) = x / (1 + e^-x)) or ggml_geglu.
void gated_activation(FfnActivation act, const float* gate, int64_t gate_ld, const float* up, int64_t up_ld,
                      int64_t rows, int64_t n_ff, float* out, int64_t out_ld) {
#pragma omp parallel for schedule(static) if (worth_parallel(rows * n_ff * 16))  // an exp or tanh per element
    for (int64_t r = 0; r < rows; ++r) {
        const float* g = gate + r * gate_ld;
        const float* u = up + r * up_ld;
        float* o = out + r * out_ld;
        if (act == FfnActivation::Silu) {
            for (int64_t i = 0; i < n_ff; ++i) o[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
        } else {
            for (int64_t i = 0; i < n_ff; ++i) o[i] = gelu_f16_table(g[i]) * u[i];
        }
    }
}

void add_into(float* x, const float* y, int64_t count) {
    for (int64_t i = 0; i < count; ++i) x[i] += y[i];
}

void scale_rows(float* x, int64_t count, float factor) {
    for (int64_t i = 0; i < count; ++i) x[i] *= factor;
}

// x -> c·tanh(x / c), as ggml_scale(1/c), ggml_tanh, ggml_scale(c) compute it.
void softcap(float* x, int64_t count, float c) {
    const float inv = 1.0f / c;
    for (int64_t i = 0; i < count; ++i) x[i] = std::tanh(x[i] * inv) * c;
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

// ---- The steps of one layer, each as llama.cpp's graph builders compute it ----

// q, k, v of the n rows of xn: three projections (+ biases) or one fused attn_qkv whose rows are
// Q's, then K's, then V's (phi3).
void project_qkv(const ModelHParams& hp, const LayerWeights& l, ForwardScratch& s, int64_t n) {
    const int64_t n_embd = hp.n_embd, n_q = hp.n_embd_q(), n_kv = hp.n_embd_kv();
    if (weight_present(l.wqkv)) {
        const int64_t width = n_q + 2 * n_kv;
        matmul(l.wqkv, s.xn.data(), n, n_embd, s.qkv.data(), width);
        for (int64_t r = 0; r < n; ++r) {
            const float* row = s.qkv.data() + r * width;
            std::copy(row, row + n_q, s.q.data() + r * n_q);
            std::copy(row + n_q, row + n_q + n_kv, s.k.data() + r * n_kv);
            std::copy(row + n_q + n_kv, row + width, s.v.data() + r * n_kv);
        }
        return;
    }
    matmul(l.wq, s.xn.data(), n, n_embd, s.q.data(), n_q);
    matmul(l.wk, s.xn.data(), n, n_embd, s.k.data(), n_kv);
    matmul(l.wv, s.xn.data(), n, n_embd, s.v.data(), n_kv);
    add_bias_rows(s.q.data(), n, n_q, l.bq);
    add_bias_rows(s.k.data(), n, n_kv, l.bk);
    add_bias_rows(s.v.data(), n, n_kv, l.bv);
}

// The self-attention block of layer il for the n new rows: x += post_norm(attention(norm(x))·Wo).
// The projections see every row of the batch together; attention runs per sequence, against that
// sequence's cache slot only, with the kernel llama.cpp would pick for that sequence alone (so a
// sequence's logits in a batch are the ones it gets decoded by itself).
void attention_block(const ModelHParams& hp, const LayerWeights& l, int64_t il, KvCache& kv, ForwardScratch& s,
                     int64_t n, std::span<const ForwardSeq> seqs) {
    const int64_t n_embd = hp.n_embd, hd = hp.head_dim;
    rms_norm_rows(s.x.data(), n, n_embd, l.attn_norm, hp.rms_norm_eps, s.xn.data());
    project_qkv(hp, l, s, n);
    if (hp.qk_norm) {  // each head's vector normalized on its own (ggml_rms_norm over head_dim)
        rms_norm_rows(s.q.data(), n * hp.n_head, hd, l.q_norm, hp.rms_norm_eps, s.q.data());
        rms_norm_rows(s.k.data(), n * hp.n_head_kv, hd, l.k_norm, hp.rms_norm_eps, s.k.data());
    }
    const float* cs = hp.is_swa(il) ? s.rope_cs_swa.data() : s.rope_cs.data();
    rope_apply(hp, s.q.data(), n, hp.n_head, cs);
    rope_apply(hp, s.k.data(), n, hp.n_head_kv, cs);

    AttentionShape shape;
    shape.softcap = hp.attn_softcap;
    shape.window = hp.is_swa(il) ? hp.n_swa : 0;
    if (hp.attn_scale_on_q) {
        scale_rows(s.q.data(), n * hp.n_embd_q(), hp.attn_scale);  // ggml_scale(Qcur, ...), then kq_scale 1
    } else {
        shape.scale = hp.attn_scale;
    }

    const int64_t n_kv = hp.n_embd_kv();
    for (const ForwardSeq& q : seqs) {  // every row's K and V must reach the cache
        kv.store(il, q.n_past, q.n_rows, s.k.data() + q.row0 * n_kv, s.v.data() + q.row0 * n_kv, q.seq);
        kv.load(il, q.n_past + q.n_rows, s.k_all.data(), s.v_all.data(), q.seq);
        if (kv.quantized())
            attention_quantized_kv(hp, s, kv, il, q.row0, q.n_rows, q.n_past, q.seq, shape);
        else
            attention(hp, s, q.row0, q.n_rows, q.n_past, llama_cpp_uses_reference_attention(hp, kv, q.n_rows), shape);
    }

    matmul(l.wo, s.attn.data(), n, hp.n_embd_q(), s.proj.data(), n_embd);
    if (hp.post_norms) rms_norm_rows(s.proj.data(), n, n_embd, l.attn_post_norm, hp.rms_norm_eps, s.proj.data());
    add_into(s.x.data(), s.proj.data(), n * n_embd);
}

// Softmax router and top-k selection of each row (llama.cpp's build_moe_ffn with softmax gating):
// probabilities = softmax(logits) (exponentials summed in double, as ggml_soft_max), the
// n_expert_used largest chosen best first (ties to the lower index), their probabilities as
// weights, divided by their sum (clamped below at 2^-14, as llama.cpp does) when the model says so.
void route_tokens(const ModelHParams& hp, ForwardScratch& s, int64_t rows) {
    const int64_t ne = hp.n_expert, k = hp.n_expert_used;
    std::vector<int32_t> order(static_cast<size_t>(ne));
    for (int64_t r = 0; r < rows; ++r) {
        float* p = s.router.data() + r * ne;
        float mx = -std::numeric_limits<float>::infinity();
        for (int64_t e = 0; e < ne; ++e) mx = std::max(mx, p[e]);
        double sum = 0.0;
        for (int64_t e = 0; e < ne; ++e) sum += double(p[e] = std::exp(p[e] - mx));
        const float inv = float(1.0 / sum);
        for (int64_t e = 0; e < ne; ++e) p[e] *= inv;

        for (int64_t e = 0; e < ne; ++e) order[size_t(e)] = int32_t(e);
        std::stable_sort(order.begin(), order.end(), [p](int32_t a, int32_t b) { return p[a] > p[b]; });
        int32_t* sel = s.selected.data() + r * k;
        float* w = s.expert_w.data() + r * k;
        double wsum = 0.0;
        for (int64_t j = 0; j < k; ++j) {
            sel[j] = order[size_t(j)];
            w[j] = p[sel[j]];
            wsum += double(w[j]);
        }
        if (hp.expert_weights_norm) {
            const float denom = std::max(float(wsum), 6.103515625e-5f);
            for (int64_t j = 0; j < k; ++j) w[j] /= denom;
        }
    }
}

// The mixture-of-experts FFN of the rows of xn into proj. Each expert runs once over all the
// rows routed to it (gathered into one batch, as ggml_mul_mat_id does); its weighted output goes
// to the row's slot for that expert, and the slots are summed in top-k order.
void moe_ffn(const ModelHParams& hp, const ExpertWeights& m, ForwardScratch& s, int64_t rows) {
    const int64_t n_embd = hp.n_embd, n_ff = hp.n_ff_exp, k = hp.n_expert_used;
    matmul(m.gate_inp, s.xn.data(), rows, n_embd, s.router.data(), hp.n_expert);
    route_tokens(hp, s, rows);
    for (int64_t e = 0; e < hp.n_expert; ++e) {
        int64_t m_rows = 0;
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t j = 0; j < k; ++j)
                if (s.selected[size_t(r * k + j)] == e) {
                    s.routed[size_t(m_rows)] = int32_t(r * k + j);
                    std::copy(s.xn.data() + r * n_embd, s.xn.data() + (r + 1) * n_embd, s.expert_in.data() + m_rows * n_embd);
                    ++m_rows;
                }
        if (m_rows == 0) continue;
        matmul(m.gate[size_t(e)], s.expert_in.data(), m_rows, n_embd, s.expert_gate.data(), n_ff);
        matmul(m.up[size_t(e)], s.expert_in.data(), m_rows, n_embd, s.expert_up.data(), n_ff);
        gated_activation(FfnActivation::Silu, s.expert_gate.data(), n_ff, s.expert_up.data(), n_ff, m_rows, n_ff,
                         s.expert_gate.data(), n_ff);
        matmul(m.down[size_t(e)], s.expert_gate.data(), m_rows, n_ff, s.expert_out.data(), n_embd);
        for (int64_t i = 0; i < m_rows; ++i) {
            const int64_t slot = s.routed[size_t(i)];  // row * k + j
            const float w = s.expert_w[size_t(slot)];
            const float* src = s.expert_out.data() + i * n_embd;
            float* dst = s.moe_out.data() + slot * n_embd;
            for (int64_t d = 0; d < n_embd; ++d) dst[d] = src[d] * w;
        }
    }
    for (int64_t r = 0; r < rows; ++r) {
        float* out = s.proj.data() + r * n_embd;
        const float* slots = s.moe_out.data() + r * k * n_embd;
        std::copy(slots, slots + n_embd, out);
        for (int64_t j = 1; j < k; ++j) add_into(out, slots + j * n_embd, n_embd);
    }
}

// The feed-forward block of the rows still computed: x += post_norm(ffn(norm(x))).
void ffn_block(const ModelHParams& hp, const LayerWeights& l, ForwardScratch& s, int64_t rows) {
    const int64_t n_embd = hp.n_embd, n_ff = hp.n_ff;
    rms_norm_rows(s.x.data(), rows, n_embd, l.ffn_norm, hp.rms_norm_eps, s.xn.data());
    if (hp.n_expert > 0) {
        moe_ffn(hp, l.moe, s, rows);
    } else {
        if (weight_present(l.ffn_gate)) {
            matmul(l.ffn_gate, s.xn.data(), rows, n_embd, s.gate.data(), n_ff);
            matmul(l.ffn_up, s.xn.data(), rows, n_embd, s.up.data(), n_ff);
            gated_activation(hp.ffn_act, s.gate.data(), n_ff, s.up.data(), n_ff, rows, n_ff, s.gate.data(), n_ff);
        } else {  // one ffn_up of 2 n_ff rows: gate half first (ggml_swiglu on the fused output)
            matmul(l.ffn_up, s.xn.data(), rows, n_embd, s.up.data(), 2 * n_ff);
            gated_activation(hp.ffn_act, s.up.data(), 2 * n_ff, s.up.data() + n_ff, 2 * n_ff, rows, n_ff, s.gate.data(), n_ff);
        }
        matmul(l.ffn_down, s.gate.data(), rows, n_ff, s.proj.data(), n_embd);
    }
    if (hp.post_norms) rms_norm_rows(s.proj.data(), rows, n_embd, l.ffn_post_norm, hp.rms_norm_eps, s.proj.data());
    add_into(s.x.data(), s.proj.data(), rows * n_embd);
}

// After the last attention only the rows whose logits are wanted matter: keeps those, in order,
// at the front of x (llama.cpp's inp_out_ids; the result per row is the same). Returns their count.
int64_t keep_wanted_rows(ForwardScratch& s, int64_t n, int64_t n_embd, std::span<const uint8_t> want_logits) {
    int64_t rows = 0;
    for (int64_t i = 0; i < n; ++i)
        if (want_logits[size_t(i)]) {
            if (rows != i) std::copy(s.x.data() + i * n_embd, s.x.data() + (i + 1) * n_embd, s.x.data() + rows * n_embd);
            ++rows;
        }
    return rows;
}

}  // namespace

void model_forward(const Model& model, KvCache& kv, ForwardScratch& s, std::span<const int32_t> tokens,
                   int64_t n_past, std::span<const uint8_t> want_logits, float* logits) {
    const ForwardSeq one{0, n_past, 0, int64_t(tokens.size())};
    model_forward(model, kv, s, tokens, std::span(&one, 1), want_logits, logits);
}

void model_forward(const Model& model, KvCache& kv, ForwardScratch& s, std::span<const int32_t> tokens,
                   std::span<const ForwardSeq> seqs, std::span<const uint8_t> want_logits, float* logits) {
    const ModelHParams& hp = model.hparams();
    const ModelWeights& w = model.weights();
    const int64_t n = int64_t(tokens.size()), n_embd = hp.n_embd;

    // Token embeddings: the rows of token_embd, dequantized (ggml_get_rows), scaled for gemma.
    for (int64_t i = 0; i < n; ++i) weight_row_to_f32(w.token_embd, tokens[size_t(i)], s.x.data() + i * n_embd);
    if (hp.embd_scale != 0.0f) scale_rows(s.x.data(), n * n_embd, hp.embd_scale);

    for (const ForwardSeq& q : seqs) {  // each sequence's own positions
        const int64_t off = q.row0 * hp.n_rot;
        rope_cache(hp, hp.rope_freq_base, hp.rope_freq_scale, w.rope_freqs, q.n_past, q.n_rows, s.rope_cs.data() + off);
        if (hp.n_swa > 0)
            rope_cache(hp, hp.rope_freq_base_swa, hp.rope_freq_scale_swa, w.rope_freqs, q.n_past, q.n_rows,
                       s.rope_cs_swa.data() + off);
    }

    int64_t rows = n;  // rows of x still computed: all of them until the last layer's attention
    for (int64_t il = 0; il < hp.n_layer; ++il) {
        const LayerWeights& l = w.layers[size_t(il)];
        attention_block(hp, l, il, kv, s, n, seqs);
        if (il == hp.n_layer - 1) {
            rows = keep_wanted_rows(s, n, n_embd, want_logits);
            if (rows == 0) return;
        }
        ffn_block(hp, l, s, rows);
    }

    // Output: final norm and projection to the vocabulary of the wanted rows.
    rms_norm_rows(s.x.data(), rows, n_embd, w.output_norm, hp.rms_norm_eps, s.xn.data());
    matmul(w.output, s.xn.data(), rows, n_embd, logits, hp.n_vocab);
    if (hp.final_softcap != 0.0f) softcap(logits, rows * hp.n_vocab, hp.final_softcap);
}

}  // namespace qs
