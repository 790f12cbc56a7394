#include "tokenizer/pretokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/error.h"
#include "tokenizer/utf8.h"

namespace qs {

namespace {

// White_Space as in llama.cpp's unicode table. PCRE2 10.42's UCP \s already matches it; U+0085
// (NEL, the one White_Space character outside category Z besides \t..\r) is listed explicitly
// so the meaning does not depend on the PCRE2 version.
#define WS "\\s\\x{85}"

// GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)
// (llama.cpp's unicode_regex_split_custom_gpt2 implements exactly this alternation).
constexpr const char* GPT2_PATTERN =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" WS "\\p{L}\\p{N}]+|[" WS "]+(?![^" WS "])";

// Llama 3 (and Qwen2 with \p{N} instead of \p{N}{1,3}); the case-insensitive contractions are
// spelled out as llama.cpp does.
#define LLAMA3_LIKE(DIGITS)                                                                        \
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|" DIGITS \
    "| ?[^" WS "\\p{L}\\p{N}]+[\\r\\n]*|[" WS "]*[\\r\\n]+|[" WS "]+(?![^" WS "])|[" WS "]+"

std::vector<const char*> patterns_for(PreType type) {
    switch (type) {
        case PreType::Gpt2: return {GPT2_PATTERN};
        case PreType::Llama3: return {LLAMA3_LIKE("\\p{N}{1,3}")};
        case PreType::Qwen2: return {LLAMA3_LIKE("\\p{N}")};
        case PreType::Smollm: return {"\\p{N}", GPT2_PATTERN};
        case PreType::Default:
            return {"[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2_PATTERN, "\\p{N}+", "[0-9][0-9][0-9]"};
    }
    return {};
}

struct Range {
    size_t begin, end;  // code point indices, end exclusive
};

}  // namespace

struct PreTokenizer::Regex {
    pcre2_code* code = nullptr;
    bool jit = false;
    ~Regex() { pcre2_code_free(code); }
};

PreTokenizer::PreTokenizer(PreType type) {
    for (const char* pattern : patterns_for(type)) {
        auto re = std::make_unique<Regex>();
        int err = 0;
        PCRE2_SIZE err_offset = 0;
        re->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern), PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP,
                                 &err, &err_offset, nullptr);
        if (!re->code) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(err, msg, sizeof msg);
            throw Error(fmt::format("pre-tokenizer regex '{}' does not compile at {}: {}", pattern, err_offset,
                                    reinterpret_cast<const char*>(msg)));
        }
        re->jit = pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE) == 0;
        regexes_.push_back(std::move(re));
    }
}

PreTokenizer::~PreTokenizer() = default;

std::vector<std::string> PreTokenizer::split(std::string_view text) const {
    const std::vector<uint32_t> cpts = utf8::decode_lenient(text);
    if (cpts.empty()) return {};

    // A well-formed copy for PCRE2, and where each code point starts in it.
    std::string subject;
    subject.reserve(text.size() + 16);
    std::vector<size_t> byte_at(cpts.size() + 1);  // code point index -> byte offset in `subject`
    for (size_t i = 0; i < cpts.size(); ++i) {
        byte_at[i] = subject.size();
        const uint32_t c = cpts[i];
        const bool encodable = c <= 0x10FFFF && !(c >= 0xD800 && c <= 0xDFFF);
        utf8::append(subject, encodable ? c : utf8::REPLACEMENT);
    }
    byte_at[cpts.size()] = subject.size();

    std::vector<Range> pieces{{0, cpts.size()}};
    for (const auto& re : regexes_) {
        const std::unique_ptr<pcre2_match_data, void (*)(pcre2_match_data*)> match_data(
            pcre2_match_data_create_from_pattern(re->code, nullptr), pcre2_match_data_free);
        pcre2_match_data* md = match_data.get();
        std::vector<Range> next;
        next.reserve(pieces.size() * 2);
        for (const Range piece : pieces) {
            // Match inside the piece only, as std::regex_iterator over [begin, end) does:
            // lookaheads see the piece's end as the end of the text.
            const char* base = subject.data() + byte_at[piece.begin];
            const size_t len = byte_at[piece.end] - byte_at[piece.begin];
            size_t at = piece.begin;  // first code point not yet emitted
            size_t offset = 0;        // bytes into the piece
            size_t cursor = piece.begin;  // matches come in order: walk byte_at forward to map them
            const auto cpt_index = [&](size_t byte_in_piece) {
                const size_t target = byte_at[piece.begin] + byte_in_piece;
                while (byte_at[cursor] < target) ++cursor;
                return cursor;
            };
            const auto sptr = reinterpret_cast<PCRE2_SPTR>(base);
            while (offset < len) {
                int rc = PCRE2_ERROR_JIT_STACKLIMIT;
                if (re->jit) rc = pcre2_jit_match(re->code, sptr, len, offset, 0, md, nullptr);
                // The interpreter keeps its backtracking state on the heap: the fallback when
                // JIT is unavailable or its small default stack runs out.
                if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
                    rc = pcre2_match(re->code, sptr, len, offset, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, md, nullptr);
                if (rc < 0) {
                    if (rc == PCRE2_ERROR_NOMATCH) break;
                    throw Error(fmt::format("pre-tokenizer regex failed with PCRE2 error {}", rc));
                }
                const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
                const size_t mb = cpt_index(ov[0]);
                const size_t me = cpt_index(ov[1]);
                if (me == mb) {  // no pattern here matches empty, but never loop on one
                    offset = byte_at[mb + 1 <= piece.end ? mb + 1 : piece.end] - byte_at[piece.begin];
                    continue;
                }
                if (mb > at) next.push_back({at, mb});  // unmatched text stays a piece of its own
                next.push_back({mb, me});
                at = me;
                offset = ov[1];
            }
            if (at < piece.end) next.push_back({at, piece.end});
        }
        pieces = std::move(next);
    }

    // Words are re-encoded from code points (invalid bytes become U+FFFD's bytes), then each
    // byte is replaced by its GPT-2 printable stand-in.
    const auto& b2u = utf8::byte_to_unicode();
    std::vector<std::string> words;
    words.reserve(pieces.size());
    std::string raw;
    for (const Range piece : pieces) {
        raw.clear();
        for (size_t i = piece.begin; i < piece.end; ++i) utf8::append(raw, cpts[i]);
        std::string word;
        word.reserve(raw.size() * 2);
        for (const char c : raw) word += b2u[uint8_t(c)];
        words.push_back(std::move(word));
    }
    return words;
}

}  // namespace qs
