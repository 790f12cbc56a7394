#include "random_model.h"

#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <random>

#include <fmt/format.h>

#include "gguf/gguf_writer.h"
#include "kernels/kernels.h"

namespace qs::test {
namespace {

struct Writer {
    GgufWriter gguf;
    std::vector<std::unique_ptr<std::vector<uint8_t>>> buffers;  // kept alive until write()
    std::mt19937 rng;
    GgmlType matrix_type;

    std::vector<float> normal(size_t count, double sigma, double mean = 0.0) {
        std::normal_distribution<double> d(mean, sigma);
        std::vector<float> v(count);
        for (float& x : v) x = float(d(rng));
        return v;
    }

    // Stores values in `type` and returns the values the file then holds.
    std::vector<float> add(const std::string& name, GgmlType type, std::vector<int64_t> ne, std::vector<float> values) {
        auto buf = std::make_unique<std::vector<uint8_t>>(row_size(type, ne[0]) * (values.size() / size_t(ne[0])));
        if (type == GgmlType::F32) {
            std::memcpy(buf->data(), values.data(), buf->size());
        } else {
            const TypeKernels& k = kernels_get(type, Isa::Scalar);
            k.from_f32(values.data(), buf->data(), int64_t(values.size()));
            k.to_f32(buf->data(), values.data(), int64_t(values.size()));
        }
        gguf.add_tensor(name, type, std::move(ne), buf->data(), buf->size());
        buffers.push_back(std::move(buf));
        return values;
    }

    RefMatrix matrix(const std::string& name, int64_t k, int64_t n, double sigma) {
        RefMatrix m{k, n, {}};
        m.w = add(name, matrix_type, {k, n}, normal(size_t(k * n), sigma));
        return m;
    }

