// Differential test of the PCRE2 pre-tokenizers against a direct port of llama.cpp's
// hand-written splitters (unicode_regex_split_custom_gpt2 / _llama3 in src/unicode.cpp) on
// random strings over an alphabet whose Unicode classes are fixed by hand. Qwen2's pattern is
// Llama 3's with single digits, so the same port (digit groups of 1) is its reference.
#include <gtest/gtest.h>

#include <random>

#include <fmt/format.h>

#include "tokenizer/pretokenizer.h"
#include "tokenizer/utf8.h"

namespace qs {
namespace {

struct Flags {
    bool in_range = false, letter = false, number = false, space = false;
};

struct Char {
    uint32_t cpt;
    Flags flags;
};

const std::vector<Char>& alphabet() {
    static const std::vector<Char> chars = [] {
        std::vector<Char> c;
        const Flags L{true, true, false, false}, N{true, false, true, false}, W{true, false, false, true},
            P{true, false, false, false};
        for (const char x : std::string("abstSTrReEvVlLmMdDxy")) c.push_back({uint32_t(x), L});
        for (const uint32_t x : {0xE9u, 0x416u, 0x4E2Du}) c.push_back({x, L});          // é Ж 中
        for (const uint32_t x : {uint32_t('1'), uint32_t('2'), uint32_t('3'), uint32_t('9'), 0x663u, 0xBDu}) c.push_back({x, N});  // ٣ ½
        for (const uint32_t x : {0x20u, 0x20u, 0x20u, 0x0Au, 0x0Du, 0x09u, 0x85u, 0xA0u, 0x3000u}) c.push_back({x, W});
        for (const uint32_t x : {0x27u, 0x27u, 0x21u, 0x2Cu, 0x2Du, 0x2Eu, 0x20ACu, 0x301u, 0x1F999u}) c.push_back({x, P});
        return c;
    }();
    return chars;
}

// Port of llama.cpp's custom splitters over code points with given flags; returns word lengths.
std::vector<size_t> reference_split(const std::vector<Char>& text, bool llama3, size_t max_digits) {
    const size_t n = text.size();
    constexpr uint32_t OUT = 0xFFFFFFFF;
    const auto cpt = [&](size_t p) { return p < n ? text[p].cpt : OUT; };
    const auto flags = [&](size_t p) { return p < n ? text[p].flags : Flags{}; };
    const auto lower = [](uint32_t c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; };
    std::vector<size_t> words;
    size_t prev_end = 0;
    const auto add = [&](size_t end) {
        const size_t len = end - prev_end;
        if (len > 0) words.push_back(len);
        prev_end = end;
        return len;
    };
    for (size_t pos = 0; pos < n;) {
        const uint32_t c = cpt(pos);
        const Flags f = flags(pos);
        if (c == '\'' && pos + 1 < n) {
            const uint32_t c1 = llama3 ? lower(cpt(pos + 1)) : cpt(pos + 1);
            if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') {
                pos += add(pos + 2);
                continue;
            }
            if (pos + 2 < n) {
                const uint32_t c2 = llama3 ? lower(cpt(pos + 2)) : cpt(pos + 2);
                if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
                    pos += add(pos + 3);
                    continue;
                }
            }
        }
        if (llama3) {
            if (!(c == '\r' || c == '\n' || f.number) && (f.letter || flags(pos + 1).letter)) {
                ++pos;
                while (flags(pos).letter) ++pos;
                add(pos);
                continue;
            }
            if (f.number) {
                size_t ini = pos;
                while (flags(pos).number) {
                    if (++pos - ini >= max_digits) {
                        add(pos);
                        ini = pos;
                    }
                }
                add(pos);
                continue;
            }
        } else {
            const Flags f2 = c == ' ' ? flags(pos + 1) : f;
            if (f2.letter || f2.number) {
                const bool letter = f2.letter;
                pos += (c == ' ');
                while (letter ? flags(pos).letter : flags(pos).number) ++pos;
                add(pos);
                continue;
            }
        }
        Flags f2 = c == ' ' ? flags(pos + 1) : f;
        const bool other = !(f2.space || f2.letter || f2.number) && (llama3 ? f.in_range : f2.in_range);
        if (other) {
            pos += (c == ' ');
            while (!(f2.space || f2.letter || f2.number) && f2.in_range) f2 = flags(++pos);
            if (llama3)
                while (cpt(pos) == '\r' || cpt(pos) == '\n') ++pos;
            add(pos);
            continue;
        }
        size_t num_ws = 0, last_end_rn = 0;
        while (flags(pos + num_ws).space) {
            const uint32_t c2 = cpt(pos + num_ws);
            if (c2 == '\r' || c2 == '\n') last_end_rn = pos + num_ws + 1;
            ++num_ws;
        }
        if (llama3 && last_end_rn > 0) {
            pos = last_end_rn;
            add(pos);
            continue;
        }
        if (num_ws > 1 && cpt(pos + num_ws) != OUT) {
            pos += num_ws - 1;
            add(pos);
            continue;
        }
        if (num_ws > 0) {
            pos += num_ws;
            add(pos);
            continue;
        }
        add(++pos);
    }
    return words;
}

// Word lengths in code points of PreTokenizer's byte-level words.
std::vector<size_t> engine_split(const PreTokenizer& pre, const std::string& text) {
    std::vector<size_t> lengths;
    for (const std::string& word : pre.split(text)) {
        std::string raw;
        for (const uint32_t c : utf8::decode_lenient(word)) raw.push_back(char(utf8::unicode_to_byte(c)));
        lengths.push_back(utf8::decode_lenient(raw).size());
    }
    return lengths;
}

void run_differential(PreType type, bool llama3, size_t max_digits) {
    const PreTokenizer pre(type);
    std::mt19937 rng(1234);
    const auto& chars = alphabet();
    std::uniform_int_distribution<size_t> pick(0, chars.size() - 1), length(0, 24);
    int mismatches = 0;
    for (int iter = 0; iter < 20000 && mismatches < 5; ++iter) {
        std::vector<Char> text(length(rng));
        std::string utf8_text;
        for (Char& c : text) {
            c = chars[pick(rng)];
            utf8::append(utf8_text, c.cpt);
        }
        const auto expected = reference_split(text, llama3, max_digits);
        const auto got = engine_split(pre, utf8_text);
        if (got != expected) {
            ++mismatches;
            std::string dump;
            for (const Char& c : text) dump += fmt::format("{:X} ", c.cpt);
            ADD_FAILURE() << "split differs for code points " << dump;
        }
    }
    EXPECT_EQ(mismatches, 0);
}

TEST(PreTokenizerReference, Gpt2MatchesLlamaCppSplitter) { run_differential(PreType::Gpt2, false, 0); }
TEST(PreTokenizerReference, Llama3MatchesLlamaCppSplitter) { run_differential(PreType::Llama3, true, 3); }
TEST(PreTokenizerReference, Qwen2MatchesLlama3SplitterWithSingleDigits) { run_differential(PreType::Qwen2, true, 1); }

}  // namespace
}  // namespace qs
