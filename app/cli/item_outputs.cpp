#include "item_outputs.h"

#include <algorithm>
#include <fmt/format.h>
#include <map>

#include "core/error.h"

namespace qs::cli {

TextPosition first_difference(const std::string& a, const std::string& b) {
    if (a == b) return {};
    const auto [ia, ib] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
    TextPosition p;
    p.offset = size_t(ib - b.begin());
    p.line = 1 + int(std::count(b.begin(), ib, '\n'));
    const size_t line_start = b.rfind('\n', p.offset == 0 ? std::string::npos : p.offset - 1);
    p.column = int(p.offset - (line_start == std::string::npos || p.offset == 0 ? 0 : line_start + 1)) + 1;
    return p;
}

namespace {

// The text with a caret line under the given 1-based line and column.
void print_marked(const std::string& text, const TextPosition& at) {
    int line = 1;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t end = std::min(text.find('\n', start), text.size());
        fmt::print("    {}\n", text.substr(start, end - start));
        if (line == at.line) fmt::print("    {}^ differs from the baseline here\n", std::string(size_t(at.column - 1), ' '));
        if (end == text.size()) break;
        start = end + 1;
        ++line;
    }
}

}  // namespace

void print_item_outputs(const RunRecord& run, int item) {
    std::map<std::string, std::vector<const JobRecord*>> by_task;  // task -> its generation jobs, plan order
    for (const JobRecord& j : run.jobs)
        if (!j.item_outputs.empty()) by_task[j.dataset].push_back(&j);
    bool shown = false;
    for (const auto& [task, jobs] : by_task) {
        const std::string* base = nullptr;
        for (const JobRecord* j : jobs) {
            const auto it = std::find_if(j->item_outputs.begin(), j->item_outputs.end(),
                                         [&](const ItemOutput& o) { return o.item == item && o.sample == 0; });
            if (it == j->item_outputs.end()) continue;
            if (!shown || !base) fmt::print("task {}, item {} ({})\n", task, item, it->item_id);
            shown = true;
            const bool is_base = j->precision == run.baseline || !base;
            std::string mark = is_base ? "baseline" : "same text as the baseline";
            TextPosition at;
            if (!is_base) {
                at = first_difference(*base, it->text);
                if (at.line > 0) mark = fmt::format("differs from the baseline at line {}, column {}", at.line, at.column);
            }
            fmt::print("--- {} | {}{} | {}\n", j->precision, it->verdict, it->detail.empty() ? "" : ": " + it->detail, mark);
            if (is_base || at.line > 0) print_marked(it->text, at);
            if (is_base) base = &it->text;
        }
    }
    if (!shown) throw Error(fmt::format("history: run {} has no generation output for item {}", run.id, item));
}

}  // namespace qs::cli
