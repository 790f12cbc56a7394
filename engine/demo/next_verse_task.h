// The built-in multiple-choice task: "which verse comes next?" over the held-out books.
//
// Each item's context is two consecutive verses (one per line); the choices are the true next verse
// and three distractors from the same book, far from the item (more than 5 verses away) and of similar
// length (the closest in characters among 24 random candidates), so that summed log-likelihood
// cannot win by preferring short choices. Choices are joined to the context by "\n", as verses are in
// the perplexity corpus. Deterministic: a fixed seed and a portable generator.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "demo/kjv_text.h"

namespace qs {

struct NextVerseOptions {
    size_t n_items = 400;
    uint64_t seed = 20261123;
};

// QuantScope's generic "jsonl" task format (docs/datasets.md), one item per line.
std::string next_verse_task_jsonl(const std::vector<KjvBook>& held_out_books, const NextVerseOptions& opts = {});

}  // namespace qs
