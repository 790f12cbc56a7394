// Shared plumbing for the format loaders: reading a (possibly .bz2) text file with the usual
// checks, splitting it into numbered lines, "FILE:LINE:" errors, the Stop/Skip policy, and typed
// access to JSON fields with errors that name the field.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "datasets/task_dataset.h"

namespace qs::datasets {

// The whole file as UTF-8 text; ".bz2" files are decompressed first. A leading UTF-8 BOM is
// dropped. Throws qs::Error naming the file when it is missing, empty, corrupt or not UTF-8.
std::string dataset_read_text(const std::string& path);

// The first max_bytes (or a little more) of the file, decompressed if ".bz2", for format sniffing:
// no UTF-8 check (the cut may split a character), a partial last line is dropped.
std::string dataset_read_head(const std::string& path, size_t max_bytes);

struct TextLine {
    std::string_view text;  // without the '\n' and a trailing '\r'
    int64_t number = 0;     // 1-based
};

// Lines of text; a final newline does not start an extra empty line.
std::vector<TextLine> split_lines(std::string_view text);

// The last path component ("dir/x.jsonl" -> "x.jsonl").
std::string path_basename(const std::string& path);

// Throws qs::Error("<file>:<line>: <message>").
template <class... Args>
[[noreturn]] void fail_line(const std::string& file, int64_t line, fmt::format_string<Args...> f, Args&&... args) {
    throw Error(fmt::format("{}:{}: ", file, line) + fmt::format(f, std::forward<Args>(args)...));
}

// Applies the bad-line policy to one item: runs parse(); a qs::Error it throws is rethrown under
// Stop, or recorded as a warning and counted under Skip. Returns whether parse() succeeded.
bool guard_item(TaskDataset& dataset, BadLinePolicy policy, const std::function<void()>& parse);

// Throws when a load produced no item, so that a file of nothing but bad lines fails loudly.
void require_items(const TaskDataset& dataset);

// Parses one JSONL line as a JSON object, or fails the line.
nlohmann::json parse_json_object(const std::string& file, const TextLine& line);

// Typed field access that fails the line with "missing field 'x'" / "field 'x' is not a string".
const nlohmann::json& json_field(const nlohmann::json& obj, const char* name, const std::string& file, int64_t line);
std::string json_string(const nlohmann::json& obj, const char* name, const std::string& file, int64_t line);
// An integer given as a JSON number or as a string of digits ("3"), as HF datasets store labels.
int64_t json_integer(const nlohmann::json& obj, const char* name, const std::string& file, int64_t line);
// The id-like field as text (string or number), or "" when absent.
std::string json_optional_id(const nlohmann::json& obj, const char* name);

// Parses a whole decimal integer (optional leading '-'), or returns false.
bool parse_int(std::string_view s, int64_t& out);

// ASCII whitespace trimmed from both ends (Python's str.strip() for ASCII text).
std::string_view strip(std::string_view s);
// ASCII whitespace trimmed from the front (Python's str.lstrip() for ASCII text).
std::string_view lstrip(std::string_view s);

// Builds the (context, " " + choice) pairs lm-eval makes for a multiple-choice document.
TaskChoice make_choice(std::string context, const std::string& choice, const std::string& delimiter = " ");

}  // namespace qs::datasets
