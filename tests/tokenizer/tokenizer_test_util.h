// Helpers shared by the tokenizer tests: whole-file reads and llama-tokenize log parsing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace qs::test {

std::string read_binary(const std::string& path);
std::string read_gzip(const std::string& path);

// The id list and "Total number of tokens" of a `llama-tokenize --ids --show-count` log.
struct TokenizeLog {
    std::vector<int32_t> ids;
    int64_t total = -1;
};
TokenizeLog parse_tokenize_log(const std::string& text);

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& gguf_path);

}  // namespace qs::test
