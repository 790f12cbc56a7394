#include "gguf/gguf_parser.h"

#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "core/error.h"
#include "gguf/gguf_format.h"

namespace qs {
namespace {

namespace fmtx = gguf_format;
using fmtx::shape_string;

// A bounds-checked reader over the mapped bytes. Every read names what it reads through a
// callable that builds the description only on failure, so the hot path (50k vocabulary
// strings) formats nothing.
class ByteCursor {
public:
    ByteCursor(const std::string& path, const uint8_t* data, size_t size) : path_(path), data_(data), size_(size) {}

    size_t pos() const { return pos_; }
    size_t remaining() const { return size_ - pos_; }
    const std::string& path() const { return path_; }

    template <class What>
    const uint8_t* take(size_t n, const What& what) {
        if (n > remaining())
            fail_file(path_, "truncated while reading {} (needs {} bytes at offset {}, only {} remain)", what(), n,
                      pos_, remaining());
        const uint8_t* p = data_ + pos_;
        pos_ += n;
        return p;
    }

    template <class T, class What>
    T read(const What& what) {
        T v;
        std::memcpy(&v, take(sizeof(T), what), sizeof(T));
        return v;
    }

    template <class What>
    std::string read_string(const What& what) {
        const uint64_t len = read<uint64_t>(what);
        if (len > remaining())
            fail_file(path_, "truncated while reading {}: string length {} exceeds the {} bytes left in the file",
                      what(), len, remaining());
        const uint8_t* p = take(size_t(len), what);
        return std::string(reinterpret_cast<const char*>(p), size_t(len));
    }

private:
    const std::string& path_;
    const uint8_t* data_;
    size_t size_;
    size_t pos_ = 0;
};

// Everything GgufFile holds besides the mapping, as the parser produces it.
struct ParsedHeader {
    uint32_t version = 0;
    uint64_t alignment = GGUF_DEFAULT_ALIGNMENT;
    uint64_t data_offset = 0;
    std::vector<GgufMetadataEntry> metadata;
    std::unordered_map<std::string, size_t> metadata_index;
    std::vector<GgufTensorInfo> tensors;
    std::unordered_map<std::string, size_t> tensor_index;
};

class Parser {
public:
    explicit Parser(const MappedFile& file) : cur_(file.path(), file.data(), file.size()), path_(file.path()), file_(file) {}

    ParsedHeader run() {
        ParsedHeader h;
        if (file_.size() == 0) fail_file(path_, "empty file (not a GGUF file)");
        read_magic_and_version(h.version);

        const uint64_t n_tensors = cur_.read<uint64_t>([] { return std::string("the tensor count"); });
        const uint64_t n_kv = cur_.read<uint64_t>([] { return std::string("the metadata entry count"); });
        // Each entry takes at least a few bytes, so a count beyond remaining/min is a lie; refusing it
        // here keeps a hostile count from driving a huge reserve().
        constexpr uint64_t kMinKvBytes = 8 + 4 + 1;
        constexpr uint64_t kMinTensorBytes = 8 + 4 + 8 + 4 + 8;
        if (n_kv > cur_.remaining() / kMinKvBytes)
            fail_file(path_, "metadata entry count {} cannot fit in the {} bytes left (file truncated or corrupt)", n_kv,
                      cur_.remaining());
        if (n_tensors > cur_.remaining() / kMinTensorBytes)
            fail_file(path_, "tensor count {} cannot fit in the {} bytes left (file truncated or corrupt)", n_tensors,
                      cur_.remaining());

        read_metadata(n_kv, h.metadata, h.metadata_index);
        h.alignment = read_alignment(h.metadata, h.metadata_index);
        read_tensor_infos(n_tensors, h.alignment, h.tensors, h.tensor_index);

        h.data_offset = fmtx::align_up(cur_.pos(), h.alignment);
        place_tensor_data(h.data_offset, h.tensors);
        return h;
    }

private:
    void read_magic_and_version(uint32_t& version) {
        const uint8_t* magic = cur_.take(4, [] { return std::string("the magic"); });
        const bool swapped_magic = magic[0] == 'F' && magic[1] == 'U' && magic[2] == 'G' && magic[3] == 'G';
        if (swapped_magic) fail_file(path_, "big-endian GGUF not supported");
        if (std::memcmp(magic, fmtx::kMagic, 4) != 0) {
            std::string shown;
            for (int i = 0; i < 4; ++i) shown += (magic[i] >= 0x20 && magic[i] < 0x7f) ? char(magic[i]) : '?';
            fail_file(path_, "not a GGUF file (magic is '{}', expected 'GGUF')", shown);
        }
        version = cur_.read<uint32_t>([] { return std::string("the version"); });
        // A big-endian writer stores the version byte-swapped: 3 reads as 0x03000000.
        if ((version & 0xFFFFu) == 0 && version != 0) fail_file(path_, "big-endian GGUF not supported");
        if (version == 1)
            fail_file(path_, "GGUF version 1 is not supported (only versions 2 and 3; re-convert the model)");
        if (version < 2 || version > 3) fail_file(path_, "unsupported GGUF version {} (supported: 2 and 3)", version);
    }

