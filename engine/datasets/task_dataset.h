// Evaluation task files (HellaSwag, ARC, MMLU, WinoGrande, PIQA, SST-2, LAMBADA, OpenBookQA,
// CommonsenseQA, COPA, BoolQ, RTE, generic JSONL)
// turned into the log-likelihood requests that EleutherAI lm-evaluation-harness (and, for its
// HellaSwag text format, llama.cpp) would build from them, so a scorer can compute acc/acc_norm
// or greedy-match + perplexity without knowing anything about the source format; and generation
// tasks (GSM8K, HumanEval, MBPP, generic generation JSONL) turned into lm-eval's generate_until
// requests: a prompt, stop strings, and how to check the answer.
//
// Every format, its prompt template and its quirks are documented in docs/datasets.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace qs {

// One way to finish the prompt: the model scores log P(continuation | context).
// lm-eval's request is (context, target_delimiter + choice); we keep the two halves apart because
// the scorer must tokenize context+continuation as a whole and only score the continuation part.
struct TaskChoice {
    std::string context;       // everything before the scored text (few-shot prefix included)
    std::string continuation;  // the scored text, usually " " + choice
    std::string text;          // the choice string lm-eval divides by for acc_norm (chars) / acc_bytes
                               // (UTF-8 bytes): the choice without the leading delimiter
};

// How a generated answer is checked (engine/eval/generation_scoring.h applies it).
enum class GenerationScoring {
    ExactMatch,   // the output, whitespace-stripped, equals a target (stripped)
    Regex,        // a target, as a PCRE2 pattern, matches somewhere in the output
    Contains,     // a target occurs in the output
    Gsm8k,        // lm-eval's gsm8k: strict-match "#### N" and flexible-extract (last number), exact match
    PythonTests,  // program_prefix + output + program_suffix runs in the sandbox and exits 0
};
const char* generation_scoring_name(GenerationScoring s);  // "exact", "regex", "contains", "gsm8k", "python-tests"

// A generate_until request and its check (TaskKind::Generation items).
struct GenerationSpec {
    std::string prompt;                 // what the model continues, few-shot prefix included
    std::vector<std::string> until;     // stop strings
    int max_tokens = 256;               // lm-eval's max_gen_toks default
    GenerationScoring scoring = GenerationScoring::ExactMatch;
    std::vector<std::string> targets;   // accepted answers (Gsm8k: the dataset's whole answer text)
    std::string program_prefix;         // PythonTests: code before the output (HumanEval: the prompt)
    std::string program_suffix;         // PythonTests: code after it (the tests)
    std::string reference;              // the dataset's own answer, checked as if generated (check-task)
};

struct TaskItem {
    std::vector<TaskChoice> choices;  // [n_choices] (Completion: exactly 1; Generation: none)
    int gold = 0;                     // index into choices
    std::string id;                   // the source's id when it has one, else "<file name>:<line>"
    std::string source_file;          // file the item was read from (MMLU: one file per subject)
    int64_t source_line = 0;          // 1-based line where the item starts in source_file
    std::string group;                // MMLU subject ("abstract algebra"), MBPP split; empty for other formats
    GenerationSpec generation;        // Generation items only
};

enum class TaskKind {
    MultipleChoice,  // pick the choice with the best (normalised) log-likelihood: acc, acc_norm
    Completion,      // LAMBADA: one continuation, scored by greedy match (acc) and perplexity
    Generation,      // GSM8K, HumanEval, MBPP, generate-jsonl: generate, then check the text or run it
};

struct TaskDataset {
    std::string name;                   // the file or directory name, e.g. "ARC-Easy-Test.jsonl"
    std::string format;                 // one of dataset_formats()
    std::string format_source;          // "given", or "detected: <evidence>" when the format was "auto"
    std::string path;                   // what was loaded (file or directory)
    TaskKind kind = TaskKind::MultipleChoice;
    std::vector<TaskItem> items;        // in file order (MMLU: subjects sorted by file name)
    std::vector<std::string> warnings;  // "FILE:LINE: what is wrong" for every skipped item
    int64_t skipped = 0;                // items dropped under BadLinePolicy::Skip
};

