#include "datasets/csv.h"

namespace qs::datasets {

std::vector<CsvRecord> csv_parse(std::string_view text, char separator) {
    std::vector<CsvRecord> records;
    size_t i = 0;
    int64_t line = 1;
    const size_t n = text.size();
    while (i < n) {
        // Blank lines between records carry no record.
        if (text[i] == '\n') { ++line; ++i; continue; }
        if (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') { ++line; i += 2; continue; }

        CsvRecord rec;
        rec.line = line;
        std::string field;
        bool record_done = false;
        while (!record_done) {
            // One field starting at i.
            field.clear();
            if (i < n && text[i] == '"') {
                ++i;
                bool closed = false;
                while (i < n) {
                    const char c = text[i];
                    if (c == '"') {
                        if (i + 1 < n && text[i + 1] == '"') { field += '"'; i += 2; continue; }
                        ++i;
                        closed = true;
                        break;
                    }
                    if (c == '\n') ++line;
                    field += c;
                    ++i;
                }
                if (!closed) {
                    rec.error = "unterminated quoted field";
                    rec.fields.push_back(field);
                    records.push_back(std::move(rec));
                    return records;
                }
            }
            // Unquoted text (or text after a closing quote) up to the separator or end of line.
            while (i < n && text[i] != separator && text[i] != '\n') {
                if (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') break;
                field += text[i++];
            }
            rec.fields.push_back(field);
            if (i < n && text[i] == separator) { ++i; continue; }
            // End of record: newline or end of text.
            if (i < n && text[i] == '\r') ++i;
            if (i < n && text[i] == '\n') { ++i; ++line; }
            record_done = true;
        }
        records.push_back(std::move(rec));
    }
    return records;
}

}  // namespace qs::datasets
