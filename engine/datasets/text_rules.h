// String transformations lm-eval applies in Python, reproduced byte for byte (for ASCII letters:
// Python's Unicode case mapping of non-ASCII letters is not reproduced; see docs/datasets.md).
#pragma once

#include <string>
#include <string_view>

namespace qs::datasets {

// Python str.capitalize(): first character upper-cased, all the others lower-cased.
std::string python_capitalize(std::string_view s);

// Python's s[0].lower() + s[1:] (lm-eval's COPA convert_choice).
std::string python_lower_first(std::string_view s);

// lm-eval tasks/hellaswag/utils.py preprocess(): strip(), " [title]" -> ". ", drop every
// "[...]" (non-greedy, not across newlines), then one left-to-right pass of "  " -> " ".
std::string hellaswag_preprocess(std::string_view s);

}  // namespace qs::datasets
