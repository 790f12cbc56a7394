// The vocabulary of a GGUF model as llama.cpp loads it (llama_vocab::impl::load): token texts,
// scores and attributes, special ids, the flags that steer tokenization, and BPE merge ranks.
// Internal to the tokenizer module; users go through tokenizer.h.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace qs {

class GgufFile;

// Token attribute bits, as llama_token_attr.
enum TokenAttr : uint32_t {
    TOKEN_ATTR_UNDEFINED = 0,
    TOKEN_ATTR_UNKNOWN = 1u << 0,
    TOKEN_ATTR_UNUSED = 1u << 1,
    TOKEN_ATTR_NORMAL = 1u << 2,
    TOKEN_ATTR_CONTROL = 1u << 3,
    TOKEN_ATTR_USER_DEFINED = 1u << 4,
    TOKEN_ATTR_BYTE = 1u << 5,
};

enum class VocabType { Spm, Bpe };

// BPE pre-tokenizers we implement (a subset of llama.cpp's llama_vocab_pre_type).
enum class PreType { Default, Gpt2, Llama3, Qwen2, Smollm };

constexpr int32_t TOKEN_NULL = -1;

struct Vocab {
    std::string file;              // GGUF path, for error messages
    VocabType type = VocabType::Spm;
    std::string model_name;        // tokenizer.ggml.model
    std::string pre_name;          // tokenizer.ggml.pre, "" when absent
    PreType pre = PreType::Default;

    std::vector<std::string> text;  // [n_tokens]
    std::vector<float> score;       // [n_tokens]
    std::vector<uint32_t> attr;     // [n_tokens] TokenAttr bits
    std::unordered_map<std::string_view, int32_t> id_of;  // keys view into `text`
    std::unordered_map<std::string, int32_t> merge_rank;  // "left right" -> rank (BPE only)

    int32_t bos = TOKEN_NULL, eos = TOKEN_NULL, unk = TOKEN_NULL, pad = TOKEN_NULL;
    // End-of-generation tokens (llama_vocab_is_eog): EOS, the EOT/EOM ids when set, and control
    // tokens with an end-of-turn name (<|eot_id|>, <|im_end|>, <end_of_turn>, ...). Sorted.
    std::vector<int32_t> eog;
    bool add_bos = false, add_eos = false;
    bool add_space_prefix = false;  // SPM: prepend ' ' to text at the start or after a special token
    bool clean_spaces = false;      // detokenize: clean_up_tokenization_spaces
    bool ignore_merges = false;     // BPE: a word that is itself a token is taken whole

    // Bytes that occur in no token text: a symbol holding one can never merge (SPM splits the
    // text there into independent runs, which keeps its work queues small).
    std::array<bool, 256> inert_byte{};

    // Control, user-defined and unknown tokens, longest text first (cache_special_tokens).
    std::vector<int32_t> special_tokens;

    int32_t n_tokens() const { return int32_t(text.size()); }
    int32_t find(std::string_view s) const {
        const auto it = id_of.find(s);
        return it == id_of.end() ? TOKEN_NULL : it->second;
    }
    // -1 if the pair has no merge.
    int32_t find_merge(std::string_view left, std::string_view right, std::string& scratch) const;

    // Throws qs::Error naming f.path() for a missing or unsupported vocabulary.
    static Vocab load(const GgufFile& f);

    Vocab() = default;
    Vocab(const Vocab&) = delete;  // id_of views into `text`: copying would dangle
    Vocab(Vocab&&) = default;
    Vocab& operator=(Vocab&&) = default;
};

}  // namespace qs
