// Checking one generated answer, as lm-evaluation-harness checks it (a GenerationSpec says how):
//
//   Gsm8k (lm-eval gsm8k v3): two filters on the output, each followed by exact_match against the
//     dataset's answer with regexes_to_ignore [",", "\$", "(?s).*#### ", "\.$"] applied to both
//     sides and case ignored:
//       strict-match      the first match of  #### (\-?[0-9\.\,]+)  (its group), stripped
//       flexible-extract  the LAST match of   (-?[$0-9.,]{2,})|(-?[0-9]+)  (its non-empty group)
//     No match gives "[invalid]". The verdict is strict-match's; flexible's is kept beside it.
//   PythonTests (HumanEval, MBPP): program_prefix + output + program_suffix runs in the sandbox;
//     pass = exit 0; fail = it ended with an AssertionError (a test failed); timeout = wall clock
//     or CPU limit; error = anything else (a syntax error, an exception in the generated code, a
//     memory error): the code does not even run.
//   ExactMatch: output.strip() == target.strip() for some target. Contains: a target is a substring
//     of the output. Regex: a target (PCRE2 pattern) matches somewhere in the output.
#pragma once

#include <string>
#include <vector>

#include "datasets/task_dataset.h"

namespace qs {

class Sandbox;

enum class GenerationVerdict { Pass, Fail, Timeout, Error };
const char* generation_verdict_name(GenerationVerdict v);  // "pass", "fail", "timeout", "error"
GenerationVerdict generation_verdict_from_name(const std::string& name);  // throws qs::Error

struct GenerationCheck {
    GenerationVerdict verdict = GenerationVerdict::Fail;
    std::string extracted;          // Gsm8k: what strict-match extracted ("[invalid]" when nothing)
    bool flexible_pass = false;     // Gsm8k: flexible-extract's verdict
    std::string flexible_extracted; // Gsm8k: what flexible-extract extracted
    std::string detail;             // PythonTests: the program's last stderr line, or the timeout
    bool pass() const { return verdict == GenerationVerdict::Pass; }
};

// lm-eval's gsm8k filters and exact_match normalisation.
std::string gsm8k_strict_extract(const std::string& text);
std::string gsm8k_flexible_extract(const std::string& text);
std::string gsm8k_normalize(const std::string& s);

// The program PythonTests runs for an output.
std::string generation_program(const GenerationSpec& spec, const std::string& output);

// Checks `output` against the item's spec. PythonTests needs a sandbox (qs::Error without one);
// a bad regex target is a qs::Error naming the item.
GenerationCheck generation_check(const TaskItem& item, const std::string& output, const Sandbox* sandbox);

// Python's re.findall for a PCRE2 pattern: per match, its groups ("" for a group that did not
// take part; the whole match when the pattern has no group). Throws qs::Error for a bad pattern.
std::vector<std::vector<std::string>> regex_find_all(const std::string& pattern, const std::string& text);

}  // namespace qs
