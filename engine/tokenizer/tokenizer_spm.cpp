#include "tokenizer/tokenizer_spm.h"

#include <queue>

#include "tokenizer/symbol_merge.h"
#include "tokenizer/utf8.h"

namespace qs {

namespace {

struct Bigram {
    int32_t left, right;
    float score;
    size_t size;  // bytes of the merged text, to spot pairs that changed since they were queued
};

// Highest score first; among equal scores the leftmost pair (llm_bigram_spm::comparator).
struct BigramOrder {
    bool operator()(const Bigram& l, const Bigram& r) const {
        return l.score < r.score || (l.score == r.score && l.left > r.left);
    }
};

// llama.cpp's byte_to_token: "<0xXX>", else the byte itself as a token. llama.cpp throws when
// neither exists; we emit unk instead (and nothing if there is no unk).
int32_t byte_token(const Vocab& vocab, uint8_t byte) {
    static const char* hex = "0123456789ABCDEF";
    const char name[6] = {'<', '0', 'x', hex[byte >> 4], hex[byte & 15], '>'};
    if (const int32_t id = vocab.find(std::string_view(name, 6)); id != TOKEN_NULL) return id;
    const char raw = char(byte);
    if (const int32_t id = vocab.find(std::string_view(&raw, 1)); id != TOKEN_NULL) return id;
    return vocab.unk;
}

}  // namespace

namespace {

// llm_tokenizer_spm_session::tokenize on one run of text.
class SpmRun {
public:
    explicit SpmRun(const Vocab& vocab) : vocab_(vocab) {}

    void tokenize(std::string_view text, std::vector<int32_t>& out) {
        text_ = text;
        symbols_.clear();
        for (size_t offs = 0; offs < text.size();) {
            const size_t n = std::min(utf8::seq_len(text[offs]), text.size() - offs);
            const int32_t index = int32_t(symbols_.size());
            symbols_.push_back({index - 1, offs + n == text.size() ? -1 : index + 1, offs, n});
            offs += n;
        }
        if (symbols_.empty()) return;

        symbols_merge(symbols_, queue_, [this](int32_t left, int32_t right) { try_add(left, right); });

        // Every merged symbol is a token by construction; only single characters can miss,
        // and those become byte tokens (llama.cpp's resegment: its rev_merge lookup never
        // succeeds for them).
        for (int32_t i = 0; i != -1; i = symbols_[size_t(i)].next) {
            const MergeSymbol& s = symbols_[size_t(i)];
            const std::string_view piece = text.substr(s.start, s.n);
            if (const int32_t id = vocab_.find(piece); id != TOKEN_NULL) {
                out.push_back(id);
                continue;
            }
            for (const char c : piece)
                if (const int32_t id = byte_token(vocab_, uint8_t(c)); id != TOKEN_NULL) out.push_back(id);
        }
    }

private:
    void try_add(int32_t left, int32_t right) {
        if (left == -1 || right == -1) return;
        const MergeSymbol& l = symbols_[size_t(left)];
        const size_t size = l.n + symbols_[size_t(right)].n;
        const int32_t id = vocab_.find(text_.substr(l.start, size));
        if (id == TOKEN_NULL) return;
        queue_.push({left, right, vocab_.score[size_t(id)], size});
    }

    const Vocab& vocab_;
    std::string_view text_;
    std::vector<MergeSymbol> symbols_;
    std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue_;
};

}  // namespace

void spm_tokenize(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) {
    // A symbol holding a byte that no token contains never merges, so the merge order on
    // either side of it is independent: tokenizing the runs between such symbols one by one
    // gives llama.cpp's result for the whole text with far smaller queues.
    SpmRun run(vocab);
    size_t begin = 0;
    for (size_t offs = 0; offs < text.size();) {
        const size_t n = std::min(utf8::seq_len(text[offs]), text.size() - offs);
        offs += n;
        bool inert = false;
        for (size_t i = offs - n; i < offs; ++i) inert |= vocab.inert_byte[uint8_t(text[i])];
        if (inert) {
            run.tokenize(text.substr(begin, offs - begin), out);
            begin = offs;
        }
    }
    run.tokenize(text.substr(begin), out);
}

}  // namespace qs
