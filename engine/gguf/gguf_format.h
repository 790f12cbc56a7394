// Private to the gguf module: facts about the on-disk GGUF layout shared by the reader and the
// writer, so the two cannot drift apart.
//
// Layout (little-endian, versions 2 and 3):
//   "GGUF" u32 version, u64 n_tensors, u64 n_kv,
//   n_kv x { string key, u32 value_type, value },
//   n_tensors x { string name, u32 n_dims, i64 ne[n_dims], u32 ggml_type, u64 offset },
//   zero padding to the alignment, tensor data (each tensor's offset aligned).
// A string is u64 length + bytes (no terminator); an array is u32 element type, u64 count, items.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "gguf/gguf_value.h"

namespace qs::gguf_format {

constexpr uint8_t kMagic[4] = {'G', 'G', 'U', 'F'};
constexpr uint32_t kWriteVersion = 3;
constexpr const char* kAlignmentKey = "general.alignment";
constexpr int kMaxArrayDepth = 16;  // nested arrays deeper than this are refused (no real file nests at all)

inline bool is_known_value_type(uint32_t raw) { return raw <= uint32_t(GgufType::FLOAT64); }

// Bytes of a scalar value of type t; 0 for STRING and ARRAY.
inline size_t scalar_size(GgufType t) {
    switch (t) {
        case GgufType::UINT8: case GgufType::INT8: case GgufType::BOOL: return 1;
        case GgufType::UINT16: case GgufType::INT16: return 2;
        case GgufType::UINT32: case GgufType::INT32: case GgufType::FLOAT32: return 4;
        case GgufType::UINT64: case GgufType::INT64: case GgufType::FLOAT64: return 8;
        case GgufType::STRING: case GgufType::ARRAY: return 0;
    }
    return 0;
}

// Fewest bytes one encoded value of type t can take: bounds array counts before allocating.
inline size_t min_encoded_size(GgufType t) {
    if (t == GgufType::STRING) return 8;             // length
    if (t == GgufType::ARRAY) return 4 + 8;          // element type + count
    return scalar_size(t);
}

inline bool is_power_of_two(uint64_t x) { return x != 0 && (x & (x - 1)) == 0; }

// "[64, 512]", for messages.
inline std::string shape_string(const std::vector<int64_t>& ne) {
    std::string s = "[";
    for (size_t i = 0; i < ne.size(); ++i) s += (i ? ", " : "") + std::to_string(ne[i]);
    return s + "]";
}

inline uint64_t align_up(uint64_t x, uint64_t alignment) { return (x + alignment - 1) / alignment * alignment; }

}  // namespace qs::gguf_format
