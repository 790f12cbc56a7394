#include "tokenizer/tokenizer_bpe.h"

#include <queue>
#include <string>
#include <unordered_map>

#include "tokenizer/symbol_merge.h"
#include "tokenizer/utf8.h"

namespace qs {

namespace {

struct Bigram {
    int32_t left, right;
    int32_t rank;
    size_t size;  // bytes of the merged text, to spot pairs that changed since they were queued
};

// Lowest rank first; among equal ranks the leftmost pair (llm_bigram_bpe::comparator).
struct BigramOrder {
    bool operator()(const Bigram& l, const Bigram& r) const {
        return l.rank > r.rank || (l.rank == r.rank && l.left > r.left);
    }
};

}  // namespace

void BpeTokenizer::tokenize_word(std::string_view word, std::vector<int32_t>& out) const {
    if (vocab_.ignore_merges) {
        if (const int32_t id = vocab_.find(word); id != TOKEN_NULL) {
            out.push_back(id);
            return;
        }
    }
    std::vector<MergeSymbol> symbols;
    for (size_t offs = 0; offs < word.size();) {
        const size_t n = std::min(utf8::seq_len(word[offs]), word.size() - offs);
        const int32_t index = int32_t(symbols.size());
        symbols.push_back({index - 1, offs + n == word.size() ? -1 : index + 1, offs, n});
        offs += n;
    }

    std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;
    std::string scratch;
    const auto try_add = [&](int32_t left, int32_t right) {
        if (left == -1 || right == -1) return;
        const MergeSymbol& l = symbols[size_t(left)];
        const MergeSymbol& r = symbols[size_t(right)];
        const int32_t rank = vocab_.find_merge(word.substr(l.start, l.n), word.substr(r.start, r.n), scratch);
        if (rank < 0) return;
        queue.push({left, right, rank, l.n + r.n});
    };
    symbols_merge(symbols, queue, try_add);

    for (int32_t i = symbols.empty() ? -1 : 0; i != -1; i = symbols[size_t(i)].next) {
        const std::string_view piece = word.substr(symbols[size_t(i)].start, symbols[size_t(i)].n);
        if (const int32_t id = vocab_.find(piece); id != TOKEN_NULL) {
            out.push_back(id);
            continue;
        }
        // As llama.cpp: look up each byte of the encoded piece as a one-character token. Only
        // ASCII bytes can match, so the rest of an unknown piece is dropped silently.
        for (const char c : piece)
            if (const int32_t id = vocab_.find(std::string_view(&c, 1)); id != TOKEN_NULL) out.push_back(id);
    }
}

void BpeTokenizer::tokenize(std::string_view text, std::vector<int32_t>& out) const {
    // A word always gives the same tokens, and natural text repeats words a lot.
    std::unordered_map<std::string, std::vector<int32_t>> cache;
    std::vector<int32_t> word_tokens;
    for (const std::string& word : pre_.split(text)) {
        if (const auto it = cache.find(word); it != cache.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            continue;
        }
        word_tokens.clear();
        tokenize_word(word, word_tokens);
        out.insert(out.end(), word_tokens.begin(), word_tokens.end());
        if (cache.size() < 65536) cache.emplace(word, word_tokens);
    }
}

}  // namespace qs
