// UTF-8 helpers with llama.cpp's lenient semantics (src/unicode.cpp), shared by both tokenizers.
//
// llama.cpp never rejects text: a byte that does not start a well-formed sequence decodes to
// U+FFFD and the decoder moves on by one byte; overlong forms and surrogates are accepted as
// the code point they spell. We decode the same way so that invalid input gives the same tokens.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qs::utf8 {

constexpr uint32_t REPLACEMENT = 0xFFFD;

// Length of the sequence a lead byte announces (1 for continuation bytes), as unicode_len_utf8.
inline size_t seq_len(char lead) {
    static constexpr uint8_t lookup[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    return lookup[uint8_t(lead) >> 4];
}

// Decodes leniently: invalid bytes become U+FFFD one byte at a time (unicode_cpts_from_utf8).
std::vector<uint32_t> decode_lenient(std::string_view text);

// Appends the UTF-8 form of `cpt`. Code points above U+10FFFF (which the lenient decoder can
// produce from F5..F7 lead bytes, and on which llama.cpp throws) are written as U+FFFD.
void append(std::string& out, uint32_t cpt);

// GPT-2 byte-level mapping: each byte 0..255 to a printable code point, as UTF-8.
const std::array<std::string, 256>& byte_to_unicode();
// Inverse mapping; -1 for code points that are not the image of a byte.
int unicode_to_byte(uint32_t cpt);

}  // namespace qs::utf8
