#include "gguf/gguf_file.h"

#include "core/error.h"
#include "gguf/gguf_parser.h"

namespace qs {

int64_t GgufTensorInfo::n_elements() const {
    int64_t n = 1;
    for (int64_t d : ne) n *= d;  // the parser has checked that this cannot overflow
    return n;
}

GgufFile GgufFile::open(const std::string& path) {
    auto file = std::make_shared<MappedFile>(path);
    GgufFile out;
    GgufParser::parse(std::move(file), out);
    return out;
}

GgufFile GgufFile::from_parts(std::string label, std::vector<GgufMetadataEntry> metadata,
                              std::vector<GgufTensorInfo> tensors, std::vector<std::shared_ptr<const void>> owners,
                              uint64_t source_bytes) {
    GgufFile out;
    out.label_ = std::move(label);
    out.source_bytes_ = source_bytes;
    out.version_ = 3;
    out.metadata_ = std::move(metadata);
    out.tensors_ = std::move(tensors);
    out.owners_ = std::move(owners);
    for (size_t i = 0; i < out.metadata_.size(); ++i)
        if (!out.metadata_index_.emplace(out.metadata_[i].key, i).second)
            fail_file(out.label_, "duplicate metadata key '{}'", out.metadata_[i].key);
    for (size_t i = 0; i < out.tensors_.size(); ++i)
        if (!out.tensor_index_.emplace(out.tensors_[i].name, i).second)
            fail_file(out.label_, "duplicate tensor '{}'", out.tensors_[i].name);
    return out;
}

const GgufValue* GgufFile::find(const std::string& key) const {
    const auto it = metadata_index_.find(key);
    return it == metadata_index_.end() ? nullptr : &metadata_[it->second].value;
}

const GgufTensorInfo* GgufFile::find_tensor(const std::string& name) const {
    const auto it = tensor_index_.find(name);
    return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

namespace {

std::string describe_type(const GgufValue& v) {
    if (!v.is_array()) return gguf_type_name(v.type());
    return std::string("array of ") + gguf_type_name(v.as_array().elem_type);
}

bool is_integer_type(GgufType t) { return GgufValue(t, uint64_t(0)).is_integer(); }
bool is_float_type(GgufType t) { return t == GgufType::FLOAT32 || t == GgufType::FLOAT64; }

[[noreturn]] void fail_type(const std::string& path, const std::string& key, const GgufValue& v, const char* expected) {
    fail_file(path, "metadata key '{}' is {}, expected {}", key, describe_type(v), expected);
}

// The array under `key` whose element type satisfies `accept`, or nullptr when the key is absent.
template <class Accept>
const GgufArray* find_array(const GgufFile& f, const std::string& key, Accept accept, const char* expected) {
    const GgufValue* v = f.find(key);
    if (!v) return nullptr;
    if (!v->is_array()) fail_type(f.path(), key, *v, expected);
    const GgufArray& a = v->as_array();
    if (!accept(a.elem_type)) fail_type(f.path(), key, *v, expected);
    return &a;
}

}  // namespace

std::string GgufFile::get_string(const std::string& key) const {
    const GgufValue* v = find(key);
    if (!v) fail_file(path(), "metadata key '{}' not found", key);
    if (!v->is_string()) fail_type(path(), key, *v, "string");
    return v->as_string();
}

std::string GgufFile::get_string_or(const std::string& key, const std::string& fallback) const {
    return find(key) ? get_string(key) : fallback;
}

int64_t GgufFile::get_int(const std::string& key) const {
    const GgufValue* v = find(key);
    if (!v) fail_file(path(), "metadata key '{}' not found", key);
    if (!v->is_integer()) fail_type(path(), key, *v, "an integer");
    return v->as_int();
}

int64_t GgufFile::get_int_or(const std::string& key, int64_t fallback) const {
    return find(key) ? get_int(key) : fallback;
}

double GgufFile::get_float_or(const std::string& key, double fallback) const {
    const GgufValue* v = find(key);
    if (!v) return fallback;
    if (!v->is_float() && !v->is_integer()) fail_type(path(), key, *v, "a number");
    return v->as_double();
}

bool GgufFile::get_bool_or(const std::string& key, bool fallback) const {
    const GgufValue* v = find(key);
    if (!v) return fallback;
    if (!v->is_bool()) fail_type(path(), key, *v, "bool");
    return v->as_bool();
}

std::optional<std::vector<std::string>> GgufFile::get_string_array(const std::string& key) const {
    const GgufArray* a = find_array(*this, key, [](GgufType t) { return t == GgufType::STRING; }, "array of strings");
    if (!a) return std::nullopt;
    std::vector<std::string> out;
    out.reserve(a->items.size());
    for (const GgufValue& e : a->items) out.push_back(e.as_string());
    return out;
}

std::optional<std::vector<float>> GgufFile::get_float_array(const std::string& key) const {
    const GgufArray* a = find_array(
        *this, key, [](GgufType t) { return is_float_type(t) || is_integer_type(t); }, "array of numbers");
    if (!a) return std::nullopt;
    std::vector<float> out;
    out.reserve(a->items.size());
    for (const GgufValue& e : a->items) out.push_back(float(e.as_double()));
    return out;
}

std::optional<std::vector<int64_t>> GgufFile::get_int_array(const std::string& key) const {
    const GgufArray* a =
        find_array(*this, key, [](GgufType t) { return is_integer_type(t); }, "array of integers");
    if (!a) return std::nullopt;
    std::vector<int64_t> out;
    out.reserve(a->items.size());
    for (const GgufValue& e : a->items) out.push_back(e.as_int());
    return out;
}

}  // namespace qs
