// Internal: the merge loop SentencePiece and BPE share (llama.cpp's llm_tokenizer_spm/bpe).
//
// Symbols tile the text and stay contiguous while they merge, so a symbol is an offset and a
// length chained to its live neighbours. Candidate pairs wait in a priority queue ordered by the
// tokenizer's own rule (SPM: highest score; BPE: lowest merge rank; ties: leftmost); the best
// pair is merged and its new neighbours are offered as candidates, until no pair is left.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qs {

struct MergeSymbol {
    int32_t prev, next;  // live neighbours, -1 at the ends
    size_t start, n;     // bytes of the text; n == 0 once merged into the left neighbour
};

// Queue holds bigrams with fields `left`, `right` (symbol indices) and `size` (bytes of the
// merged text when queued, to spot pairs that changed since). try_add(left, right) queues the
// pair if it can merge; it must ignore an index of -1.
template <class Queue, class TryAdd>
void symbols_merge(std::vector<MergeSymbol>& symbols, Queue& queue, TryAdd&& try_add) {
    for (int32_t i = 1; i < int32_t(symbols.size()); ++i) try_add(i - 1, i);
    while (!queue.empty()) {
        const auto b = queue.top();
        queue.pop();
        MergeSymbol& l = symbols[size_t(b.left)];
        MergeSymbol& r = symbols[size_t(b.right)];
        if (l.n == 0 || r.n == 0 || l.n + r.n != b.size) continue;  // stale
        l.n += r.n;
        r.n = 0;
        l.next = r.next;
        if (r.next >= 0) symbols[size_t(r.next)].prev = b.left;
        try_add(l.prev, b.left);
        try_add(b.left, l.next);
    }
}

}  // namespace qs
