// Helpers shared by the tokenizer tests (and tests/hf): whole-file reads, llama-tokenize log
// parsing, llama.cpp's tokenizer test vectors.
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

// llama.cpp's tokenizer test vectors (models/ggml-vocab-*.gguf.inp/.out), read the way
// tests/test-tokenizer-0.cpp reads them: texts separated by "\n__ggml_vocab_test__\n",
// expected ids one line per text.
struct VocabCase {
    std::string text;
    std::vector<int32_t> expected;
};
std::vector<VocabCase> read_vocab_tests(const std::string& inp_path, const std::string& out_path);

// Every vector of `gguf`.inp/.out through `tok` (add_special = false, parse_special = false), as a
// GoogleTest failure per text that differs; at least min_cases vectors.
void run_vocab_tests(const Tokenizer& tok, const std::string& gguf, size_t min_cases);

}  // namespace qs::test
