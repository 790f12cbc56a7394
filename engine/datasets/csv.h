// RFC 4180 CSV records (quoted fields with embedded commas, newlines and doubled quotes), each
// with the line it starts on, for MMLU's headerless files.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qs::datasets {

struct CsvRecord {
    std::vector<std::string> fields;
    int64_t line = 0;    // 1-based line where the record starts
    std::string error;   // non-empty when the record is malformed (e.g. unterminated quote)
};

// Splits text into records. Like Python's csv module: a quote that does not open a field is kept
// literally, text after a closing quote is appended, "\r\n" ends a record like "\n", and blank
// lines between records are ignored. A file without a final newline is fine.
std::vector<CsvRecord> csv_parse(std::string_view text, char separator = ',');

}  // namespace qs::datasets
