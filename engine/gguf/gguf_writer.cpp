#include "gguf/gguf_writer.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/atomic_file.h"
#include "core/error.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_format.h"

namespace qs {
namespace {

namespace fmtx = gguf_format;

// The file's bytes, written whole or not at all (core/atomic_file.h), with GGUF's encodings.
class TmpFileOut {
public:
    explicit TmpFileOut(const std::string& path) : file_(path) {}

    void bytes(const void* p, size_t n) { file_.write(p, n); }
    template <class T>
    void pod(T v) { bytes(&v, sizeof v); }
    void str(const std::string& s) {
        pod(uint64_t(s.size()));
        bytes(s.data(), s.size());
    }
    void pad_to(uint64_t alignment) {
        static const uint8_t zeros[256] = {};
        uint64_t n = fmtx::align_up(written(), alignment) - written();
        while (n) {
            const size_t k = size_t(std::min<uint64_t>(n, sizeof zeros));
            bytes(zeros, k);
            n -= k;
        }
    }
    uint64_t written() const { return file_.written(); }
    void commit() { file_.commit(); }

private:
    AtomicFile file_;
};

// Integer storage as the raw two's-complement bits, whichever of uint64_t/int64_t holds it.
bool integer_bits(const GgufValue& v, uint64_t& bits, bool& negative) {
    if (const auto* u = std::get_if<uint64_t>(&v.storage())) {
        bits = *u;
        negative = false;
        return true;
    }
    if (const auto* i = std::get_if<int64_t>(&v.storage())) {
        bits = uint64_t(*i);
        negative = *i < 0;
        return true;
    }
    return false;
}

class ValueEncoder {
public:
    ValueEncoder(TmpFileOut& out, const std::string& path, const std::string& key) : out_(out), path_(path), key_(key) {}

    void value(const GgufValue& v, int depth) {
        const GgufType t = v.type();
        switch (t) {
            case GgufType::UINT8: return out_.pod(uint8_t(checked_int(v, 0, UINT8_MAX)));
            case GgufType::INT8: return out_.pod(int8_t(checked_int(v, INT8_MIN, INT8_MAX)));
            case GgufType::UINT16: return out_.pod(uint16_t(checked_int(v, 0, UINT16_MAX)));
            case GgufType::INT16: return out_.pod(int16_t(checked_int(v, INT16_MIN, INT16_MAX)));
            case GgufType::UINT32: return out_.pod(uint32_t(checked_int(v, 0, UINT32_MAX)));
            case GgufType::INT32: return out_.pod(int32_t(checked_int(v, INT32_MIN, INT32_MAX)));
            case GgufType::UINT64: return out_.pod(unsigned_bits(v));
            case GgufType::INT64: return out_.pod(signed_bits(v));
            case GgufType::FLOAT32: return out_.pod(float(number(v)));
            case GgufType::FLOAT64: return out_.pod(number(v));
            case GgufType::BOOL:
                if (!std::holds_alternative<bool>(v.storage())) mismatch(v);
                return out_.pod(uint8_t(v.as_bool() ? 1 : 0));
            case GgufType::STRING:
                if (!std::holds_alternative<std::string>(v.storage())) mismatch(v);
                return out_.str(v.as_string());
            case GgufType::ARRAY: return array(v, depth);
        }
        fail_file(path_, "metadata key '{}' has unknown value type {}", key_, uint32_t(t));
    }

private:
    void array(const GgufValue& v, int depth) {
        if (!std::holds_alternative<GgufArray>(v.storage())) mismatch(v);
        if (depth >= fmtx::kMaxArrayDepth)
            fail_file(path_, "metadata key '{}': arrays nested deeper than {} levels", key_, fmtx::kMaxArrayDepth);
        const GgufArray& a = v.as_array();
        if (!fmtx::is_known_value_type(uint32_t(a.elem_type)))
            fail_file(path_, "metadata key '{}' is an array of unknown value type {}", key_, uint32_t(a.elem_type));
        out_.pod(uint32_t(a.elem_type));
        out_.pod(uint64_t(a.items.size()));
        for (size_t i = 0; i < a.items.size(); ++i) {
            if (a.items[i].type() != a.elem_type)
                fail_file(path_, "metadata key '{}': array element {} is {}, but the array holds {}", key_, i,
                          gguf_type_name(a.items[i].type()), gguf_type_name(a.elem_type));
            value(a.items[i], depth + 1);
        }
    }

    int64_t checked_int(const GgufValue& v, int64_t lo, int64_t hi) {
        uint64_t bits;
        bool negative;
        if (!integer_bits(v, bits, negative)) mismatch(v);
        const bool fits = negative ? int64_t(bits) >= lo : bits <= uint64_t(hi);
        if (!fits)
            fail_file(path_, "metadata key '{}': value {} does not fit in {}", key_,
                      negative ? std::to_string(int64_t(bits)) : std::to_string(bits), gguf_type_name(v.type()));
        return int64_t(bits);
    }
    uint64_t unsigned_bits(const GgufValue& v) {
        uint64_t bits;
        bool negative;
        if (!integer_bits(v, bits, negative)) mismatch(v);
        if (negative) fail_file(path_, "metadata key '{}': negative value {} in a uint64", key_, int64_t(bits));
        return bits;
    }
    int64_t signed_bits(const GgufValue& v) {
        uint64_t bits;
        bool negative;
        if (!integer_bits(v, bits, negative)) mismatch(v);
        if (!negative && bits > uint64_t(std::numeric_limits<int64_t>::max()))
            fail_file(path_, "metadata key '{}': value {} does not fit in int64", key_, bits);
        return int64_t(bits);
    }
    double number(const GgufValue& v) {
        if (const auto* d = std::get_if<double>(&v.storage())) return *d;
        mismatch(v);
    }
    [[noreturn]] void mismatch(const GgufValue& v) {
        fail_file(path_, "metadata key '{}': declared {} but holds a value of another kind", key_,
                  gguf_type_name(v.type()));
    }