    void read_metadata(uint64_t n_kv, std::vector<GgufMetadataEntry>& metadata,
                       std::unordered_map<std::string, size_t>& index) {
        metadata.reserve(size_t(n_kv));
        for (uint64_t i = 0; i < n_kv; ++i) {
            std::string key = cur_.read_string([&] { return fmt::format("the key of metadata entry {}", i); });
            const uint32_t raw_type =
                cur_.read<uint32_t>([&] { return fmt::format("the value type of metadata key '{}'", key); });
            if (!fmtx::is_known_value_type(raw_type))
                fail_file(path_, "metadata key '{}' has unknown value type {}", key, raw_type);
            GgufValue value = read_value(GgufType(raw_type), key, 0);
            auto [it, inserted] = index.emplace(key, metadata.size());
            if (!inserted) fail_file(path_, "duplicate metadata key '{}' (entries {} and {})", key, it->second, i);
            metadata.push_back({std::move(key), std::move(value)});
        }
    }

    GgufValue read_value(GgufType type, const std::string& key, int depth) {
        const auto what = [&] { return fmt::format("the value of metadata key '{}'", key); };
        switch (type) {
            case GgufType::UINT8: return {type, uint64_t(cur_.read<uint8_t>(what))};
            case GgufType::INT8: return {type, int64_t(cur_.read<int8_t>(what))};
            case GgufType::UINT16: return {type, uint64_t(cur_.read<uint16_t>(what))};
            case GgufType::INT16: return {type, int64_t(cur_.read<int16_t>(what))};
            case GgufType::UINT32: return {type, uint64_t(cur_.read<uint32_t>(what))};
            case GgufType::INT32: return {type, int64_t(cur_.read<int32_t>(what))};
            case GgufType::UINT64: return {type, cur_.read<uint64_t>(what)};
            case GgufType::INT64: return {type, cur_.read<int64_t>(what)};
            case GgufType::FLOAT32: return {type, double(cur_.read<float>(what))};
            case GgufType::FLOAT64: return {type, cur_.read<double>(what)};
            case GgufType::BOOL: return {type, cur_.read<uint8_t>(what) != 0};
            case GgufType::STRING: return {type, cur_.read_string(what)};
            case GgufType::ARRAY: return read_array(key, depth);
        }
        fail_file(path_, "metadata key '{}' has unknown value type {}", key, uint32_t(type));
    }

    GgufValue read_array(const std::string& key, int depth) {
        if (depth >= fmtx::kMaxArrayDepth)
            fail_file(path_, "metadata key '{}': arrays nested deeper than {} levels", key, fmtx::kMaxArrayDepth);
        const uint32_t raw_elem =
            cur_.read<uint32_t>([&] { return fmt::format("the array element type of metadata key '{}'", key); });
        if (!fmtx::is_known_value_type(raw_elem))
            fail_file(path_, "metadata key '{}' is an array of unknown value type {}", key, raw_elem);
        const GgufType elem = GgufType(raw_elem);
        const uint64_t count =
            cur_.read<uint64_t>([&] { return fmt::format("the array length of metadata key '{}'", key); });
        const uint64_t min_bytes = fmtx::min_encoded_size(elem);
        if (count > cur_.remaining() / min_bytes)
            fail_file(path_,
                      "truncated while reading metadata key '{}': array of {} {} elements needs at least {} bytes each, "
                      "only {} bytes remain",
                      key, count, gguf_type_name(elem), min_bytes, cur_.remaining());
        GgufArray arr;
        arr.elem_type = elem;
        arr.items.reserve(size_t(count));
        for (uint64_t j = 0; j < count; ++j) arr.items.push_back(read_value(elem, key, depth + 1));
        return {GgufType::ARRAY, std::move(arr)};
    }

    uint64_t read_alignment(const std::vector<GgufMetadataEntry>& metadata,
                            const std::unordered_map<std::string, size_t>& index) {
        const auto it = index.find(fmtx::kAlignmentKey);
        if (it == index.end()) return GGUF_DEFAULT_ALIGNMENT;
        const GgufValue& v = metadata[it->second].value;
        if (v.type() != GgufType::UINT32)
            fail_file(path_, "metadata key '{}' is {}, expected uint32", fmtx::kAlignmentKey, gguf_type_name(v.type()));
        const uint64_t a = uint64_t(v.as_int());
        if (!fmtx::is_power_of_two(a))
            fail_file(path_, "metadata key '{}' is {}, must be a non-zero power of two", fmtx::kAlignmentKey, a);
        return a;
    }

