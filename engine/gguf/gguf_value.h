// A GGUF metadata value: a scalar, a string, or an array of values (arrays may nest).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace qs {

// Value type codes as stored in GGUF files (enum gguf_type).
enum class GgufType : uint32_t {
    UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
    STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12,
};
const char* gguf_type_name(GgufType t);

class GgufValue;

struct GgufArray {
    GgufType elem_type = GgufType::UINT8;  // type of every element (ARRAY for nested arrays)
    std::vector<GgufValue> items;
    bool operator==(const GgufArray& other) const;  // same element type and equal items
};

class GgufValue {
public:
    using Storage = std::variant<uint64_t, int64_t, double, bool, std::string, GgufArray>;

    GgufValue() : type_(GgufType::UINT8), v_(uint64_t(0)) {}
    GgufValue(GgufType type, Storage v) : type_(type), v_(std::move(v)) {}

    static GgufValue u32(uint32_t x) { return {GgufType::UINT32, uint64_t(x)}; }
    static GgufValue i32(int32_t x) { return {GgufType::INT32, int64_t(x)}; }
    static GgufValue u64(uint64_t x) { return {GgufType::UINT64, x}; }
    static GgufValue f32(float x) { return {GgufType::FLOAT32, double(x)}; }
    static GgufValue boolean(bool x) { return {GgufType::BOOL, x}; }
    static GgufValue str(std::string s) { return {GgufType::STRING, std::move(s)}; }
    static GgufValue array(GgufType elem_type, std::vector<GgufValue> items) {
        return {GgufType::ARRAY, GgufArray{elem_type, std::move(items)}};
    }

    GgufType type() const { return type_; }
    bool is_integer() const;  // any of the eight integer types
    bool is_float() const { return type_ == GgufType::FLOAT32 || type_ == GgufType::FLOAT64; }
    bool is_string() const { return type_ == GgufType::STRING; }
    bool is_array() const { return type_ == GgufType::ARRAY; }
    bool is_bool() const { return type_ == GgufType::BOOL; }

    // Accessors assume the matching is_*() holds (checked by assert).
    int64_t as_int() const;       // any integer type; UINT64 above INT64_MAX saturates
    double as_double() const;     // float or integer types
    bool as_bool() const { return std::get<bool>(v_); }
    const std::string& as_string() const { return std::get<std::string>(v_); }
    const GgufArray& as_array() const { return std::get<GgufArray>(v_); }
    const Storage& storage() const { return v_; }

    // Same type and same stored value (arrays compared element by element).
    bool operator==(const GgufValue& other) const { return type_ == other.type_ && v_ == other.v_; }

    // A short human-readable rendering ("[50257 strings]" for long arrays), for `info`.
    std::string to_display_string(size_t max_items = 8) const;

private:
    GgufType type_;
    Storage v_;
};

}  // namespace qs
