#include "core/text_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "core/error.h"

namespace qs {

std::optional<size_t> utf8_first_invalid(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const size_t n = s.size();
    size_t i = 0;
    while (i < n) {
        const unsigned c = p[i];
        if (c < 0x80) { ++i; continue; }
        size_t len;
        uint32_t cp;
        if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
        else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
        else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
        else return i;
        if (i + len > n) return i;
        for (size_t k = 1; k < len; ++k) {
            if ((p[i + k] & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        static constexpr uint32_t kMinForLength[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
        i += len;
    }
    return std::nullopt;
}

std::string text_file_read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail_file(path, "cannot open: {}", std::strerror(errno));
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) fail_file(path, "read error");
    if (data.empty()) fail_file(path, "file is empty");
    if (const auto bad = utf8_first_invalid(data)) {
        const size_t line = 1 + size_t(std::count(data.begin(), data.begin() + std::ptrdiff_t(*bad), '\n'));
        fail_file(path, "not valid UTF-8: bad byte 0x{:02X} at offset {} (line {})", (unsigned char)data[*bad], *bad, line);
    }
    return data;
}

}  // namespace qs
