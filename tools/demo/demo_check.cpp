// Export-time check of the demo model (run by tools/demo/export.py): does QuantScope's engine read
// the GGUF exactly as PyTorch trained it?
//   1. tokenizer: the engine's tokens for a text equal the recipe's Python tokens;
//   2. forward pass: the engine's logits (F32 KV cache, so no f16 rounding) equal PyTorch's.
//
//   qs-demo-check MODEL TEXT TOKENS LOGIT_TOKENS LOGITS
//     TEXT          a text file, tokenized with BOS as llama-perplexity does (final newline kept)
//     TOKENS        the Python token ids of TEXT (with BOS), whitespace separated
//     LOGIT_TOKENS  the ids fed to PyTorch, whitespace separated
//     LOGITS        PyTorch's logits, float32 little-endian [n_tokens][n_vocab]
// Prints the figures and exits 1 when tokens differ or the largest logit difference exceeds 1e-3.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace {

std::string read_all(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) qs::fail_file(path, "cannot open");
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

std::vector<int32_t> read_ids(const std::string& path) {
    std::istringstream s(read_all(path));
    std::vector<int32_t> ids;
    int64_t v;
    while (s >> v) ids.push_back(int32_t(v));
    return ids;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 6) {
        std::fprintf(stderr, "usage: %s MODEL TEXT TOKENS LOGIT_TOKENS LOGITS\n", argv[0]);
        return 2;
    }
    try {
        auto model = qs::Model::load(argv[1]);
        auto tok = qs::Tokenizer::from_gguf(model->file());
        bool ok = true;

        std::vector<int32_t> expected = read_ids(argv[3]);
        std::vector<int32_t> got = tok->encode(read_all(argv[2]), true, false);
        size_t first_diff = 0;
        while (first_diff < got.size() && first_diff < expected.size() && got[first_diff] == expected[first_diff])
            ++first_diff;
        bool tokens_equal = got == expected;
        std::printf("tokenizer: engine %zu tokens, python %zu tokens, %s", got.size(), expected.size(),
                    tokens_equal ? "identical\n" : "DIFFERENT");
        if (!tokens_equal) std::printf(" from position %zu\n", first_diff);
        ok = ok && tokens_equal;

        std::vector<int32_t> ids = read_ids(argv[4]);
        std::string raw = read_all(argv[5]);
        const int64_t n_vocab = model->hparams().n_vocab;
        if (raw.size() != ids.size() * size_t(n_vocab) * sizeof(float))
            qs::fail_file(argv[5], "expected {} x {} float32 logits", ids.size(), n_vocab);
        std::vector<float> ref(raw.size() / sizeof(float));
        std::memcpy(ref.data(), raw.data(), raw.size());

        qs::ContextOptions opts;
        opts.kv_type = qs::KvCacheType::F32;
        qs::ModelContext ctx(model, int(ids.size()), opts);
        std::vector<uint8_t> want(ids.size(), 1);
        std::vector<float> logits(ref.size());
        ctx.decode(ids, want, logits.data());
        double max_diff = 0, max_abs = 0;
        for (size_t i = 0; i < ref.size(); ++i) {
            max_diff = std::max(max_diff, double(std::fabs(logits[i] - ref[i])));
            max_abs = std::max(max_abs, double(std::fabs(ref[i])));
        }
        std::printf("logits: %zu positions x %lld, max |engine - pytorch| = %.3g (max |logit| %.3g)\n", ids.size(),
                    (long long)n_vocab, max_diff, max_abs);
        ok = ok && max_diff <= 1e-3;
        std::printf("%s\n", ok ? "CHECK PASSED" : "CHECK FAILED");
        return ok ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 2;
    }
}
