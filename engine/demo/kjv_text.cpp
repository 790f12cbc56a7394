#include "demo/kjv_text.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <sstream>
#include <sys/wait.h>

#include "core/error.h"

namespace qs {
namespace {

constexpr int kBooks = 66;
constexpr const char* kAllVerses = "Ge1:1-Re22:21";

// Runs the reader and returns its standard output. The program path comes from the environment at
// most, and is single-quoted for the shell.
std::string run_reader(const std::string& program) {
    std::string quoted = "'";
    for (char c : program) {
        if (c == '\'') quoted += "'\\''";
        else quoted += c;
    }
    quoted += "'";
    std::string cmd = quoted + " -l100000 " + kAllVerses + " 2>&1";
    FILE* pipe = popen(cmd.c_str(), "r");
    if (!pipe) fail_file(program, "cannot start the King James Bible reader");
    std::string out;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
    int status = pclose(pipe);
    if (status != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::string first = out.substr(0, out.find('\n'));
        fail_file(program, "reading the King James Bible failed ({}); {}", first, kKjvInstallHint);
    }
    return out;
}

}  // namespace

std::string kjv_program_path() {
    const char* env = std::getenv("QS_DEMO_BIBLE");
    return env && *env ? env : "/usr/bin/bible";
}

std::vector<KjvBook> kjv_read() {
    std::string program = kjv_program_path();
    if (!std::filesystem::exists(program))
        fail_file(program, "the King James Bible reader is not installed; {}", kKjvInstallHint);
    if (program == "/usr/bin/bible" && !std::filesystem::exists(kKjvDataPath))
        fail_file(kKjvDataPath, "the King James Bible text is not installed; {}", kKjvInstallHint);

    std::istringstream lines(run_reader(program));
    // Headings are "<book> <chapter>", verses "  <n> <text>" (leading spaces right-align the number).
    static const std::regex heading(R"(^(.+) (\d+)$)");
    static const std::regex verse(R"(^ +(\d+) (.*)$)");
    std::vector<KjvBook> books;
    std::string line;
    int64_t line_no = 0;
    while (std::getline(lines, line)) {
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        std::smatch m;
        if (std::regex_match(line, m, verse)) {
            if (books.empty()) fail_file(program, "output line {}: a verse before any book heading", line_no);
            std::string text = m[2].str();
            // Same as the recipe's str.strip(): surrounding blanks are not part of the verse.
            while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.pop_back();
            text.erase(0, text.find_first_not_of(' '));
            books.back().verses.push_back(std::move(text));
        } else if (std::regex_match(line, m, heading)) {
            if (books.empty() || books.back().name != m[1].str())
                books.push_back(KjvBook{m[1].str(), int(books.size()) + 1, {}});
        } else {
            fail_file(program, "output line {}: unexpected text '{}'", line_no, line.substr(0, 80));
        }
    }
    if (books.size() != kBooks) fail_file(program, "expected {} books, read {}", kBooks, books.size());
    return books;
}

bool kjv_is_held_out(int book_index) { return book_index % 10 == 0; }

std::vector<KjvBook> kjv_select(const std::vector<KjvBook>& books, bool held_out) {
    std::vector<KjvBook> out;
    for (const auto& b : books)
        if (kjv_is_held_out(b.index) == held_out) out.push_back(b);
    return out;
}

std::string kjv_books_text(const std::vector<KjvBook>& books) {
    std::string out;
    for (const auto& b : books)
        for (const auto& v : b.verses) {
            out += v;
            out += '\n';
        }
    return out;
}

}  // namespace qs
