// SentencePiece-style tokenization (llama.cpp's llm_tokenizer_spm_session).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace qs {

// Appends the tokens of `text`, whose spaces are already escaped to U+2581. Repeatedly merges
// the adjacent pair whose concatenation is the highest-scoring token (ties: leftmost first);
// pieces that are not tokens fall back to <0xXX> byte tokens.
void spm_tokenize(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out);

}  // namespace qs
