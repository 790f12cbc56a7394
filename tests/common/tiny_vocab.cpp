#include "common/tiny_vocab.h"

#include "gguf/gguf_writer.h"

namespace qs::test {

namespace {

GgufValue string_array(const std::vector<std::string>& items) {
    std::vector<GgufValue> v;
    for (const auto& s : items) v.push_back(GgufValue::str(s));
    return GgufValue::array(GgufType::STRING, std::move(v));
}

}  // namespace

void write_tiny_vocab(const std::string& path, const std::string& model, const std::string& pre,
                      const std::vector<TinyToken>& tokens, const std::vector<std::string>& merges) {
    GgufWriter w;
    w.set("general.architecture", GgufValue::str("llama"));
    w.set("tokenizer.ggml.model", GgufValue::str(model));
    if (!pre.empty()) w.set("tokenizer.ggml.pre", GgufValue::str(pre));
    std::vector<std::string> texts;
    std::vector<GgufValue> scores, types;
    for (const auto& t : tokens) {
        texts.push_back(t.text);
        scores.push_back(GgufValue::f32(t.score));
        types.push_back(GgufValue::i32(t.type));
    }
    w.set("tokenizer.ggml.tokens", string_array(texts));
    w.set("tokenizer.ggml.scores", GgufValue::array(GgufType::FLOAT32, std::move(scores)));
    w.set("tokenizer.ggml.token_type", GgufValue::array(GgufType::INT32, std::move(types)));
    if (!merges.empty()) w.set("tokenizer.ggml.merges", string_array(merges));
    w.write(path);
}

std::string gpt2_byte_char(int b) {
    const auto printable = [](int x) { return (x >= 0x21 && x <= 0x7E) || (x >= 0xA1 && x <= 0xAC) || x >= 0xAE; };
    int cp = b;
    if (!printable(b)) {
        int n = 0;
        for (int x = 0; x < b; ++x) n += !printable(x);
        cp = 256 + n;
    }
    std::string s;
    if (cp < 0x80) s.push_back(char(cp));
    else s += {char(0xC0 | (cp >> 6)), char(0x80 | (cp & 0x3F))};
    return s;
}

}  // namespace qs::test