    std::vector<float> vec(const std::string& name, int64_t n, double sigma, double mean) {
        return add(name, GgmlType::F32, {n}, normal(size_t(n), sigma, mean));
    }
};

}  // namespace

namespace {

std::vector<float> concat(std::initializer_list<const std::vector<float>*> parts) {
    std::vector<float> out;
    for (const auto* p : parts) out.insert(out.end(), p->begin(), p->end());
    return out;
}

}  // namespace

RefModel random_model_write(const RandomModelSpec& spec, const std::string& path) {
    RefModel m;
    m.spec = spec;
    Writer w{GgufWriter{}, {}, std::mt19937(spec.seed), spec.matrix_type};
    const std::string& a = spec.arch;
    const bool qwen2 = a == "qwen2", gemma = a == "gemma2" || a == "gemma3", phi3 = a == "phi3", moe = a == "qwen3moe";
    const bool qk_norm = a == "qwen3" || moe || a == "gemma3";
    const bool tied = spec.tied || qwen2;

    w.gguf.set("general.architecture", GgufValue::str(a));
    w.gguf.set(a + ".embedding_length", GgufValue::u32(uint32_t(spec.n_embd)));
    w.gguf.set(a + ".block_count", GgufValue::u32(uint32_t(spec.n_layer)));
    w.gguf.set(a + ".attention.head_count", GgufValue::u32(uint32_t(spec.n_head)));
    w.gguf.set(a + ".attention.head_count_kv", GgufValue::u32(uint32_t(spec.n_head_kv)));
    w.gguf.set(a + ".feed_forward_length", GgufValue::u32(uint32_t(spec.n_ff)));
    w.gguf.set(a + ".context_length", GgufValue::u32(256));
    w.gguf.set(a + ".attention.layer_norm_rms_epsilon", GgufValue::f32(spec.rms_eps));
    w.gguf.set(a + ".rope.freq_base", GgufValue::f32(spec.rope_freq_base));
    if (spec.key_length) {
        w.gguf.set(a + ".attention.key_length", GgufValue::u32(uint32_t(spec.key_length)));
        w.gguf.set(a + ".attention.value_length", GgufValue::u32(uint32_t(spec.key_length)));
    }
    if (spec.n_rot) w.gguf.set(a + ".rope.dimension_count", GgufValue::u32(uint32_t(spec.n_rot)));
    if (spec.rope_scale_factor != 0.0f) {
        w.gguf.set(a + ".rope.scaling.type", GgufValue::str("linear"));
        w.gguf.set(a + ".rope.scaling.factor", GgufValue::f32(spec.rope_scale_factor));
    }
    if (spec.n_swa) w.gguf.set(a + ".attention.sliding_window", GgufValue::u32(uint32_t(spec.n_swa)));
    if (spec.swa_pattern) w.gguf.set(a + ".attention.sliding_window_pattern", GgufValue::u32(uint32_t(spec.swa_pattern)));
    if (spec.rope_freq_base_swa > 0.0f) w.gguf.set(a + ".rope.freq_base_swa", GgufValue::f32(spec.rope_freq_base_swa));
    if (spec.attn_softcap > 0.0f) w.gguf.set(a + ".attn_logit_softcapping", GgufValue::f32(spec.attn_softcap));
    if (spec.final_softcap > 0.0f) w.gguf.set(a + ".final_logit_softcapping", GgufValue::f32(spec.final_softcap));
    if (moe) {
        w.gguf.set(a + ".expert_count", GgufValue::u32(uint32_t(spec.n_expert)));
        w.gguf.set(a + ".expert_used_count", GgufValue::u32(uint32_t(spec.n_expert_used)));
        w.gguf.set(a + ".expert_feed_forward_length", GgufValue::u32(uint32_t(spec.n_ff_exp)));
    }
    std::vector<GgufValue> tokens;
    for (int64_t t = 0; t < spec.n_vocab; ++t) tokens.push_back(GgufValue::str(fmt::format("tok{}", t)));
    w.gguf.set("tokenizer.ggml.tokens", GgufValue::array(GgufType::STRING, std::move(tokens)));

    if (!spec.rope_freqs.empty()) w.add("rope_freqs.weight", GgmlType::F32, {int64_t(spec.rope_freqs.size())}, spec.rope_freqs);
    const int64_t e = spec.n_embd, hd = spec.head_dim(), nq = spec.n_head * hd, nkv = spec.n_head_kv * hd;
    const auto s = [](int64_t k) { return 1.0 / std::sqrt(double(k)); };
    m.token_embd = w.matrix("token_embd.weight", e, spec.n_vocab, gemma ? 0.2 : 1.0);  // gemma scales it by sqrt(e)
    m.output_norm = w.vec("output_norm.weight", e, 0.1, 1.0);
    m.output = tied ? m.token_embd : w.matrix("output.weight", e, spec.n_vocab, s(e));
    for (int64_t il = 0; il < spec.n_layer; ++il) {
        const std::string p = fmt::format("blk.{}.", il);
        RefLayer l;
        l.attn_norm = w.vec(p + "attn_norm.weight", e, 0.1, 1.0);
        // Q and K a little larger than 1/sqrt(k) so attention is far from uniform.
        if (phi3) {  // generated apart, stored as one fused matrix: rows of Q, then K, then V
            const auto wq = w.normal(size_t(e * nq), 2.0 * s(e)), wk = w.normal(size_t(e * nkv), 2.0 * s(e));
            const auto wv = w.normal(size_t(e * nkv), s(e));
            const auto fused = w.add(p + "attn_qkv.weight", spec.matrix_type, {e, nq + 2 * nkv}, concat({&wq, &wk, &wv}));
            l.wq = {e, nq, std::vector<float>(fused.begin(), fused.begin() + e * nq)};
            l.wk = {e, nkv, std::vector<float>(fused.begin() + e * nq, fused.begin() + e * (nq + nkv))};
            l.wv = {e, nkv, std::vector<float>(fused.begin() + e * (nq + nkv), fused.end())};
        } else {
            l.wq = w.matrix(p + "attn_q.weight", e, nq, 2.0 * s(e));
            l.wk = w.matrix(p + "attn_k.weight", e, nkv, 2.0 * s(e));
            l.wv = w.matrix(p + "attn_v.weight", e, nkv, s(e));
        }
        if (qwen2) {
            l.bq = w.vec(p + "attn_q.bias", nq, 0.5, 0.0);
            l.bk = w.vec(p + "attn_k.bias", nkv, 0.5, 0.0);
            l.bv = w.vec(p + "attn_v.bias", nkv, 0.5, 0.0);
        }
        if (qk_norm) {
            l.q_norm = w.vec(p + "attn_q_norm.weight", hd, 0.2, 1.5);
            l.k_norm = w.vec(p + "attn_k_norm.weight", hd, 0.2, 1.5);
        }
        l.wo = w.matrix(p + "attn_output.weight", nq, e, s(nq));
        if (gemma) l.post_attn_norm = w.vec(p + "post_attention_norm.weight", e, 0.1, 1.0);
        l.ffn_norm = w.vec(p + "ffn_norm.weight", e, 0.1, 1.0);
        if (moe) {
            const int64_t ne = spec.n_expert, ff = spec.n_ff_exp;
            l.router = w.matrix(p + "ffn_gate_inp.weight", e, ne, 3.0 * s(e));
            // 3-D tensors ne [k, n, n_expert]: expert x's rows follow expert x-1's.
            const auto experts = [&](const std::string& name, int64_t k, int64_t n, double sigma) {
                const auto all = w.add(name, spec.matrix_type, {k, n, ne}, w.normal(size_t(k * n * ne), sigma));
                std::vector<RefMatrix> out;
                for (int64_t x = 0; x < ne; ++x)
                    out.push_back({k, n, std::vector<float>(all.begin() + x * k * n, all.begin() + (x + 1) * k * n)});
                return out;
            };
            l.exp_gate = experts(p + "ffn_gate_exps.weight", e, ff, s(e));
            l.exp_up = experts(p + "ffn_up_exps.weight", e, ff, s(e));
            l.exp_down = experts(p + "ffn_down_exps.weight", ff, e, s(ff));
        } else if (phi3) {  // ffn_up holds the gate rows, then the up rows
            const auto g = w.normal(size_t(e * spec.n_ff), s(e)), u = w.normal(size_t(e * spec.n_ff), s(e));
            const auto fused = w.add(p + "ffn_up.weight", spec.matrix_type, {e, 2 * spec.n_ff}, concat({&g, &u}));
            l.gate = {e, spec.n_ff, std::vector<float>(fused.begin(), fused.begin() + e * spec.n_ff)};
            l.up = {e, spec.n_ff, std::vector<float>(fused.begin() + e * spec.n_ff, fused.end())};
            l.down = w.matrix(p + "ffn_down.weight", spec.n_ff, e, s(spec.n_ff));
        } else {
            l.gate = w.matrix(p + "ffn_gate.weight", e, spec.n_ff, s(e));
            l.up = w.matrix(p + "ffn_up.weight", e, spec.n_ff, s(e));
            l.down = w.matrix(p + "ffn_down.weight", spec.n_ff, e, s(spec.n_ff));
        }
        if (gemma) l.post_ffw_norm = w.vec(p + "post_ffw_norm.weight", e, 0.1, 1.0);
        m.layers.push_back(std::move(l));
    }
    w.gguf.write(path);
    return m;
}

}  // namespace qs::test
