// Text <-> token ids with a model's own vocabulary, reproducing llama.cpp (llama-vocab.cpp,
// unicode.cpp) token for token.
//
// Supported: tokenizer.ggml.model "llama" (SentencePiece-style, score-ordered merges, <0xXX>
// byte fallback) and "gpt2" (byte-level BPE, merge ranks) with the pre-tokenizers "default",
// "gpt-2", "llama-bpe"/"llama3", "qwen2", "smollm" and their llama.cpp aliases. Anything else
// is refused with qs::Error naming the file and the unsupported name.
//
// Matching llama.cpp's tools on a text file:
//  - llama-tokenize -f: the file as is (final newline kept), encode(text, true, true); it also
//    expands backslash escapes ("\n") unless --no-escape.
//  - llama-perplexity -f (common/arg.cpp): one trailing '\n' dropped, encode(text, true, false).
//
// Invalid UTF-8 never fails: as in llama.cpp, SPM works on raw bytes (unknown pieces fall back
// to byte tokens), and BPE decodes leniently, so each invalid byte counts as U+FFFD.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qs {

class GgufFile;

class Tokenizer {
public:
    // Reads the tokenizer.ggml.* metadata. Throws qs::Error naming the file on a missing or
    // unsupported vocabulary.
    static std::unique_ptr<Tokenizer> from_gguf(const GgufFile& f);
    ~Tokenizer();

    // llama_tokenize: add_special adds BOS/EOS as the vocabulary says (adds_bos/adds_eos);
    // parse_special turns the text of control tokens ("<s>", "<|endoftext|>") into those
    // tokens. User-defined tokens are always matched, as in llama.cpp.
    std::vector<int32_t> encode(std::string_view text, bool add_special, bool parse_special = false) const;

    // llama_detokenize(remove_special = false, unparse_special = special): concatenated pieces,
    // SPM's prefix space removed from the first piece, GPT-2-style space clean-up where the
    // vocabulary asks for it. Note llama.cpp's quirk: a leading BOS makes the prefix space stay,
    // so decode(encode(x, true)) is " " + x for SPM.
    std::string decode(std::span<const int32_t> tokens, bool special = false) const;

    // The bytes a token stands for (llama_token_to_piece). With special = false, control and
    // unknown tokens give "". Throws qs::Error for an id outside [0, n_tokens()).
    const std::string& token_to_piece(int32_t id, bool special = true) const;
    // The token's raw vocabulary text ("▁the", "Ġthe", "<0x0A>").
    const std::string& token_text(int32_t id) const;

    int32_t n_tokens() const;
    int32_t bos() const;  // -1 if none
    int32_t eos() const;
    int32_t unk() const;
    bool adds_bos() const;
    bool adds_eos() const;
    bool is_control(int32_t id) const;   // control or unknown: rendered only with special = true
    // Ends generation (llama_vocab_is_eog): EOS, EOT, EOM and end-of-turn control tokens.
    bool is_eog(int32_t id) const;
    std::string_view type_name() const;  // "SPM" or "BPE", as llama.cpp prints
    std::string_view model_name() const; // tokenizer.ggml.model
    std::string_view pre_name() const;   // tokenizer.ggml.pre, "" when absent

private:
    struct Impl;
    explicit Tokenizer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace qs
