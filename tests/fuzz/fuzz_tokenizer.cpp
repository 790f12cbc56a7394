// Tokenizer encode/decode on arbitrary bytes, for both families (SentencePiece and byte-level
// BPE with each pre-tokenizer there is a vocabulary for). The vocabularies are the real ones in
// ../shared when present, plus two tiny ones written here so the harness runs without ../shared.
//
// Input: byte 0 picks the vocabulary, byte 1 the flags (add_special, parse_special, decode with
// special), the rest is the text; the same bytes are also decoded as a sequence of token ids.
#include <cstdlib>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "common/tiny_vocab.h"
#include "core/error.h"
#include "fuzz_support.h"
#include "fuzz_target.h"
#include "gguf/gguf_file.h"
#include "tokenizer/tokenizer.h"

using namespace qs;

namespace {

using test::TinyToken;

std::string write_vocab(const std::string& name, const std::string& model, const std::string& pre,
                        const std::vector<TinyToken>& tokens, const std::vector<std::string>& merges) {
    const std::string path = fuzz::scratch_dir() + "/" + name + ".gguf";
    test::write_tiny_vocab(path, model, pre, tokens, merges);
    return path;
}

// <unk> <s> </s>, the 256 byte tokens, a few merged pieces.
std::string tiny_spm() {
    std::vector<TinyToken> t = {{"<unk>", 0, 2}, {"<s>", 0, 3}, {"</s>", 0, 3}};
    for (int b = 0; b < 256; ++b) t.push_back({fmt::format("<0x{:02X}>", b), 0, 6});
    const std::string sp = "\xE2\x96\x81";
    for (const auto& [piece, score] : std::vector<std::pair<std::string, float>>{
             {sp, -1}, {"a", -2}, {"b", -2}, {sp + "a", -0.5f}, {"ab", -0.7f}, {sp + "ab", -0.1f}, {"\xC3\xA9", -1}})
        t.push_back({piece, score, 1});
    return write_vocab("tiny_spm", "llama", "", t, {});
}

std::string tiny_bpe(const std::string& pre) {
    std::vector<TinyToken> t;
    for (int b = 0; b < 256; ++b) t.push_back({test::gpt2_byte_char(b), 0, 1});
    const std::string g = "\xC4\xA0";  // "Ġ", the byte-level space
    for (const std::string& e : {std::string("he"), std::string("ll"), std::string("hell"), g + "hell", std::string("hello")})
        t.push_back({e, 0, 1});
    t.push_back({"<|endoftext|>", 0, 3});
    return write_vocab("tiny_bpe_" + pre, "gpt2", pre, t, {"h e", "l l", "he ll", g + " hell", "hell o"});
}

const std::vector<std::unique_ptr<Tokenizer>>& tokenizers() {
    static const std::vector<std::unique_ptr<Tokenizer>> all = [] {
        std::vector<std::string> paths = {tiny_spm(), tiny_bpe("gpt-2"), tiny_bpe("llama-bpe"), tiny_bpe("qwen2")};
        for (const char* rel : {"models/vocab/ggml-vocab-llama-spm.gguf", "models/vocab/ggml-vocab-gpt-2.gguf",
                                "models/synthetic/qwen2-d256-gpt2bpe.gguf", "models/hf/gguf/smollm2-arch.gguf",
                                "models/hf/gguf/qwen3-arch.gguf"})
            if (const std::string p = fuzz::shared_file(rel); !p.empty()) paths.push_back(p);
        std::vector<std::unique_ptr<Tokenizer>> v;
        for (const std::string& p : paths) v.push_back(Tokenizer::from_gguf(GgufFile::open(p)));
        return v;
    }();
    return all;
}

void check_ids(const Tokenizer& tok, const std::vector<int32_t>& ids) {
    for (int32_t id : ids)
        if (id < 0 || id >= tok.n_tokens()) std::abort();
}

}  // namespace

#ifdef QS_FUZZ_LIBFUZZER
// The vocabularies are read before libFuzzer times any input: loading ../shared's (qwen's 150k
// tokens under ASan) took more than the 25 s per-input timeout on a starved machine, which
// libFuzzer then reported as a timeout of the first input.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
    tokenizers();
    return 0;
}
#endif

QS_FUZZ_TARGET(tokenizer) {
    if (size < 2) return;
    const auto& all = tokenizers();
    const Tokenizer& tok = *all[data[0] % all.size()];
    const bool add_special = data[1] & 1, parse_special = data[1] & 2, decode_special = data[1] & 4;
    const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);

    const std::vector<int32_t> ids = tok.encode(text, add_special, parse_special);  // never throws
    check_ids(tok, ids);
    (void)tok.decode(ids, decode_special);

    // The same bytes as token ids (2 bytes each), some of them out of range on purpose.
    std::vector<int32_t> raw;
    for (size_t i = 2; i + 1 < size; i += 2) raw.push_back(int32_t(data[i] | (data[i + 1] << 8)));
    for (int32_t id : raw) {
        try {
            (void)tok.token_to_piece(id, decode_special);
            if (id < 0 || id >= tok.n_tokens()) std::abort();  // must have thrown
        } catch (const Error&) {
            if (id >= 0 && id < tok.n_tokens()) std::abort();
        }
    }
    try {
        (void)tok.decode(raw, decode_special);
    } catch (const Error&) {
    }
    std::vector<int32_t> valid;
    for (int32_t id : raw) valid.push_back(id % tok.n_tokens());
    (void)tok.decode(valid, decode_special);
}
