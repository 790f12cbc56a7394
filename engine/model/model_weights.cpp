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

    w.layers.resize(size_t(hp.n_layer));
    for (int64_t il = 0; il < hp.n_layer; ++il) {
        LayerWeights& l = w.layers[size_t(il)];
        const std::string p = fmt::format("blk.{}.", il);
        l.attn_norm = b.vector(p + "attn_norm.weight", hp.n_embd);
        l.wq = b.matrix(p + "attn_q.weight", hp.n_embd, hp.n_embd_q());
        l.wk = b.matrix(p + "attn_k.weight", hp.n_embd, hp.n_embd_kv());
        l.wv = b.matrix(p + "attn_v.weight", hp.n_embd, hp.n_embd_kv());
        if (hp.qkv_bias) {
            l.bq = b.vector(p + "attn_q.bias", hp.n_embd_q());
            l.bk = b.vector(p + "attn_k.bias", hp.n_embd_kv());
            l.bv = b.vector(p + "attn_v.bias", hp.n_embd_kv());
        }
        l.wo = b.matrix(p + "attn_output.weight", hp.n_embd_q(), hp.n_embd);
        l.ffn_norm = b.vector(p + "ffn_norm.weight", hp.n_embd);
        l.ffn_gate = b.matrix(p + "ffn_gate.weight", hp.n_embd, hp.n_ff);
        l.ffn_up = b.matrix(p + "ffn_up.weight", hp.n_embd, hp.n_ff);
        l.ffn_down = b.matrix(p + "ffn_down.weight", hp.n_ff, hp.n_embd);
    }
    return w;
}

std::vector<const WeightView*> model_weights_matrices(const ModelWeights& w) {
    std::vector<const WeightView*> matrices = {&w.output};
    for (const LayerWeights& l : w.layers)
        for (const WeightView* m : {&l.wq, &l.wk, &l.wv, &l.wo, &l.ffn_gate, &l.ffn_up, &l.ffn_down}) matrices.push_back(m);
    return matrices;
}

std::vector<WeightView*> model_weights_matrices(ModelWeights& w) {
    std::vector<WeightView*> out;  // the same list, writable: w itself is
    for (const WeightView* m : model_weights_matrices(std::as_const(w))) out.push_back(const_cast<WeightView*>(m));
    return out;
}

size_t model_weights_pack(ModelWeights& w) {
    size_t bytes = 0;
    for (WeightView* m : model_weights_matrices(w)) {
        auto packed = std::make_shared<const PackedWeight>(*m);
        if (packed->empty()) continue;
        bytes += packed->bytes();
        m->packed = packed.get();
        w.packed.push_back(std::move(packed));
    }
    return bytes;
}

}  // namespace qs
