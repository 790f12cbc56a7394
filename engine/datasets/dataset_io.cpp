#include "datasets/dataset_io.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/text_file.h"
#include "datasets/decompress.h"

namespace qs::datasets {

std::string dataset_read_text(const std::string& path) {
    std::string text;
    if (is_compressed_path(path)) {
        text = compressed_read_file(path);
        if (text.empty()) fail_file(path, "file is empty (after decompression)");
        if (const auto bad = utf8_first_invalid(text)) {
            const auto line = 1 + std::count(text.begin(), text.begin() + std::ptrdiff_t(*bad), '\n');
            fail_file(path, "not valid UTF-8 after decompression: bad byte 0x{:02X} at offset {} (line {})",
                      (unsigned char)text[*bad], *bad, line);
        }
    } else {
        text = text_file_read(path);  // checks existence, emptiness and UTF-8
    }
    if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) fail_file(path, "file has only blank lines");
    return text;
}

std::string dataset_read_head(const std::string& path, size_t max_bytes) {
    std::string head;
    if (is_compressed_path(path)) {
        head = compressed_read_file(path, max_bytes);
    } else {
        std::ifstream in(path, std::ios::binary);
        if (!in) fail_file(path, "cannot open: {}", std::strerror(errno));
        head.resize(max_bytes);
        in.read(head.data(), std::streamsize(max_bytes));
        head.resize(size_t(in.gcount()));
    }
    if (head.empty()) fail_file(path, "file is empty");
    if (head.size() >= max_bytes) {
        const size_t last_newline = head.rfind('\n');
        if (last_newline != std::string::npos) head.erase(last_newline + 1);
    }
    if (head.rfind("\xEF\xBB\xBF", 0) == 0) head.erase(0, 3);
    return head;
}

std::vector<TextLine> split_lines(std::string_view text) {
    std::vector<TextLine> lines;
    size_t start = 0;
    int64_t number = 1;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.push_back({line, number++});
        start = end + 1;
    }
    return lines;
}

std::string path_basename(const std::string& path) {
    std::string p = path;
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    const size_t slash = p.find_last_of('/');
    return slash == std::string::npos ? p : p.substr(slash + 1);
}

bool guard_item(TaskDataset& dataset, BadLinePolicy policy, const std::function<void()>& parse) {
    try {
        parse();
        return true;
    } catch (const Error& e) {
        if (policy == BadLinePolicy::Stop) throw;
        dataset.warnings.emplace_back(e.what());
        ++dataset.skipped;
        return false;
    }
}

void require_items(const TaskDataset& dataset) {
    if (!dataset.items.empty()) return;
    if (dataset.skipped > 0)
        fail_file(dataset.path, "no valid item: all {} were malformed (first: {})", dataset.skipped, dataset.warnings.front());
    fail_file(dataset.path, "no item found");
}

nlohmann::json parse_json_object(const std::string& file, const TextLine& line) {
    nlohmann::json obj = nlohmann::json::parse(line.text, nullptr, /*allow_exceptions=*/false);
    if (obj.is_discarded()) fail_line(file, line.number, "not valid JSON");
    if (!obj.is_object()) fail_line(file, line.number, "expected a JSON object, found {}", obj.type_name());
    return obj;
}

const nlohmann::json& json_field(const nlohmann::json& obj, const char* name, const std::string& file, int64_t line) {
    const auto it = obj.find(name);
    if (it == obj.end()) fail_line(file, line, "missing field '{}'", name);
    return *it;
}

std::string json_string(const nlohmann::json& obj, const char* name, const std::string& file, int64_t line) {
    const auto& v = json_field(obj, name, file, line);
    if (!v.is_string()) fail_line(file, line, "field '{}' is not a string (found {})", name, v.type_name());
    return v.get<std::string>();
}

int64_t json_integer(const nlohmann::json& obj, const char* name, const std::string& file, int64_t line) {
    const auto& v = json_field(obj, name, file, line);
    if (v.is_number_integer()) return v.get<int64_t>();
    int64_t out = 0;
    if (v.is_string() && parse_int(v.get_ref<const std::string&>(), out)) return out;
    fail_line(file, line, "field '{}' is not an integer (found {})", name, v.dump());
}

std::string json_optional_id(const nlohmann::json& obj, const char* name) {
    const auto it = obj.find(name);
    if (it == obj.end() || it->is_null()) return {};
    return it->is_string() ? it->get<std::string>() : it->dump();
}

bool parse_int(std::string_view s, int64_t& out) {
    if (s.empty()) return false;
    size_t i = 0;
    const bool negative = s[0] == '-';
    if (negative) i = 1;
    if (i == s.size() || s.size() - i > 18) return false;
    int64_t v = 0;
    for (; i < s.size(); ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    out = negative ? -v : v;
    return true;
}

namespace {
constexpr std::string_view kAsciiSpace = " \t\n\r\f\v";
}  // namespace

std::string_view strip(std::string_view s) {
    const size_t b = s.find_first_not_of(kAsciiSpace);
    if (b == std::string_view::npos) return {};
    const size_t e = s.find_last_not_of(kAsciiSpace);
    return s.substr(b, e - b + 1);
}

std::string_view lstrip(std::string_view s) {
    const size_t b = s.find_first_not_of(kAsciiSpace);
    return b == std::string_view::npos ? std::string_view{} : s.substr(b);
}

TaskChoice make_choice(std::string context, const std::string& choice, const std::string& delimiter) {
    return TaskChoice{std::move(context), delimiter + choice, choice};
}

}  // namespace qs::datasets