enum class BadLinePolicy {
    Stop,  // the first malformed item throws qs::Error("FILE:LINE: ...")
    Skip,  // malformed items are dropped, counted in `skipped` and listed in `warnings`
};

struct DatasetOptions {
    BadLinePolicy on_bad_line = BadLinePolicy::Stop;
    // k-shot prompting with examples of fewshot_path: MMLU the first k (lm-eval's first_n sampler,
    // what its mmlu task uses; fewshot_path is the dev directory or one CSV, a sibling "dev"
    // directory when empty); every other format k drawn per item as lm-eval's default sampler
    // draws them (datasets/fewshot.h). GSM8K finds a sibling train.jsonl; others need a file.
    int num_fewshot = 0;
    std::string fewshot_path;
    // MBPP: which split of the full file ("" = "test", task ids 11-510 as lm-eval's mbpp; "train",
    // "validation", "prompt", or "all"). Other formats accept only "" and "all".
    std::string split;
};

// lm-eval's acc_norm denominator: len(choice) in Python, i.e. Unicode code points of
// TaskChoice::text (acc_bytes uses text.size()). Expects valid UTF-8, which loaders guarantee.
size_t choice_char_length(const TaskChoice& choice);

// The format names dataset_load accepts, in documentation order.
const std::vector<std::string>& dataset_formats();

// Loads a task file (or, for "mmlu", a directory of CSVs). Throws qs::Error naming the file for
// unreadable/empty/non-UTF-8 input, an unknown format, a missing labels file, no usable item, and
// (under BadLinePolicy::Stop) the first malformed item as "FILE:LINE: what is wrong".
TaskDataset dataset_load(const std::string& format, const std::string& path, const DatasetOptions& options = {});

// A task as `--task NAME=FILE [--format NAME=FORMAT]` names it: `format` when given, else NAME
// when it is one of dataset_formats(), else detected. format_source says which ("given",
// "given as the task name", "detected: <evidence>").
TaskDataset dataset_load_task(const std::string& name, const std::string& format, const std::string& path,
                              const DatasetOptions& options = {});

// The format of a task file and what gave it away, e.g. {"openbookqa", "question.stem with ids
// like '7-980'"}: from the extension and the fields of the first record (rules in
// docs/datasets.md). Never guesses: throws qs::Error naming the file when nothing matches, and
// when the fields fit two formats that nothing else tells apart, naming both.
struct FormatDetection {
    std::string format;
    std::string evidence;
};
FormatDetection dataset_detect(const std::string& path);
std::string dataset_detect_format(const std::string& path);  // dataset_detect(path).format

// A fixed-seed subset of item indices, portable across compilers (mt19937_64 + rejection
// sampling, partial Fisher-Yates). Returned in ascending order so a subset is evaluated in file
// order. limit >= n_items returns every index 0..n_items-1; limit == 0 returns none.
std::vector<size_t> dataset_sample(size_t n_items, size_t limit, uint64_t seed);
// The same subset in a seeded random order (every prefix is a random sample: what a sequential
// stopping rule needs, eval --until-decided). With limit < n_items it holds the items
// dataset_sample picks; with limit >= n_items every item, shuffled.
std::vector<size_t> dataset_sample_random_order(size_t n_items, size_t limit, uint64_t seed);

// The order in which llama-perplexity --hellaswag --hellaswag-tasks LIMIT visits the tasks of a
// file of n_items tasks: std::mt19937(1) picks uniformly among the tasks left and removes the pick.
// Matches llama.cpp when both use libstdc++'s uniform_int_distribution (the reference builds do).
std::vector<size_t> dataset_sample_llamacpp_hellaswag(size_t n_items, size_t limit);

}  // namespace qs
