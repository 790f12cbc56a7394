#include "model/model.h"

#include <algorithm>

#include "core/error.h"
#include "hf/hf_checkpoint.h"

namespace qs {

std::shared_ptr<const Model> Model::load(const std::string& path) {
    std::shared_ptr<Model> m(new Model());
    m->file_ = std::make_shared<const GgufFile>(model_file_open(path));  // GGUF file or HF checkpoint directory
    m->bind();
    return m;
}

std::shared_ptr<const Model> Model::with_weights(const Model& base, std::map<std::string, OwnedTensor> replaced) {
    std::shared_ptr<Model> m(new Model());
    m->file_ = base.file_;
    m->owned_ = base.owned_;
    for (auto& [name, t] : replaced) {
        int64_t rows = t.ne.empty() ? 0 : 1;
        for (size_t i = 1; i < t.ne.size(); ++i) rows *= t.ne[i];
        if (t.ne.empty() || t.data.size() != row_size(t.type, t.ne[0]) * size_t(rows))
            fail_file(base.path(), "replacement tensor '{}' holds {} bytes, which does not match its shape and type",
                      name, t.data.size());
        m->owned_[name] = std::move(t);
    }
    m->bind();
    return m;
}

void Model::bind() {
    hparams_ = model_hparams_read(*file_);
    const TensorLookup lookup = [this](const std::string& name) -> std::optional<TensorRef> {
        if (auto it = owned_.find(name); it != owned_.end())
            return TensorRef{it->second.type, it->second.ne, it->second.data.data()};
        if (const GgufTensorInfo* t = file_->find_tensor(name)) return TensorRef{t->type, t->ne, t->data};
        return std::nullopt;
    };
    weights_ = model_weights_bind(hparams_, lookup, file_->path());
    // A matrix read from the file and packed is never read from the file again (token_embd's rows
    // are, so a tied output stays): its mapped pages need not stay resident beside the packed copy.
    // They are dropped as soon as it is packed, so loading peaks at the file plus one matrix, not
    // the file plus every packed copy (Q8_0 L1B: 2.25 GB -> 1.2 GB; llama.cpp 1.30 GB).
    packed_bytes_ = model_weights_pack(weights_, [this](const WeightView& m) {
        if (m.data != weights_.token_embd.data) file_->drop_pages(m.data, row_size(m.type, m.k) * size_t(m.n));
    });
}

namespace {
// The options, after refusing a quantized cache whose blocks would straddle two heads (llama.cpp
// refuses it too: ggml's flash attention takes the dot product of whole blocks per head).
const ContextOptions& kv_types_checked(const Model& m, const ContextOptions& o) {
    for (KvCacheType t : {o.k_cache(), o.v_cache()}) {
        if (!kv_cache_type_quantized(t)) continue;
        const int64_t block = type_traits(kv_cache_ggml_type(t)).block_size;
        if (m.hparams().head_dim % block != 0)
            fail_file(m.path(), "KV cache type {} needs a head size that is a multiple of {}; this model's is {}",
                      kv_cache_type_name(t), block, m.hparams().head_dim);
    }
    return o;
}
}  // namespace

ModelContext::ModelContext(std::shared_ptr<const Model> model, int n_ctx, const ContextOptions& opts)
    : model_(std::move(model)),
      opts_(kv_types_checked(*model_, opts)),
      kv_(model_->hparams().n_layer, std::max(n_ctx, 1), model_->hparams().n_embd_kv(), opts.k_cache(), opts.v_cache(),
          std::max(opts.n_seq, 1), opts.kv_quantize),
      scratch_(model_->hparams(), std::max(1, std::min(opts.n_ubatch, std::max(n_ctx, 1))), std::max(n_ctx, 1)) {
    if (n_ctx <= 0) throw Error(fmt::format("{}: context size {} must be positive", model_->path(), n_ctx));
    if (opts.n_ubatch <= 0) throw Error(fmt::format("{}: n_ubatch {} must be positive", model_->path(), opts.n_ubatch));
    if (opts.n_seq <= 0) throw Error(fmt::format("{}: n_seq {} must be positive", model_->path(), opts.n_seq));
    n_past_.assign(size_t(opts.n_seq), 0);
}

void ModelContext::clear(int seq) {
    if (seq < 0 || seq >= n_seq()) fail_file(model_->path(), "clear: sequence {} is outside [0, {})", seq, n_seq());
    n_past_[size_t(seq)] = 0;
}

uint64_t ModelContext::scratch_bytes() const { return scratch_.bytes(); }

void ModelContext::rewind(int n_past) {
    // Positions are written in order and only [0, n_past) is read by the next decode, so moving
    // the end back is all a rewind needs.
    if (n_past < 0 || n_past > n_past_[0])
        fail_file(model_->path(), "rewind: position {} is outside the cached range [0, {}]", n_past, n_past_[0]);
    n_past_[0] = n_past;
}

void ModelContext::decode(std::span<const int32_t> tokens, std::span<const uint8_t> want_logits, float* logits) {
    const ModelHParams& hp = model_->hparams();
    const int64_t n = int64_t(tokens.size());
    if (want_logits.size() != tokens.size())
        fail_file(model_->path(), "decode: {} tokens but {} logit flags", tokens.size(), want_logits.size());
    if (n_past_[0] + n > kv_.n_ctx())
        fail_file(model_->path(), "decode: positions up to {} exceed the context size {}", n_past_[0] + n, kv_.n_ctx());
    for (int64_t i = 0; i < n; ++i)
        if (tokens[size_t(i)] < 0 || tokens[size_t(i)] >= hp.n_vocab)
            fail_file(model_->path(), "decode: token id {} at index {} is outside the vocabulary [0, {})",
                      tokens[size_t(i)], i, hp.n_vocab);
    const int64_t n_wanted = std::count_if(want_logits.begin(), want_logits.end(), [](uint8_t w) { return w != 0; });
    if (n_wanted > 0 && logits == nullptr) fail_file(model_->path(), "decode: logits requested but no output buffer given");

    const int64_t n_ubatch = scratch_.n_ubatch;
    float* out = logits;
    for (int64_t start = 0; start < n; start += n_ubatch) {
        const int64_t len = std::min(n_ubatch, n - start);
        const auto want = want_logits.subspan(size_t(start), size_t(len));
        model_forward(*model_, kv_, scratch_, tokens.subspan(size_t(start), size_t(len)), n_past_[0], want, out);
        n_past_[0] += len;
        out += std::count_if(want.begin(), want.end(), [](uint8_t w) { return w != 0; }) * hp.n_vocab;
    }
}

void ModelContext::decode_batch(std::span<const SeqTokens> batch, float* logits) {
    const ModelHParams& hp = model_->hparams();
    std::vector<uint8_t> seen(n_past_.size(), 0);
    for (const SeqTokens& e : batch) {
        if (e.seq < 0 || e.seq >= n_seq()) fail_file(model_->path(), "decode_batch: sequence {} is outside [0, {})", e.seq, n_seq());
        if (seen[size_t(e.seq)]++) fail_file(model_->path(), "decode_batch: sequence {} appears twice", e.seq);
        if (e.tokens.empty()) fail_file(model_->path(), "decode_batch: sequence {} has no token", e.seq);
        if (n_past_[size_t(e.seq)] + int64_t(e.tokens.size()) > kv_.n_ctx())
            fail_file(model_->path(), "decode_batch: sequence {}: positions up to {} exceed the context size {}", e.seq,
                      n_past_[size_t(e.seq)] + int64_t(e.tokens.size()), kv_.n_ctx());
        for (const int32_t t : e.tokens)
            if (t < 0 || t >= hp.n_vocab)
                fail_file(model_->path(), "decode_batch: token id {} is outside the vocabulary [0, {})", t, hp.n_vocab);
    }
    // Passes of at most n_ubatch rows; an entry longer than the room left is split across passes
    // (then the pass is full and runs before the rest of it is queued, so a pass holds each
    // sequence once).
    const int64_t n_ubatch = scratch_.n_ubatch;
    std::vector<int32_t> tokens;
    std::vector<uint8_t> want;
    std::vector<ForwardSeq> seqs;
    float* out = logits;
    auto run_pass = [&] {
        if (tokens.empty()) return;
        model_forward(*model_, kv_, scratch_, tokens, seqs, want, out);
        for (const ForwardSeq& q : seqs) n_past_[size_t(q.seq)] += q.n_rows;
        out += std::count(want.begin(), want.end(), uint8_t(1)) * hp.n_vocab;
        tokens.clear(), want.clear(), seqs.clear();
    };
    for (const SeqTokens& e : batch) {
        size_t done = 0;
        while (done < e.tokens.size()) {
            if (int64_t(tokens.size()) == n_ubatch) run_pass();
            const size_t take = std::min(e.tokens.size() - done, size_t(n_ubatch) - tokens.size());
            seqs.push_back(ForwardSeq{e.seq, n_past_[size_t(e.seq)], int64_t(tokens.size()), int64_t(take)});
            tokens.insert(tokens.end(), e.tokens.begin() + std::ptrdiff_t(done), e.tokens.begin() + std::ptrdiff_t(done + take));
            want.resize(tokens.size(), 0);
            done += take;
            if (done == e.tokens.size()) want.back() = 1;
        }
    }
    run_pass();
}

}  // namespace qs
