#include "model/model_weights.h"

#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"
#include "kernels/kernels.h"

namespace qs {
namespace {

class Binder {
public:
    Binder(const TensorLookup& lookup, const std::string& label) : lookup_(lookup), label_(label) {}

    std::optional<TensorRef> find(const std::string& name) const { return lookup_(name); }

    TensorRef require(const std::string& name, const std::vector<int64_t>& expected) const {
        std::optional<TensorRef> t = lookup_(name);
        if (!t) fail_file(label_, "tensor '{}' is missing", name);
        check(name, *t, expected);
        return *t;
    }

    WeightView matrix(const std::string& name, int64_t k, int64_t n) const {
        return view(name, require(name, {k, n}));
    }

    WeightView view(const std::string& name, const TensorRef& t) const {
        return WeightView{t.type, t.data, t.ne[0], t.ne.size() > 1 ? t.ne[1] : 1};
    }

    std::vector<float> vector(const std::string& name, int64_t n) const {
        const TensorRef t = require(name, {n});
        return to_f32(name, t);
    }

    std::vector<float> optional_vector(const std::string& name, int64_t n) const {
        std::optional<TensorRef> t = lookup_(name);
        if (!t) return {};
        check(name, *t, {n});
        return to_f32(name, *t);
    }

    void check(const std::string& name, const TensorRef& t, const std::vector<int64_t>& expected) const {
        // Trailing dimensions of 1 are the same shape (ggml's ne is always 4-D in memory).
        std::vector<int64_t> ne = t.ne;
        while (ne.size() > expected.size() && ne.back() == 1) ne.pop_back();
        if (ne != expected)
            fail_file(label_, "tensor '{}' has shape [{}], expected [{}]", name, fmt::join(t.ne, ", "),
                      fmt::join(expected, ", "));
        const TypeTraits* tr = type_traits_or_null(uint32_t(t.type));
        if (!tr) fail_file(label_, "tensor '{}' has unknown type id {}", name, uint32_t(t.type));
        if (!tr->computable)
            fail_file(label_, "tensor '{}' has type {}, which QuantScope cannot compute", name, tr->name);
        if (expected[0] % tr->block_size != 0)
            fail_file(label_, "tensor '{}' of type {} has rows of {} elements, not a multiple of the block size {}",
                      name, tr->name, expected[0], tr->block_size);
        try {
            (void)kernels_get(t.type);
        } catch (const Error& e) {
            fail_file(label_, "tensor '{}': {}", name, e.what());
        }
    }

private:
    std::vector<float> to_f32(const std::string& name, const TensorRef& t) const {
        std::vector<float> out(size_t(t.ne[0]));
        kernels_get(t.type).to_f32(t.data, out.data(), t.ne[0]);
        (void)name;
        return out;
    }

