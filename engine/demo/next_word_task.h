// The built-in multiple-choice task over the held-out books: "which word comes next in this verse?"
//
// An item cuts a held-out verse after a word chosen at random (at least 3 words in, at least one word
// left). Context: the previous verse, a newline, and the verse up to the cut. Choices: the verse's
// true next word and three other words of the same book with about the same frequency in the held-out
// text (the closest count among 24 random word occurrences of the book), so a choice cannot win by
// being a common word; only the context tells them apart. Words are compared and shown without
// surrounding punctuation; choices follow the context after " ".
//
// Why words and not whole next verses or verse endings: a whole verse's summed log-likelihood is
// dominated by its own wording, which the context barely moves for a model of the demo's size; it
// scored those tasks at chance (25-31 %). The next word is where the context decides.
//
// Deterministic: dataset_sample picks the verses with a fixed seed; a portable generator draws the
// cut, the distractors and the gold's position.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "demo/kjv_text.h"

namespace qs {

struct NextWordOptions {
    size_t n_items = 400;
    uint64_t seed = 20261123;
};

// QuantScope's generic "jsonl" task format (docs/datasets.md), one item per line.
std::string next_word_task_jsonl(const std::vector<KjvBook>& held_out_books, const NextWordOptions& opts = {});

// A word as the task uses it: the text between spaces with leading and trailing punctuation removed
// ("said," -> "said", "(for" -> "for"); empty when nothing alphanumeric is left.
std::string task_word(const std::string& token);

}  // namespace qs
