#include "gguf/gguf_value.h"

#include <cassert>
#include <cstdint>
#include <limits>

#include <fmt/format.h>

namespace qs {

const char* gguf_type_name(GgufType t) {
    switch (t) {
        case GgufType::UINT8: return "uint8";
        case GgufType::INT8: return "int8";
        case GgufType::UINT16: return "uint16";
        case GgufType::INT16: return "int16";
        case GgufType::UINT32: return "uint32";
        case GgufType::INT32: return "int32";
        case GgufType::FLOAT32: return "float32";
        case GgufType::BOOL: return "bool";
        case GgufType::STRING: return "string";
        case GgufType::ARRAY: return "array";
        case GgufType::UINT64: return "uint64";
        case GgufType::INT64: return "int64";
        case GgufType::FLOAT64: return "float64";
    }
    return "unknown";
}

bool GgufArray::operator==(const GgufArray& other) const {
    return elem_type == other.elem_type && items == other.items;
}

bool GgufValue::is_integer() const {
    switch (type_) {
        case GgufType::UINT8: case GgufType::INT8: case GgufType::UINT16: case GgufType::INT16:
        case GgufType::UINT32: case GgufType::INT32: case GgufType::UINT64: case GgufType::INT64:
            return true;
        default:
            return false;
    }
}

int64_t GgufValue::as_int() const {
    assert(is_integer());
    if (const auto* u = std::get_if<uint64_t>(&v_)) {
        return *u > uint64_t(std::numeric_limits<int64_t>::max()) ? std::numeric_limits<int64_t>::max() : int64_t(*u);
    }
    if (const auto* i = std::get_if<int64_t>(&v_)) return *i;
    return 0;  // storage does not hold an integer: a programming error caught by the assert
}

double GgufValue::as_double() const {
    if (const auto* d = std::get_if<double>(&v_)) return *d;
    if (const auto* u = std::get_if<uint64_t>(&v_)) return double(*u);
    if (const auto* i = std::get_if<int64_t>(&v_)) return double(*i);
    assert(false && "GgufValue::as_double on a non-numeric value");
    return 0.0;
}

namespace {

// Strings are shown quoted, with control characters escaped so one value stays on one line,
// and cut after a few hundred bytes (chat templates run to kilobytes).
std::string display_string(const std::string& s) {
    constexpr size_t kMaxShown = 200;
    std::string out = "\"";
    const size_t n = std::min(s.size(), kMaxShown);
    for (size_t i = 0; i < n; ++i) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        switch (c) {
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            default:
                if (c < 0x20) out += fmt::format("\\x{:02x}", c);
                else out += char(c);
        }
    }
    out += '"';
    if (s.size() > kMaxShown) out += fmt::format("... ({} bytes)", s.size());
    return out;
}

std::string plural_name(GgufType t) {
    switch (t) {
        case GgufType::STRING: return "strings";
        case GgufType::ARRAY: return "arrays";
        default: return std::string(gguf_type_name(t)) + " values";
    }
}

}  // namespace

std::string GgufValue::to_display_string(size_t max_items) const {
    switch (type_) {
        case GgufType::BOOL: return as_bool() ? "true" : "false";
        case GgufType::STRING: return display_string(as_string());
        case GgufType::FLOAT32: return fmt::format("{}", float(as_double()));
        case GgufType::FLOAT64: return fmt::format("{}", as_double());
        case GgufType::ARRAY: {
            const GgufArray& a = as_array();
            if (a.items.size() > max_items) return fmt::format("[{} {}]", a.items.size(), plural_name(a.elem_type));
            std::string out = "[";
            for (size_t i = 0; i < a.items.size(); ++i) {
                if (i) out += ", ";
                out += a.items[i].to_display_string(max_items);
            }
            return out + "]";
        }
        default:
            if (const auto* u = std::get_if<uint64_t>(&v_)) return fmt::format("{}", *u);
            if (const auto* i = std::get_if<int64_t>(&v_)) return fmt::format("{}", *i);
            return "?";
    }
}

}  // namespace qs
