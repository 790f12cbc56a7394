// Hostile and malformed GGUF files. The bytes are built here by hand (not by GgufWriter), so the
// reader is checked against an independent encoder of the format. Every case must throw qs::Error
// naming the file and the offending field; none may crash or allocate absurdly.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>

#include "common/test_paths.h"
#include "core/error.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"

namespace qs {
namespace {

constexpr uint32_t kTypeU32 = 4, kTypeF32 = 6, kTypeString = 8, kTypeArray = 9;
constexpr uint32_t kGgmlF32 = 0, kGgmlQ8_0 = 8;
constexpr uint64_t kHuge = uint64_t(1) << 62;

// Little-endian byte builder.
struct Bytes {
    std::vector<uint8_t> b;
    Bytes& raw(const void* p, size_t n) {
        const auto* c = static_cast<const uint8_t*>(p);
        b.insert(b.end(), c, c + n);
        return *this;
    }
    Bytes& u32(uint32_t v) { return raw(&v, 4); }
    Bytes& u64(uint64_t v) { return raw(&v, 8); }
    Bytes& i64(int64_t v) { return raw(&v, 8); }
    Bytes& f32(float v) { return raw(&v, 4); }
    Bytes& str(const std::string& s) { return u64(s.size()).raw(s.data(), s.size()); }
    Bytes& append(const Bytes& o) { return raw(o.b.data(), o.b.size()); }
};

Bytes kv_u32(const std::string& key, uint32_t v) { return std::move(Bytes().str(key).u32(kTypeU32).u32(v)); }
Bytes kv_str(const std::string& key, const std::string& v) { return std::move(Bytes().str(key).u32(kTypeString).str(v)); }

struct TensorDesc {
    std::string name;
    std::vector<int64_t> ne;
    uint32_t type;
    uint64_t offset;
};

struct FileSpec {
    std::string magic = "GGUF";
    uint32_t version = 3;
    std::optional<uint64_t> n_tensors_override, n_kv_override;
    std::vector<Bytes> kvs;
    std::vector<TensorDesc> tensors;
    uint64_t alignment = 32;
    size_t data_bytes = 0;  // tensor data section, before the final padding
};

uint64_t pad_to(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

std::vector<uint8_t> build(const FileSpec& s) {
    Bytes out;
    out.raw(s.magic.data(), 4).u32(s.version);
    out.u64(s.n_tensors_override.value_or(s.tensors.size()));
    out.u64(s.n_kv_override.value_or(s.kvs.size()));
    for (const Bytes& kv : s.kvs) out.append(kv);
    for (const TensorDesc& t : s.tensors) {
        out.str(t.name).u32(uint32_t(t.ne.size()));
        for (int64_t d : t.ne) out.i64(d);
        out.u32(t.type).u64(t.offset);
    }
    out.b.resize(pad_to(out.b.size(), s.alignment), 0);
    for (size_t i = 0; i < s.data_bytes; ++i) out.b.push_back(uint8_t(i * 7 + 1));
    out.b.resize(pad_to(out.b.size(), s.alignment), 0);
    return out.b;
}

// A small valid file: metadata of several kinds and two tensors (f32 [4,2] at 0, q8_0 [32] at 32).
FileSpec valid_spec() {
    FileSpec s;
    s.kvs.push_back(kv_str("general.architecture", "llama"));
    s.kvs.push_back(kv_u32("llama.block_count", 7));
    s.kvs.push_back(std::move(Bytes().str("tok").u32(kTypeArray).u32(kTypeString).u64(2).str("a").str("bc")));
    s.kvs.push_back(std::move(Bytes().str("scores").u32(kTypeArray).u32(kTypeF32).u64(2).f32(0.5f).f32(-1.0f)));
    s.tensors = {{"w", {4, 2}, kGgmlF32, 0}, {"q", {32}, kGgmlQ8_0, 32}};
    s.data_bytes = 32 + 34;
    return s;
}

std::string write_file(const std::string& name, const std::vector<uint8_t>& bytes) {
    const std::string path = qs::test::temp_dir() + "/" + name;
    // Unlink first: truncating an existing file in place is far slower on some filesystems
    // (ext4 with discard), and the fuzz loop rewrites the same name thousands of times.
    std::filesystem::remove(path);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    return path;
}

// Opens `bytes` as a file and expects qs::Error whose message has the path and every fragment.
void expect_refused(const std::string& name, const std::vector<uint8_t>& bytes, const std::vector<std::string>& fragments) {
    const std::string path = write_file(name, bytes);
    try {
        (void)GgufFile::open(path);
        ADD_FAILURE() << name << ": expected qs::Error";
    } catch (const Error& e) {
        const std::string msg = e.what();
        EXPECT_EQ(msg.rfind(path, 0), 0u) << "message must start with the path: " << msg;
        for (const std::string& f : fragments) EXPECT_NE(msg.find(f), std::string::npos) << name << ": " << msg;
    }
}

void expect_spec_refused(const std::string& name, const FileSpec& spec, const std::vector<std::string>& fragments) {
    expect_refused(name, build(spec), fragments);
}

TEST(GgufHostile, ValidSmallFileParses) {
    const std::string path = write_file("valid.gguf", build(valid_spec()));
    const GgufFile f = GgufFile::open(path);
    EXPECT_EQ(f.version(), 3u);
    EXPECT_EQ(f.get_string("general.architecture"), "llama");
    EXPECT_EQ(f.get_int("llama.block_count"), 7);
    EXPECT_EQ(*f.get_string_array("tok"), (std::vector<std::string>{"a", "bc"}));
    EXPECT_EQ(*f.get_float_array("scores"), (std::vector<float>{0.5f, -1.0f}));
    ASSERT_EQ(f.tensors().size(), 2u);
    EXPECT_EQ(f.tensors()[1].type, GgmlType::Q8_0);
    EXPECT_EQ(f.tensors()[1].nbytes, 34u);
    EXPECT_EQ(f.tensors()[0].data[0], 1);       // first data byte of the builder's pattern
    EXPECT_EQ(f.tensors()[1].data[0], uint8_t(32 * 7 + 1));
    FileSpec v2 = valid_spec();
    v2.version = 2;
    EXPECT_EQ(GgufFile::open(write_file("v2.gguf", build(v2))).version(), 2u);
}

// GgufWriter must produce exactly the bytes the hand-made builder lays out.
TEST(GgufHostile, WriterMatchesHandBuiltBytes) {
    const std::vector<uint8_t> expected = build(valid_spec());
    std::vector<uint8_t> data(66);
    for (size_t i = 0; i < data.size(); ++i) data[i] = uint8_t(i * 7 + 1);
    GgufWriter w;
    w.set("general.architecture", GgufValue::str("llama"));
    w.set("llama.block_count", GgufValue::u32(7));
    w.set("tok", GgufValue::array(GgufType::STRING, {GgufValue::str("a"), GgufValue::str("bc")}));
    w.set("scores", GgufValue::array(GgufType::FLOAT32, {GgufValue::f32(0.5f), GgufValue::f32(-1.0f)}));
    w.add_tensor("w", GgmlType::F32, {4, 2}, data.data(), 32);
    w.add_tensor("q", GgmlType::Q8_0, {32}, data.data() + 32, 34);
    const std::string path = qs::test::temp_dir() + "/writer_vs_builder.gguf";
    w.write(path);
    std::ifstream in(path, std::ios::binary);
    const std::vector<uint8_t> got{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    EXPECT_EQ(got, expected);
}

TEST(GgufHostile, EveryTruncationIsRefused) {
    const std::vector<uint8_t> full = build(valid_spec());
    const GgufFile f = GgufFile::open(write_file("full.gguf", full));
    const size_t data_end = f.data_offset() + f.tensors().back().offset + f.tensors().back().nbytes;
    for (size_t len = 0; len < full.size(); ++len) {
        const std::string path = write_file("trunc.gguf", {full.begin(), full.begin() + std::ptrdiff_t(len)});
        try {
            (void)GgufFile::open(path);
            EXPECT_GE(len, data_end) << "prefix of " << len << " bytes parsed";
        } catch (const Error& e) {
            const std::string msg = e.what();
            EXPECT_EQ(msg.rfind(path, 0), 0u) << msg;
            const bool explained = msg.find("truncated") != std::string::npos || msg.find("empty") != std::string::npos ||
                                   msg.find("past end of file") != std::string::npos;
            EXPECT_TRUE(explained) << len << ": " << msg;
        }
    }
}

TEST(GgufHostile, TruncationMessageNamesTheField) {
    // Cut in the middle of the third metadata entry's key ("tok").
    Bytes prefix;
    prefix.raw("GGUF", 4).u32(3).u64(0).u64(3);
    prefix.append(kv_str("general.architecture", "llama")).append(kv_u32("a", 1)).u64(3).raw("to", 2);
    expect_refused("trunc_key.gguf", prefix.b, {"truncated while reading the key of metadata entry 2"});
}

TEST(GgufHostile, HeaderProblems) {
    expect_refused("empty.gguf", {}, {"empty"});
    FileSpec s = valid_spec();
    s.magic = "GGML";
    expect_spec_refused("magic.gguf", s, {"magic", "GGML"});
    s = valid_spec();
    s.version = 1;
    expect_spec_refused("v1.gguf", s, {"version 1"});
    s.version = 4;
    expect_spec_refused("v4.gguf", s, {"version 4"});
    s.version = 0x03000000;  // version 3 written big-endian
    expect_spec_refused("be.gguf", s, {"big-endian GGUF not supported"});
    s = valid_spec();
    s.magic = "FUGG";
    expect_spec_refused("be_magic.gguf", s, {"big-endian GGUF not supported"});
    s = valid_spec();
    s.n_kv_override = kHuge;
    expect_spec_refused("huge_kv.gguf", s, {"metadata entry count"});
    s = valid_spec();
    s.n_tensors_override = kHuge;
    expect_spec_refused("huge_tensors.gguf", s, {"tensor count"});
}

TEST(GgufHostile, MetadataProblems) {
    FileSpec s = valid_spec();
    s.kvs.insert(s.kvs.begin(), std::move(Bytes().u64(kHuge)));  // key length 2^62
    s.n_kv_override = 5;
    expect_spec_refused("huge_key.gguf", s, {"key of metadata entry 0"});

    s = valid_spec();
    s.kvs[1] = std::move(Bytes().str("big.str").u32(kTypeString).u64(kHuge));
    expect_spec_refused("huge_str.gguf", s, {"big.str"});

    s = valid_spec();
    s.kvs[1] = std::move(Bytes().str("big.arr").u32(kTypeArray).u32(kTypeU32).u64(kHuge));
    expect_spec_refused("huge_arr.gguf", s, {"big.arr"});

    s = valid_spec();
    s.kvs[1] = std::move(Bytes().str("big.strarr").u32(kTypeArray).u32(kTypeString).u64(kHuge));
    expect_spec_refused("huge_strarr.gguf", s, {"big.strarr"});

    s = valid_spec();
    s.kvs[1] = std::move(Bytes().str("odd.type").u32(99).u32(0));
    expect_spec_refused("bad_value_type.gguf", s, {"odd.type", "99"});

    s = valid_spec();
    s.kvs.push_back(kv_u32("llama.block_count", 8));
    expect_spec_refused("dup_key.gguf", s, {"duplicate metadata key 'llama.block_count'"});

    for (uint32_t bad : {0u, 3u}) {
        s = valid_spec();
        s.kvs.push_back(kv_u32("general.alignment", bad));
        expect_spec_refused("bad_align.gguf", s, {"general.alignment", std::to_string(bad)});
    }
    s = valid_spec();
    s.kvs.push_back(kv_str("general.alignment", "32"));
    expect_spec_refused("align_str.gguf", s, {"general.alignment", "string"});

    // Arrays nested 40 deep: refused by the depth limit, not by stack exhaustion.
    Bytes deep;
    deep.str("deep").u32(kTypeArray);
    for (int i = 0; i < 40; ++i) deep.u32(kTypeArray).u64(1);
    deep.u32(kTypeU32).u64(0);
    s = valid_spec();
    s.kvs.push_back(deep);
    expect_spec_refused("deep.gguf", s, {"deep", "nested"});
}

TEST(GgufHostile, NestedArraysWithinTheLimitParse) {
    FileSpec s = valid_spec();
    Bytes nested;
    nested.str("nested").u32(kTypeArray).u32(kTypeArray).u64(2);
    nested.u32(kTypeU32).u64(2).u32(5).u32(6);
    nested.u32(kTypeString).u64(1).str("x");
    s.kvs.push_back(nested);
    const GgufFile f = GgufFile::open(write_file("nested_ok.gguf", build(s)));
    const GgufArray& outer = f.find("nested")->as_array();
    ASSERT_EQ(outer.items.size(), 2u);
    EXPECT_EQ(outer.items[0].as_array().items[1].as_int(), 6);
    EXPECT_EQ(outer.items[1].as_array().items[0].as_string(), "x");
}

TEST(GgufHostile, TensorProblems) {
    auto with_tensor = [](TensorDesc t) {
        FileSpec s = valid_spec();
        s.tensors[0] = std::move(t);
        return s;
    };
    expect_spec_refused("ndims0.gguf", with_tensor({"w", {}, kGgmlF32, 0}), {"'w'", "0 dimensions"});
    expect_spec_refused("ndims5.gguf", with_tensor({"w", {1, 1, 1, 1, 1}, kGgmlF32, 0}), {"'w'", "5 dimensions"});
    expect_spec_refused("dim0.gguf", with_tensor({"w", {4, 0}, kGgmlF32, 0}), {"'w'", "dimension 1 is 0"});
    expect_spec_refused("dimneg.gguf", with_tensor({"w", {-4, 2}, kGgmlF32, 0}), {"'w'", "dimension 0 is -4"});
    expect_spec_refused("overflow.gguf", with_tensor({"w", {int64_t(1) << 40, int64_t(1) << 40}, kGgmlF32, 0}),
                        {"'w'", "overflow"});
    expect_spec_refused("bytes_overflow.gguf", with_tensor({"w", {int64_t(1) << 62, 1}, kGgmlF32, 0}), {"'w'"});
    expect_spec_refused("type200.gguf", with_tensor({"w", {4, 2}, 200, 0}), {"tensor 'w' has unknown type 200"});
    expect_spec_refused("block.gguf", with_tensor({"w", {16, 2}, kGgmlQ8_0, 0}), {"'w'", "block size 32"});
    expect_spec_refused("misaligned.gguf", with_tensor({"w", {4, 2}, kGgmlF32, 8}), {"'w'", "alignment"});
    expect_spec_refused("past_end.gguf", with_tensor({"w", {4, 2}, kGgmlF32, 1 << 20}), {"'w'", "past end of file"});
    expect_spec_refused("offset_wrap.gguf", with_tensor({"w", {4, 2}, kGgmlF32, ~uint64_t(31)}),
                        {"'w'", "past end of file"});
    expect_spec_refused("dup_tensor.gguf", with_tensor({"q", {4, 2}, kGgmlF32, 0}), {"duplicate tensor name 'q'"});
    // A tensor name with a huge length field (followed by enough bytes to pass the count check).
    Bytes raw;
    raw.raw("GGUF", 4).u32(3).u64(1).u64(0).u64(kHuge);
    raw.b.resize(raw.b.size() + 64, 0);
    expect_refused("huge_name.gguf", raw.b, {"name of tensor 0"});
}

TEST(GgufHostile, NotAFile) {
    const std::string dir = qs::test::temp_dir() + "/a_directory.gguf";
    std::filesystem::create_directories(dir);
    try {
        (void)GgufFile::open(dir);
        ADD_FAILURE() << "directory opened";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(dir), std::string::npos);
    }
    const std::string missing = qs::test::temp_dir() + "/missing.gguf";
    try {
        (void)GgufFile::open(missing);
        ADD_FAILURE() << "missing file opened";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(missing), std::string::npos);
    }
}

// Random byte mutations of the small valid file: each must parse or throw qs::Error, nothing else.
TEST(GgufHostile, FuzzMutations) {
    const std::vector<uint8_t> base = build(valid_spec());
    std::mt19937 rng(12345);
    const uint8_t specials[] = {0x00, 0xFF, 0x7F, 0x80, 0x01, 0x20, 0x40};
    int parsed = 0, refused = 0;
    for (int iter = 0; iter < 2000; ++iter) {
        std::vector<uint8_t> bytes = base;
        const int n_mut = 1 + int(rng() % 4);
        for (int m = 0; m < n_mut; ++m) {
            const size_t pos = rng() % bytes.size();
            switch (rng() % 4) {
                case 0: bytes[pos] = uint8_t(rng()); break;
                case 1: bytes[pos] = specials[rng() % sizeof specials]; break;
                case 2: bytes[pos] ^= uint8_t(1u << (rng() % 8)); break;
                case 3: bytes.resize(std::max<size_t>(pos, 1)); break;
            }
        }
        const std::string path = write_file("fuzz.gguf", bytes);
        try {
            const GgufFile f = GgufFile::open(path);
            // Touch everything a caller would, so sanitizers see any out-of-bounds pointer.
            unsigned sum = 0;
            for (const GgufTensorInfo& t : f.tensors())
                for (size_t i = 0; i < t.nbytes; ++i) sum += t.data[i];
            for (const GgufMetadataEntry& e : f.metadata()) sum += unsigned(e.value.to_display_string().size());
            (void)sum;
            ++parsed;
        } catch (const Error& e) {
            EXPECT_EQ(std::string(e.what()).rfind(path, 0), 0u) << e.what();
            ++refused;
        }
    }
    EXPECT_GT(refused, 0);
    EXPECT_GT(parsed, 0);
}

}  // namespace
}  // namespace qs