    const TensorLookup& lookup_;
    const std::string& label_;
};

}  // namespace

namespace {

// The slices of a 3-D expert tensor (ne [k, n, n_expert]) as n_expert matrices of n rows of k.
std::vector<WeightView> expert_slices(const Binder& b, const std::string& name, int64_t k, int64_t n, int64_t n_expert) {
    const TensorRef t = b.require(name, {k, n, n_expert});
    const size_t bytes = row_size(t.type, k) * size_t(n);
    std::vector<WeightView> out;
    for (int64_t e = 0; e < n_expert; ++e)
        out.push_back(WeightView{t.type, static_cast<const uint8_t*>(t.data) + size_t(e) * bytes, k, n});
    return out;
}

void bind_attention(const Binder& b, const ModelHParams& hp, const std::string& p, LayerWeights& l) {
    l.attn_norm = b.vector(p + "attn_norm.weight", hp.n_embd);
    if (b.find(p + "attn_qkv.weight")) {  // phi3 (llama.cpp's create_tensor_qkv takes either form)
        l.wqkv = b.matrix(p + "attn_qkv.weight", hp.n_embd, hp.n_embd_q() + 2 * hp.n_embd_kv());
    } else {
        l.wq = b.matrix(p + "attn_q.weight", hp.n_embd, hp.n_embd_q());
        l.wk = b.matrix(p + "attn_k.weight", hp.n_embd, hp.n_embd_kv());
        l.wv = b.matrix(p + "attn_v.weight", hp.n_embd, hp.n_embd_kv());
    }
    if (hp.qkv_bias) {
        l.bq = b.vector(p + "attn_q.bias", hp.n_embd_q());
        l.bk = b.vector(p + "attn_k.bias", hp.n_embd_kv());
        l.bv = b.vector(p + "attn_v.bias", hp.n_embd_kv());
    }
    if (hp.qk_norm) {
        l.q_norm = b.vector(p + "attn_q_norm.weight", hp.head_dim);
        l.k_norm = b.vector(p + "attn_k_norm.weight", hp.head_dim);
    }
    l.wo = b.matrix(p + "attn_output.weight", hp.n_embd_q(), hp.n_embd);
    if (hp.post_norms) l.attn_post_norm = b.vector(p + "post_attention_norm.weight", hp.n_embd);
}

void bind_ffn(const Binder& b, const ModelHParams& hp, const std::string& p, LayerWeights& l) {
    l.ffn_norm = b.vector(p + "ffn_norm.weight", hp.n_embd);
    if (hp.n_expert > 0) {
        l.moe.gate_inp = b.matrix(p + "ffn_gate_inp.weight", hp.n_embd, hp.n_expert);
        l.moe.gate = expert_slices(b, p + "ffn_gate_exps.weight", hp.n_embd, hp.n_ff_exp, hp.n_expert);
        l.moe.up = expert_slices(b, p + "ffn_up_exps.weight", hp.n_embd, hp.n_ff_exp, hp.n_expert);
        l.moe.down = expert_slices(b, p + "ffn_down_exps.weight", hp.n_ff_exp, hp.n_embd, hp.n_expert);
    } else if (!b.find(p + "ffn_gate.weight") && hp.arch == ModelArch::Phi3) {
        l.ffn_up = b.matrix(p + "ffn_up.weight", hp.n_embd, 2 * hp.n_ff);  // gate rows, then up rows
        l.ffn_down = b.matrix(p + "ffn_down.weight", hp.n_ff, hp.n_embd);
    } else {
        l.ffn_gate = b.matrix(p + "ffn_gate.weight", hp.n_embd, hp.n_ff);
        l.ffn_up = b.matrix(p + "ffn_up.weight", hp.n_embd, hp.n_ff);
        l.ffn_down = b.matrix(p + "ffn_down.weight", hp.n_ff, hp.n_embd);
    }
    if (hp.post_norms) l.ffn_post_norm = b.vector(p + "post_ffw_norm.weight", hp.n_embd);
}

}  // namespace

ModelWeights model_weights_bind(const ModelHParams& hp, const TensorLookup& lookup, const std::string& label) {
    const Binder b(lookup, label);
    ModelWeights w;
    w.token_embd = b.matrix("token_embd.weight", hp.n_embd, hp.n_vocab);
    w.output_norm = b.vector("output_norm.weight", hp.n_embd);
    if (b.find("output.weight")) {
        w.output = b.matrix("output.weight", hp.n_embd, hp.n_vocab);
    } else {
        w.output = w.token_embd;
        w.output_tied = true;
    }
    w.rope_freqs = b.optional_vector("rope_freqs.weight", hp.n_rot / 2);
    for (const char* name : {"output.bias", "rope_factors_long.weight", "rope_factors_short.weight"})
        if (b.find(name)) fail_file(label, "tensor '{}' is not supported by QuantScope", name);

    w.layers.resize(size_t(hp.n_layer));
    for (int64_t il = 0; il < hp.n_layer; ++il) {
        LayerWeights& l = w.layers[size_t(il)];
        const std::string p = fmt::format("blk.{}.", il);
        bind_attention(b, hp, p, l);
        bind_ffn(b, hp, p, l);
    }
    return w;
}

std::vector<const WeightView*> model_weights_matrices(const ModelWeights& w) {
    std::vector<const WeightView*> matrices = {&w.output};
    const auto add = [&](const WeightView& m) {
        if (weight_present(m)) matrices.push_back(&m);
    };
    for (const LayerWeights& l : w.layers) {
        for (const WeightView* m : {&l.wq, &l.wk, &l.wv, &l.wqkv, &l.wo, &l.ffn_gate, &l.ffn_up, &l.ffn_down}) add(*m);
        add(l.moe.gate_inp);
        for (const auto* experts : {&l.moe.gate, &l.moe.up, &l.moe.down})
            for (const WeightView& m : *experts) add(m);
    }
    return matrices;
}

std::vector<WeightView*> model_weights_matrices(ModelWeights& w) {
    std::vector<WeightView*> out;  // the same list, writable: w itself is
    for (const WeightView* m : model_weights_matrices(std::as_const(w))) out.push_back(const_cast<WeightView*>(m));
    return out;
}

size_t model_weights_pack(ModelWeights& w, const std::function<void(const WeightView&)>& on_packed) {
    size_t bytes = 0;
    for (WeightView* m : model_weights_matrices(w)) {
        auto packed = std::make_shared<const PackedWeight>(*m);
        if (packed->empty()) continue;
        bytes += packed->bytes();
        m->packed = packed.get();
        w.packed.push_back(std::move(packed));
        if (on_packed) on_packed(*m);
    }
    return bytes;
}

}  // namespace qs
