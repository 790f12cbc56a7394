// Tokenizer behaviour on tiny vocabularies written with GgufWriter (no ../shared needed), plus
// round trips, special tokens and invalid input on the real vocabularies when present.
#include <gtest/gtest.h>

#include <array>
#include <thread>

#include "common/test_paths.h"
#include "common/tiny_vocab.h"
#include "core/error.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer_test_util.h"

namespace qs {
namespace {

const std::string SP = "\xE2\x96\x81";  // U+2581
const std::string G = "\xC4\xA0";       // GPT-2's stand-in for ' ' (U+0120)

using test::TinyToken;

std::string write_vocab(const std::string& name, const std::string& model, const std::string& pre,
                        const std::vector<TinyToken>& tokens, const std::vector<std::string>& merges = {}) {
    const std::string path = test::temp_dir() + "/" + name + ".gguf";
    test::write_tiny_vocab(path, model, pre, tokens, merges);
    return path;
}

// SPM: <unk> <s> </s>, 256 byte tokens (ids 3..258), then a few pieces.
struct TinySpm {
    std::string path;
    int32_t sp, a, b, sp_a, ab, sp_ab;
    static int32_t byte(uint8_t x) { return 3 + x; }
};

TinySpm tiny_spm() {
    std::vector<TinyToken> t = {{"<unk>", 0, 2}, {"<s>", 0, 3}, {"</s>", 0, 3}};
    for (int b = 0; b < 256; ++b) t.push_back({fmt::format("<0x{:02X}>", b), 0, 6});
    TinySpm s;
    const auto add = [&](const std::string& text, float score) {
        t.push_back({text, score, 1});
        return int32_t(t.size() - 1);
    };
    s.sp = add(SP, -1.0f);
    s.a = add("a", -2.0f);
    s.b = add("b", -2.0f);
    s.sp_a = add(SP + "a", -0.5f);
    s.ab = add("ab", -0.7f);
    s.sp_ab = add(SP + "ab", -0.1f);
    s.path = write_vocab("tiny_spm", "llama", "", t);
    return s;
}

std::unique_ptr<Tokenizer> open(const std::string& path) { return test::load_tokenizer(path); }

TEST(TokenizerTinySpm, MergesByScoreLeftmostFirst) {
    const TinySpm s = tiny_spm();
    const auto tok = open(s.path);
    EXPECT_EQ(tok->type_name(), "SPM");
    EXPECT_TRUE(tok->adds_bos());
    EXPECT_EQ(tok->bos(), 1);
    // "▁ab▁ab": ▁a (-0.5) beats ab (-0.7), then ▁a+b forms ▁ab (-0.1), twice.
    EXPECT_EQ(tok->encode("ab ab", false), (std::vector<int32_t>{s.sp_ab, s.sp_ab}));
    EXPECT_EQ(tok->encode("ab ab", true), (std::vector<int32_t>{1, s.sp_ab, s.sp_ab}));
    // "ba": no pair is a token except ▁b? (absent) -> ▁, b, a
    EXPECT_EQ(tok->encode("ba", false), (std::vector<int32_t>{s.sp, s.b, s.a}));
    EXPECT_EQ(tok->encode("", false), std::vector<int32_t>{});
    EXPECT_EQ(tok->encode("", true), std::vector<int32_t>{1});
}

TEST(TokenizerTinySpm, ByteFallbackAndInvalidUtf8) {
    const TinySpm s = tiny_spm();
    const auto tok = open(s.path);
    EXPECT_EQ(tok->encode("\xC3\xA9", false), (std::vector<int32_t>{s.sp, TinySpm::byte(0xC3), TinySpm::byte(0xA9)}));
    // Symbols are cut by the lead byte's announced length (llama.cpp's unicode_len_utf8), so a
    // stray 0xFF (length 4) swallows the 'a' after it; both come out as byte tokens.
    EXPECT_EQ(tok->encode("\xFF" "a", false), (std::vector<int32_t>{s.sp, TinySpm::byte(0xFF), TinySpm::byte('a')}));
    const std::string weird = "a\xFF\xC3" "b\x80 \xE2\x96";
    EXPECT_EQ(tok->decode(tok->encode(weird, false)), weird);
    // Lossy case, as in llama.cpp: spaces are escaped to U+2581 before the text is cut, so a
    // truncated lead byte right before a space swallows part of the escape.
    EXPECT_EQ(tok->decode(tok->encode("\xC3 b", false)), "\xC3\xE2\x96\x81" "b");
}

TEST(TokenizerTinySpm, SpecialTokensAndDecode) {
    const TinySpm s = tiny_spm();
    const auto tok = open(s.path);
    // Parsed, "<s>" is BOS and the text after it gets the prefix space again.
    EXPECT_EQ(tok->encode("<s>a", false, true), (std::vector<int32_t>{1, s.sp_a}));
    // Not parsed, it is plain text: "▁<s>a" -> ▁ <0x3C> <0x73> <0x3E> a
    EXPECT_EQ(tok->encode("<s>a", false, false),
              (std::vector<int32_t>{s.sp, TinySpm::byte('<'), TinySpm::byte('s'), TinySpm::byte('>'), s.a}));
    EXPECT_EQ(tok->token_to_piece(s.sp_ab), " ab");
    EXPECT_EQ(tok->token_to_piece(TinySpm::byte(0x41)), "A");
    EXPECT_EQ(tok->token_to_piece(1), "<s>");
    EXPECT_EQ(tok->token_to_piece(1, false), "");
    EXPECT_EQ(tok->decode(std::vector<int32_t>{s.sp_ab, s.sp_ab}), "ab ab");
    // llama.cpp keeps the prefix space when a BOS comes first.
    EXPECT_EQ(tok->decode(std::vector<int32_t>{1, s.sp_ab}), " ab");
    EXPECT_EQ(tok->decode(std::vector<int32_t>{1, s.sp_ab}, true), "<s> ab");
    EXPECT_THROW(tok->token_to_piece(tok->n_tokens()), Error);
    EXPECT_THROW(tok->token_to_piece(-1), Error);
}

std::string byte_char(int b) { return test::gpt2_byte_char(b); }

// BPE: ids 0..255 are the byte-level characters of bytes 0..255, then `extra` from id 256.
// Extras starting with '<' get token type `bracket_type` (3 = control by default).
std::string byte_level_vocab(const std::string& name, const std::string& pre, const std::vector<std::string>& extra,
                             const std::vector<std::string>& merges, int32_t bracket_type = 3) {
    std::vector<TinyToken> t;
    for (int b = 0; b < 256; ++b) t.push_back({byte_char(b), 0, 1});
    for (const auto& e : extra) t.push_back({e, 0, e.front() == '<' ? bracket_type : 1});
    return write_vocab(name, "gpt2", pre, t, merges);
}

std::string tiny_bpe(const std::string& pre, const std::string& name = "tiny_bpe") {
    // 256 "he", 257 "ll", 258 "hell", 259 "Ġhell", 260 "hello", 261 "<|endoftext|>" (control)
    return byte_level_vocab(name, pre, {"he", "ll", "hell", G + "hell", "hello", "<|endoftext|>"},
                            {"h e", "l l", "he ll", G + " hell", "hell o"});
}

TEST(TokenizerTinyBpe, MergesByRank) {
    const auto tok = open(tiny_bpe("gpt-2"));
    EXPECT_EQ(tok->type_name(), "BPE");
    EXPECT_EQ(tok->pre_name(), "gpt-2");
    EXPECT_FALSE(tok->adds_bos());
    // "hello" merges to 260; "Ġhello" stops at Ġhell (rank 3 beats "hell o", rank 4) + o.
    EXPECT_EQ(tok->encode("hello hello", false), (std::vector<int32_t>{260, 259, 'o'}));
    EXPECT_EQ(tok->encode("hello hello", true), (std::vector<int32_t>{260, 259, 'o'}));  // no BOS for gpt2
    EXPECT_EQ(tok->decode(tok->encode("hello hello", false)), "hello hello");
    EXPECT_EQ(tok->token_to_piece(259), " hell");
}

TEST(TokenizerTinyBpe, SpecialTokensAndInvalidUtf8) {
    const auto tok = open(tiny_bpe("gpt-2"));
    EXPECT_EQ(tok->encode("a<|endoftext|>", false, true), (std::vector<int32_t>{'a', 261}));
    const auto plain = tok->encode("a<|endoftext|>", false, false);
    EXPECT_EQ(std::count(plain.begin(), plain.end(), 261), 0);
    EXPECT_EQ(plain.size(), 14u);  // 'a' + 13 single-byte tokens
    // An invalid byte is read as U+FFFD (EF BF BD), as llama.cpp's lenient decoder does.
    EXPECT_EQ(tok->encode("\xFF", false), (std::vector<int32_t>{0xEF, 0xBF, 0xBD}));
    EXPECT_EQ(tok->decode(tok->encode("x\xFFy", false)), "x\xEF\xBF\xBDy");
}

// Like llama.cpp, end-of-generation names ("<|im_end|>") are control tokens even when the file
// types them normal; other normal tokens are never split out of the text.
TEST(TokenizerTinyBpe, ControlTokensRecognisedByName) {
    const auto tok = open(byte_level_vocab("by_name", "qwen2", {"<|im_end|>", "<|other|>"}, {"x y"}, 1));
    EXPECT_TRUE(tok->is_control(256));
    EXPECT_FALSE(tok->is_control(257));
    EXPECT_EQ(tok->encode("a<|im_end|>", false, true), (std::vector<int32_t>{'a', 256}));
    EXPECT_EQ(tok->encode("a<|other|>", false, true).size(), 10u);  // plain text, byte by byte
    EXPECT_EQ(tok->token_to_piece(256, false), "");
    EXPECT_EQ(tok->token_to_piece(256), "<|im_end|>");
}

// Each pre-tokenizer cuts "12123" differently; merges "1 2" -> 256 and "12 3" -> 257 reveal
// the cuts: gpt-2 keeps one word, llama3 and default cut after three digits, qwen2 and smollm
// cut every digit.
TEST(TokenizerTinyBpe, PreTokenizersSplitDigitsLikeLlamaCpp) {
    const std::vector<std::pair<std::string, std::vector<int32_t>>> cases = {
        {"gpt-2", {256, 257}},
        {"llama-bpe", {256, '1', '2', '3'}},
        {"default", {256, '1', '2', '3'}},
        {"qwen2", {'1', '2', '1', '2', '3'}},
        {"smollm", {'1', '2', '1', '2', '3'}},
    };
    for (const auto& [pre, expected] : cases) {
        const auto tok = open(byte_level_vocab("digits_" + pre, pre, {"12", "123"}, {"1 2", "12 3"}));
        EXPECT_EQ(tok->encode("12123", false), expected) << pre;
    }
    // llama3 adds BOS by default (id 11 for gpt2 vocabularies without a bos key).
    const auto llama3 = open(byte_level_vocab("digits_llama3_bos", "llama-bpe", {"12", "123"}, {"1 2", "12 3"}));
    EXPECT_TRUE(llama3->adds_bos());
    EXPECT_EQ(llama3->encode("1", true), (std::vector<int32_t>{11, '1'}));
}

// U+0085 (NEL) is White_Space for llama.cpp, although PCRE2's \s leaves it out. With the
// merges "Â <85>" -> N and "N N" -> NN, treating it as punctuation would give one word [NN];
// as whitespace before 'b', "\s+(?!\S)" leaves the last one alone: words a | NEL | NEL | b.
TEST(TokenizerTinyBpe, NextLineIsWhitespace) {
    const std::string nel = byte_char(0xC2) + byte_char(0x85);
    const auto tok = open(byte_level_vocab("nel", "gpt-2", {nel, nel + nel}, {byte_char(0xC2) + " " + byte_char(0x85),
                                                                              nel + " " + nel}));
    EXPECT_EQ(tok->encode("a\xC2\x85\xC2\x85" "b", false), (std::vector<int32_t>{'a', 256, 256, 'b'}));
}

// Long runs of one character class must neither fail nor crawl.
TEST(TokenizerTinyBpe, LongRunsOfOneClass) {
    const auto tok = open(tiny_bpe("qwen2", "long_runs"));
    for (const char c : {' ', 'x', '!', '7', '\n'}) {
        const std::string text(200000, c);
        EXPECT_EQ(tok->encode(text, false).size(), text.size()) << int(c);  // no merges apply
    }
}

// encode is const and keeps no shared scratch state: threads may share one tokenizer.
TEST(TokenizerTinyBpe, ConcurrentEncodeGivesTheSameTokens) {
    const auto tok = open(tiny_bpe("gpt-2", "concurrent"));
    std::string text;
    for (int i = 0; i < 2000; ++i) text += "hello hello 12 ab!\n";
    const std::vector<int32_t> expected = tok->encode(text, false);
    std::vector<std::vector<int32_t>> got(4);
    std::vector<std::thread> threads;
    for (auto& g : got) threads.emplace_back([&] { g = tok->encode(text, false); });
    for (auto& t : threads) t.join();
    for (const auto& g : got) EXPECT_EQ(g, expected);
}

TEST(TokenizerErrors, UnknownModelAndPreAreRefusedByName) {
    const std::string bert = write_vocab("bert_vocab", "bert", "", {{"[PAD]", 0, 3}, {"a", 0, 1}});
    try {
        open(bert);
        FAIL() << "bert vocabulary accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("'bert'"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(bert), std::string::npos) << e.what();
    }
    const std::string odd = tiny_bpe("my-odd-pre", "odd_pre");
    try {
        open(odd);
        FAIL() << "unknown pre-tokenizer accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("'my-odd-pre'"), std::string::npos) << e.what();
    }
    GgufWriter w;
    w.set("general.architecture", GgufValue::str("llama"));
    const std::string none = test::temp_dir() + "/no_vocab.gguf";
    w.write(none);
    EXPECT_THROW(open(none), Error);
}

// ---- real vocabularies ----

const std::array<std::string, 9> ROUND_TRIP_TEXTS = {
    "Hello world",
    "  leading spaces and trailing  ",
    "Tabs\tand\nnewlines\n\n\n and \r\n CRLF",
    "Numbers 1234567 3.14159 and 1,000,000",
    "Unicode: caf\xC3\xA9 na\xC3\xAFve \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E \xF0\x9F\xA6\x99 \xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82",
    "Punctuation!?;:()[]{}<>\"@#$%^&*_+=~`|\\/",
    "x",
    "The quick brown fox jumps over the lazy dog",
    "Contractions: I'm, you're, it's, we've, they'll, he'd",
};

TEST(TokenizerRealVocab, SpmRoundTrips) {
    QS_REQUIRE_SHARED(path, "models/vocab/ggml-vocab-llama-spm.gguf");
    const auto tok = open(path);
    for (const std::string& text : ROUND_TRIP_TEXTS) {
        EXPECT_EQ(tok->decode(tok->encode(text, false)), text);
        EXPECT_EQ(tok->decode(tok->encode(text, true)), " " + text);  // llama.cpp's BOS quirk
    }
    // Byte fallback keeps every byte (unless a truncated sequence precedes a space, see the tiny
    // vocabulary test).
    const std::string invalid = "ok \xFF\xFE" "bad\xC3" "x end \xED\xA0\x80";
    EXPECT_EQ(tok->decode(tok->encode(invalid, false)), invalid);
    EXPECT_EQ(tok->encode("<s>", false, true), (std::vector<int32_t>{tok->bos()}));
    EXPECT_GT(tok->encode("<s>", false, false).size(), 1u);
}

TEST(TokenizerRealVocab, Gpt2RoundTrips) {
    QS_REQUIRE_SHARED(path, "models/vocab/ggml-vocab-gpt-2.gguf");
    const auto tok = open(path);
    for (const std::string& text : ROUND_TRIP_TEXTS) {
        // gpt-2 decoding cleans " ," " ." " 's" etc. (clean_up_tokenization_spaces); these texts
        // contain none of them, so the round trip is exact.
        EXPECT_EQ(tok->decode(tok->encode(text, false)), text);
    }
    // clean_up_tokenization_spaces, by llama.cpp's three passes: " ," -> ",", " ' " -> "'",
    // " 's" -> "'s".
    EXPECT_EQ(tok->decode(tok->encode("He said ' hi ' , it 's", false)), "He said'hi ', it's");
    const auto eot = tok->encode("<|endoftext|>", false, true);
    ASSERT_EQ(eot.size(), 1u);
    EXPECT_EQ(tok->token_text(eot[0]), "<|endoftext|>");
    EXPECT_TRUE(tok->is_control(eot[0]));
    EXPECT_GT(tok->encode("<|endoftext|>", false, false).size(), 1u);
    // Invalid UTF-8 does not throw, and each bad byte comes back as U+FFFD.
    EXPECT_EQ(tok->decode(tok->encode("a\xFF" "b", false)), "a\xEF\xBF\xBD" "b");
    EXPECT_NO_THROW(tok->encode(std::string("\xF7\xBF\xBF\xBF \xED\xA0\x80 \xC0\x80"), false));
}

}  // namespace
}  // namespace qs
