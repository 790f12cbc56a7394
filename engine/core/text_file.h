// Reading text files that the user hands us (corpora, datasets), with the checks every reader
// needs: the file exists, is not empty, and is valid UTF-8. Errors name the file and, for bad
// UTF-8, the line and byte offset of the first bad sequence.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace qs {

// Byte offset of the first invalid UTF-8 sequence in s (overlongs, surrogates and code points
// above U+10FFFF count as invalid), or nullopt when s is valid.
std::optional<size_t> utf8_first_invalid(std::string_view s);

// The whole file as bytes. Throws qs::Error naming the file when it cannot be read, is empty,
// or is not valid UTF-8.
std::string text_file_read(const std::string& path);

}  // namespace qs
