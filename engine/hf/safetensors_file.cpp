#include "hf/safetensors_file.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace qs {

namespace {

// safetensors' own limit on the JSON header (it refuses larger ones as hostile).
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;
// Dimensions and element counts beyond these cannot be real tensors and would overflow sizes.
constexpr int64_t kMaxElements = int64_t(1) << 48;

struct Dtype {
    const char* name;
    size_t bytes;
    bool readable;  // a float type the engine computes with
    GgmlType type;
};
constexpr Dtype kDtypes[] = {
    {"BF16", 2, true, GgmlType::BF16}, {"F16", 2, true, GgmlType::F16},   {"F32", 4, true, GgmlType::F32},
    {"F64", 8, false, GgmlType::F32},  {"I64", 8, false, GgmlType::F32},  {"U64", 8, false, GgmlType::F32},
    {"I32", 4, false, GgmlType::F32},  {"U32", 4, false, GgmlType::F32},  {"I16", 2, false, GgmlType::F32},
    {"U16", 2, false, GgmlType::F32},  {"I8", 1, false, GgmlType::F32},   {"U8", 1, false, GgmlType::F32},
    {"BOOL", 1, false, GgmlType::F32}, {"F8_E4M3", 1, false, GgmlType::F32}, {"F8_E5M2", 1, false, GgmlType::F32},
};

uint64_t read_u64_le(const uint8_t* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

// A JSON number that is a non-negative integer, else an error naming what it was.
uint64_t non_negative(const std::string& label, const std::string& tensor, const char* field, const nlohmann::json& v) {
    if (!v.is_number_integer() || (v.is_number_integer() && !v.is_number_unsigned() && v.get<int64_t>() < 0))
        fail_file(label, "tensor '{}': {} holds {}, not a non-negative integer", tensor, field, v.dump());
    return v.get<uint64_t>();
}

}  // namespace

int64_t SafetensorsTensor::n_elements() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;  // bounded at parse time
    return n;
}

std::vector<SafetensorsTensor> safetensors_parse(const std::string& label, const uint8_t* bytes, size_t size) {
    if (size < 8) fail_file(label, "{} bytes is too short for a safetensors file (8-byte header length)", size);
    const uint64_t header_len = read_u64_le(bytes);
    if (header_len > kMaxHeaderBytes)
        fail_file(label, "safetensors header length {} exceeds the 100 MiB limit (corrupt or not a safetensors file)", header_len);
    if (header_len > size - 8)
        fail_file(label, "safetensors header length {} runs past the end of the file ({} bytes)", header_len, size);
    const uint8_t* data = bytes + 8 + header_len;
    const uint64_t data_size = size - 8 - header_len;

    nlohmann::json header;
    try {
        header = nlohmann::json::parse(reinterpret_cast<const char*>(bytes) + 8, reinterpret_cast<const char*>(data));
    } catch (const nlohmann::json::exception& e) {
        fail_file(label, "safetensors header is not valid JSON: {}", e.what());
    }
    if (!header.is_object()) fail_file(label, "safetensors header is not a JSON object");

    std::vector<SafetensorsTensor> out;
    std::vector<std::pair<uint64_t, uint64_t>> ranges;  // [begin, end) per tensor, for the overlap check
    for (const auto& [name, info] : header.items()) {
        if (name == "__metadata__") continue;
        if (!info.is_object()) fail_file(label, "tensor '{}': header entry is not an object", name);
        const auto dt = info.find("dtype");
        const auto sh = info.find("shape");
        const auto off = info.find("data_offsets");
        if (dt == info.end() || !dt->is_string()) fail_file(label, "tensor '{}': no dtype string", name);
        if (sh == info.end() || !sh->is_array()) fail_file(label, "tensor '{}': no shape array", name);
        if (off == info.end() || !off->is_array() || off->size() != 2)
            fail_file(label, "tensor '{}': data_offsets is not a pair [begin, end]", name);

        SafetensorsTensor t;
        t.name = name;
        t.dtype = dt->get<std::string>();
        const Dtype* dtype = nullptr;
        for (const Dtype& d : kDtypes)
            if (t.dtype == d.name) dtype = &d;
        if (!dtype) fail_file(label, "tensor '{}': unknown dtype '{}'", name, t.dtype);
        t.float_type = dtype->readable;
        t.type = dtype->type;

        int64_t elements = 1;
        for (const nlohmann::json& d : *sh) {
            const uint64_t dim = non_negative(label, name, "shape", d);
            if (dim > uint64_t(kMaxElements) || (dim > 0 && elements > kMaxElements / int64_t(dim)))
                fail_file(label, "tensor '{}': shape {} is absurdly large", name, sh->dump());
            t.shape.push_back(int64_t(dim));
            elements *= int64_t(dim);
        }
        const uint64_t begin = non_negative(label, name, "data_offsets", (*off)[0]);
        const uint64_t end = non_negative(label, name, "data_offsets", (*off)[1]);
        if (begin > end) fail_file(label, "tensor '{}': data_offsets [{}, {}] run backwards", name, begin, end);
        if (end > data_size)
            fail_file(label, "tensor '{}': data [{}, {}) runs past the end of the data ({} bytes)", name, begin, end, data_size);
        if (end - begin != uint64_t(elements) * dtype->bytes)
            fail_file(label, "tensor '{}': {} bytes do not hold shape {} of {} ({} bytes)", name, end - begin, sh->dump(),
                      t.dtype, uint64_t(elements) * dtype->bytes);
        t.data = data + begin;
        t.nbytes = size_t(end - begin);
        ranges.emplace_back(begin, end);
        out.push_back(std::move(t));
    }
    std::vector<size_t> order(out.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ranges[a] < ranges[b]; });
    for (size_t i = 1; i < order.size(); ++i) {
        const auto& prev = ranges[order[i - 1]];
        const auto& cur = ranges[order[i]];
        if (cur.first < prev.second && cur.first != cur.second)
            fail_file(label, "tensors '{}' and '{}' overlap in the data section", out[order[i - 1]].name, out[order[i]].name);
    }
    return out;
}

SafetensorsFile SafetensorsFile::open(const std::string& path) {
    SafetensorsFile f;
    auto mapping = std::make_shared<MappedFile>(path);
    f.tensors_ = safetensors_parse(path, mapping->data(), mapping->size());
    f.file_ = std::move(mapping);
    return f;
}

}  // namespace qs
