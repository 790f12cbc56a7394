// One generation item's outputs across the precisions of a run, one after the other, each marked
// against the baseline's: the same text, or where it first differs (line, column, and a caret
// under it). `history --run ID --item N`.
#pragma once

#include <string>

#include "store/run_record.h"

namespace qs::cli {

// The first byte where b differs from a, as 1-based line and column of b; {0, 0} when equal.
struct TextPosition {
    size_t offset = 0;
    int line = 0, column = 0;
};
TextPosition first_difference(const std::string& a, const std::string& b);

// Prints item `item` (0-based position in the run's generation jobs) of every generation job of
// the run, grouped by task. Throws qs::Error when no job of the run has that item.
void print_item_outputs(const RunRecord& run, int item);

}  // namespace qs::cli