    void read_tensor_infos(uint64_t n_tensors, uint64_t alignment, std::vector<GgufTensorInfo>& tensors,
                           std::unordered_map<std::string, size_t>& index) {
        tensors.reserve(size_t(n_tensors));
        for (uint64_t i = 0; i < n_tensors; ++i) {
            GgufTensorInfo t;
            t.name = cur_.read_string([&] { return fmt::format("the name of tensor {}", i); });
            const std::string& name = t.name;
            const uint32_t n_dims =
                cur_.read<uint32_t>([&] { return fmt::format("the dimension count of tensor '{}'", name); });
            if (n_dims < 1 || n_dims > uint32_t(GGUF_MAX_DIMS))
                fail_file(path_, "tensor '{}' has {} dimensions (must be 1 to {})", name, n_dims, GGUF_MAX_DIMS);
            t.ne.resize(n_dims);
            int64_t n_elements = 1;
            for (uint32_t d = 0; d < n_dims; ++d) {
                t.ne[d] = cur_.read<int64_t>([&] { return fmt::format("dimension {} of tensor '{}'", d, name); });
                if (t.ne[d] < 1) fail_file(path_, "tensor '{}' dimension {} is {} (must be >= 1)", name, d, t.ne[d]);
                if (__builtin_mul_overflow(n_elements, t.ne[d], &n_elements))
                    fail_file(path_, "tensor '{}': element count of shape {} overflows", name,
                              shape_string({t.ne.begin(), t.ne.begin() + d + 1}));
            }
            const uint32_t raw_type = cur_.read<uint32_t>([&] { return fmt::format("the type of tensor '{}'", name); });
            const TypeTraits* traits = type_traits_or_null(raw_type);
            // QuantScope's own types (1000+) are in-memory only; a file claiming one is not ggml's.
            if (!traits || !type_is_ggml(raw_type)) fail_file(path_, "tensor '{}' has unknown type {}", name, raw_type);
            t.type = GgmlType(raw_type);
            if (t.ne[0] % traits->block_size != 0)
                fail_file(path_, "tensor '{}' ({}): row length ne[0] = {} is not a multiple of the block size {}", name,
                          traits->name, t.ne[0], traits->block_size);
            // nbytes = (elements / block_size) * type_size; elements is a multiple of block_size here.
            uint64_t nbytes = 0;
            if (__builtin_mul_overflow(uint64_t(n_elements / traits->block_size), uint64_t(traits->type_size), &nbytes) ||
                nbytes > std::numeric_limits<size_t>::max())
                fail_file(path_, "tensor '{}': byte size of shape {} overflows", name, shape_string(t.ne));
            t.nbytes = size_t(nbytes);
            t.offset = cur_.read<uint64_t>([&] { return fmt::format("the data offset of tensor '{}'", name); });
            if (t.offset % alignment != 0)
                fail_file(path_, "tensor '{}': data offset {} is not a multiple of the alignment {}", name, t.offset,
                          alignment);
            auto [it, inserted] = index.emplace(t.name, tensors.size());
            if (!inserted) fail_file(path_, "duplicate tensor name '{}' (tensors {} and {})", name, it->second, i);
            tensors.push_back(std::move(t));
        }
    }

    void place_tensor_data(uint64_t data_offset, std::vector<GgufTensorInfo>& tensors) {
        const uint64_t size = file_.size();
        for (GgufTensorInfo& t : tensors) {
            uint64_t begin = 0, end = 0;
            if (__builtin_add_overflow(data_offset, t.offset, &begin) || __builtin_add_overflow(begin, t.nbytes, &end) ||
                end > size)
                fail_file(path_, "tensor '{}': data [{}, {}) extends past end of file ({} bytes)", t.name,
                          data_offset + t.offset, data_offset + t.offset + t.nbytes, size);
            t.data = file_.data() + begin;
        }
    }

    ByteCursor cur_;
    const std::string& path_;
    const MappedFile& file_;
};

}  // namespace

void GgufParser::parse(std::shared_ptr<MappedFile> file, GgufFile& out) {
    ParsedHeader h = Parser(*file).run();
    out.file_ = std::move(file);
    out.version_ = h.version;
    out.alignment_ = h.alignment;
    out.data_offset_ = h.data_offset;
    out.metadata_ = std::move(h.metadata);
    out.metadata_index_ = std::move(h.metadata_index);
    out.tensors_ = std::move(h.tensors);
    out.tensor_index_ = std::move(h.tensor_index);
}

}  // namespace qs