    TmpFileOut& out_;
    const std::string& path_;
    const std::string& key_;
};

uint64_t writer_alignment(const std::string& path, const std::vector<std::pair<std::string, GgufValue>>& kv) {
    for (const auto& [key, value] : kv) {
        if (key != fmtx::kAlignmentKey) continue;
        if (value.type() != GgufType::UINT32)
            fail_file(path, "metadata key '{}' is {}, expected uint32", key, gguf_type_name(value.type()));
        const uint64_t a = uint64_t(value.as_int());
        if (!fmtx::is_power_of_two(a)) fail_file(path, "metadata key '{}' is {}, must be a non-zero power of two", key, a);
        return a;
    }
    return GGUF_DEFAULT_ALIGNMENT;
}

}  // namespace

void GgufWriter::set(const std::string& key, GgufValue value) {
    for (auto& [k, v] : kv_) {
        if (k == key) {
            v = std::move(value);
            return;
        }
    }
    kv_.emplace_back(key, std::move(value));
}

void GgufWriter::remove(const std::string& key) {
    std::erase_if(kv_, [&](const auto& kv) { return kv.first == key; });
}

void GgufWriter::add_tensor(const std::string& name, GgmlType type, std::vector<int64_t> ne, const void* data,
                            size_t nbytes) {
    add_tensor_streamed(name, type, std::move(ne), nbytes, [data, nbytes](const TensorSink& sink) { sink(data, nbytes); });
}

void GgufWriter::add_tensor_streamed(const std::string& name, GgmlType type, std::vector<int64_t> ne, size_t nbytes,
                                     TensorStream stream) {
    const auto fail = [&](const std::string& why) { throw Error("GGUF writer: tensor '" + name + "': " + why); };
    // ggml keeps names in a char[GGML_MAX_NAME = 64] and llama.cpp refuses files with longer ones.
    constexpr size_t kMaxNameLength = 63;
    if (name.empty() || name.size() > kMaxNameLength)
        fail(fmt::format("name must be 1 to {} bytes long (ggml's limit), got {}", kMaxNameLength, name.size()));
    if (std::any_of(tensors_.begin(), tensors_.end(), [&](const Tensor& t) { return t.name == name; }))
        fail("duplicate tensor name");
    const TypeTraits* traits = type_traits_or_null(uint32_t(type));
    if (!traits) fail(fmt::format("unknown type {}", uint32_t(type)));
    // QuantScope's own types (1000+) would make a file llama.cpp cannot read.
    if (!type_is_ggml(uint32_t(type)))
        fail(fmt::format("type {} is QuantScope's own and cannot be written to GGUF", traits->name));
    if (ne.empty() || ne.size() > size_t(GGUF_MAX_DIMS)) fail(fmt::format("{} dimensions (must be 1 to 4)", ne.size()));
    int64_t n = 1;
    for (int64_t d : ne) {
        if (d < 1) fail(fmt::format("dimension {} (must be >= 1)", d));
        if (__builtin_mul_overflow(n, d, &n)) fail("element count overflows");
    }
    if (ne[0] % traits->block_size != 0)
        fail(fmt::format("row length {} is not a multiple of the {} block size {}", ne[0], traits->name,
                         traits->block_size));
    const size_t expected = row_size(type, ne[0]) * size_t(n / ne[0]);
    if (nbytes != expected) fail(fmt::format("{} bytes given, {} {} needs {}", nbytes, fmtx::shape_string(ne), traits->name, expected));
    tensors_.push_back({name, type, std::move(ne), std::move(stream), nbytes});
}

void GgufWriter::write(const std::string& path) const {
    const uint64_t alignment = writer_alignment(path, kv_);
    TmpFileOut out(path);
    out.bytes(fmtx::kMagic, 4);
    out.pod(uint32_t(fmtx::kWriteVersion));
    out.pod(int64_t(tensors_.size()));
    out.pod(int64_t(kv_.size()));
    for (const auto& [key, value] : kv_) {
        if (key.empty()) fail_file(path, "empty metadata key (llama.cpp refuses files with one)");
        out.str(key);
        out.pod(uint32_t(value.type()));
        ValueEncoder(out, path, key).value(value, 0);
    }
    // Offsets as llama.cpp assigns them: each tensor starts where the previous one's padded data ends.
    uint64_t offset = 0;
    for (const Tensor& t : tensors_) {
        out.str(t.name);
        out.pod(uint32_t(t.ne.size()));
        for (int64_t d : t.ne) out.pod(d);
        out.pod(uint32_t(t.type));
        out.pod(offset);
        offset += fmtx::align_up(t.nbytes, alignment);
    }
    out.pad_to(alignment);
    for (const Tensor& t : tensors_) {
        size_t given = 0;
        t.stream([&](const void* data, size_t n) {
            if (n > t.nbytes - given)
                fail_file(path, "tensor '{}': more than its {} bytes were given to the writer", t.name, t.nbytes);
            out.bytes(data, n);
            given += n;
        });
        if (given != t.nbytes)
            fail_file(path, "tensor '{}': {} of its {} bytes were given to the writer", t.name, given, t.nbytes);
        out.pad_to(alignment);
    }
    out.commit();
}

}  // namespace qs
