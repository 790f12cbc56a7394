// Tiny tokenizer vocabularies written with GgufWriter, for the tokenizer tests and the tokenizer
// fuzz harness (no ../shared needed).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qs::test {

struct TinyToken {
    std::string text;
    float score;
    int32_t type;  // llama.cpp token types: 1 normal, 2 unknown, 3 control, 6 byte
};

// Writes a GGUF holding only a vocabulary (tokenizer.ggml.model = model, .pre = pre unless
// empty, tokens with scores and types, merges unless empty) to path.
void write_tiny_vocab(const std::string& path, const std::string& model, const std::string& pre,
                      const std::vector<TinyToken>& tokens, const std::vector<std::string>& merges = {});

// GPT-2's byte-level character for byte b (printable bytes stand for themselves, the others
// from U+0100 on), written out independently of the engine's table.
std::string gpt2_byte_char(int b);

}  // namespace qs::test
