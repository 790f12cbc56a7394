// Byte-level BPE tokenization (llama.cpp's llm_tokenizer_bpe_session).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenizer/pretokenizer.h"
#include "tokenizer/vocab.h"

namespace qs {

class BpeTokenizer {
public:
    explicit BpeTokenizer(const Vocab& vocab) : vocab_(vocab), pre_(vocab.pre) {}

    // Appends the tokens of `text`: pre-tokenized into words, each word merged pair by pair in
    // merge-rank order (ties: leftmost first).
    void tokenize(std::string_view text, std::vector<int32_t>& out) const;

private:
    void tokenize_word(std::string_view word, std::vector<int32_t>& out) const;

    const Vocab& vocab_;
    PreTokenizer pre_;
};

}  // namespace qs
