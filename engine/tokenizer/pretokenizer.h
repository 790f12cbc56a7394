// BPE pre-tokenization: splits text into words with the regexes llama.cpp uses for each
// pre-tokenizer type, then maps every word to GPT-2's byte-level alphabet.
//
// llama.cpp runs hand-written splitters for the GPT-2 and Llama-3 patterns and std::regex on a
// "category-collapsed" copy of the text for the others. We run PCRE2 (UTF + UCP) on the text with
// patterns rewritten so they mean what llama.cpp's code does:
//  - \s is Unicode White_Space (llama.cpp's table): PCRE2's UCP \s, with U+0085 made explicit;
//  - text is first decoded with llama.cpp's lenient UTF-8 decoder, so invalid bytes act as
//    U+FFFD, exactly as there (surrogates and code points above U+10FFFF are matched as U+FFFD).
// Unicode property tables may differ for code points assigned after PCRE2's Unicode version.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace qs {

class PreTokenizer {
public:
    explicit PreTokenizer(PreType type);
    ~PreTokenizer();
    PreTokenizer(const PreTokenizer&) = delete;
    PreTokenizer& operator=(const PreTokenizer&) = delete;

    // The words of `text`, each byte-level encoded (thread-safe).
    std::vector<std::string> split(std::string_view text) const;

private:
    struct Regex;
    std::vector<std::unique_ptr<Regex>> regexes_;  // applied in turn, each within the previous pieces
};

}  // namespace qs
