// Shared helpers of the model tests.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "core/error.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "model/model.h"

namespace qs::test {

// n token ids spread over the vocabulary, deterministic.
inline std::vector<int32_t> test_tokens(int64_t n, int64_t n_vocab, uint32_t salt = 0) {
    std::vector<int32_t> t(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) t[size_t(i)] = int32_t((i * 37 + 11 + salt * 101) % n_vocab);
    return t;
}

// All logits of tokens decoded as one batch from position 0: [n * n_vocab].
inline std::vector<float> decode_all(ModelContext& ctx, const std::vector<int32_t>& tokens) {
    const int64_t nv = ctx.model().hparams().n_vocab;
    std::vector<float> logits(tokens.size() * size_t(nv));
    const std::vector<uint8_t> want(tokens.size(), 1);
    ctx.decode(tokens, want, logits.data());
    return logits;
}

// max |a - b| over all entries, divided by max |b|: an error relative to the logits' scale.
inline double max_rel_error(const std::vector<float>& a, const std::vector<float>& b) {
    double d = 0, m = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        d = std::max(d, std::abs(double(a[i]) - double(b[i])));
        m = std::max(m, std::abs(double(b[i])));
    }
    return d / m;
}

// Copies a GGUF file, letting `edit` change metadata and tensors on the way: it receives the
// writer after everything was added... except tensors for which `skip(name)` is true.
inline void gguf_rewrite(const std::string& src, const std::string& dst,
                         const std::function<bool(const GgufTensorInfo&)>& skip,
                         const std::function<void(GgufWriter&)>& edit) {
    const GgufFile f = GgufFile::open(src);
    GgufWriter w;
    for (const GgufMetadataEntry& e : f.metadata())
        if (e.key != "general.alignment") w.set(e.key, e.value);
    for (const GgufTensorInfo& t : f.tensors())
        if (!skip(t)) w.add_tensor(t.name, t.type, t.ne, t.data, t.nbytes);
    edit(w);
    w.write(dst);
}

}  // namespace qs::test
