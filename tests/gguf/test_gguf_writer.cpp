// GgufWriter round trips: every value type and several tensor types, read back with GgufFile.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "common/test_paths.h"
#include "core/error.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"

namespace qs {
namespace {

std::vector<uint8_t> read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<uint8_t> pattern_bytes(size_t n, uint32_t seed) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = uint8_t((i * 2654435761u + seed * 40503u) >> 7);
    return v;
}

struct TensorSpec {
    std::string name;
    GgmlType type;
    std::vector<int64_t> ne;
    size_t nbytes;  // from ggml-common.h block sizes, written out here rather than asked of the code
};

// Block sizes from ggml: q8_0 = 32 weights in 2 + 32 bytes; q4_K = 256 weights in 2+2+12+128 bytes.
const std::vector<TensorSpec> kTensors = {
    {"a.f32", GgmlType::F32, {8, 3}, 8 * 3 * 4},
    {"b.f16", GgmlType::F16, {16, 2, 2}, 16 * 2 * 2 * 2},
    {"c.q8_0", GgmlType::Q8_0, {64, 2}, 2 * 2 * 34},
    {"d.q4_K", GgmlType::Q4_K, {256, 3}, 3 * 144},
    {"e.f32.1d", GgmlType::F32, {5}, 20},
};

GgufValue nested_array() {
    return GgufValue::array(GgufType::ARRAY, {GgufValue::array(GgufType::INT32, {GgufValue::i32(1), GgufValue::i32(-2)}),
                                              GgufValue::array(GgufType::INT32, {}),
                                              GgufValue::array(GgufType::INT32, {GgufValue::i32(3)})});
}

std::vector<std::pair<std::string, GgufValue>> all_value_types() {
    return {
        {"general.architecture", GgufValue::str("llama")},
        {"t.u8", GgufValue(GgufType::UINT8, uint64_t(255))},
        {"t.i8", GgufValue(GgufType::INT8, int64_t(-128))},
        {"t.u16", GgufValue(GgufType::UINT16, uint64_t(65535))},
        {"t.i16", GgufValue(GgufType::INT16, int64_t(-32768))},
        {"t.u32", GgufValue::u32(4294967295u)},
        {"t.i32", GgufValue::i32(-2147483647 - 1)},
        {"t.f32", GgufValue::f32(0.1f)},
        {"t.bool", GgufValue::boolean(true)},
        {"t.str", GgufValue::str("hello")},
        {"t.empty_str", GgufValue::str("")},
        {"t.unicode", GgufValue::str("h\xC3\xA9llo \xE2\x96\x81 \xF0\x9F\x98\x80")},
        {"t.u64", GgufValue::u64(18446744073709551615ull)},
        {"t.i64", GgufValue(GgufType::INT64, int64_t(-9000000000000000000ll))},
        {"t.f64", GgufValue(GgufType::FLOAT64, 3.141592653589793)},
        {"t.arr_str", GgufValue::array(GgufType::STRING, {GgufValue::str("a"), GgufValue::str(""), GgufValue::str("\xE2\x96\x81x")})},
        {"t.arr_f32", GgufValue::array(GgufType::FLOAT32, {GgufValue::f32(1.5f), GgufValue::f32(-0.25f)})},
        {"t.arr_empty", GgufValue::array(GgufType::UINT8, {})},
        {"t.arr_nested", nested_array()},
        {"t.arr_bool", GgufValue::array(GgufType::BOOL, {GgufValue::boolean(false), GgufValue::boolean(true)})},
    };
}

bool values_equal(const GgufValue& a, const GgufValue& b) {
    if (a.type() != b.type()) return false;
    if (a.is_array()) {
        const GgufArray& x = a.as_array();
        const GgufArray& y = b.as_array();
        if (x.elem_type != y.elem_type || x.items.size() != y.items.size()) return false;
        for (size_t i = 0; i < x.items.size(); ++i)
            if (!values_equal(x.items[i], y.items[i])) return false;
        return true;
    }
    return a.storage() == b.storage();
}

struct Written {
    std::string path;
    std::vector<std::vector<uint8_t>> data;
};

Written write_sample(const std::string& name, uint32_t alignment) {
    Written w{qs::test::temp_dir() + "/" + name, {}};
    GgufWriter writer;
    for (auto& [k, v] : all_value_types()) writer.set(k, v);
    if (alignment) writer.set("general.alignment", GgufValue::u32(alignment));
    for (size_t i = 0; i < kTensors.size(); ++i) w.data.push_back(pattern_bytes(kTensors[i].nbytes, uint32_t(i)));
    for (size_t i = 0; i < kTensors.size(); ++i) {
        const TensorSpec& t = kTensors[i];
        writer.add_tensor(t.name, t.type, t.ne, w.data[i].data(), w.data[i].size());
    }
    writer.write(w.path);
    return w;
}

void expect_sample(const GgufFile& f, const Written& w, uint64_t alignment) {
    EXPECT_EQ(f.version(), 3u);
    EXPECT_EQ(f.alignment(), alignment);
    EXPECT_EQ(f.data_offset() % alignment, 0u);
    auto expected = all_value_types();
    const bool has_alignment_key = f.find("general.alignment") != nullptr;
    ASSERT_EQ(f.metadata().size(), expected.size() + (has_alignment_key ? 1 : 0));
    for (size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(f.metadata()[i].key, expected[i].first);
        EXPECT_TRUE(values_equal(f.metadata()[i].value, expected[i].second)) << expected[i].first;
    }
    ASSERT_EQ(f.tensors().size(), kTensors.size());
    uint64_t expected_offset = 0;
    for (size_t i = 0; i < kTensors.size(); ++i) {
        const GgufTensorInfo& t = f.tensors()[i];
        EXPECT_EQ(t.name, kTensors[i].name);
        EXPECT_EQ(t.type, kTensors[i].type);
        EXPECT_EQ(t.ne, kTensors[i].ne);
        EXPECT_EQ(t.nbytes, kTensors[i].nbytes);
        EXPECT_EQ(t.offset, expected_offset) << t.name;  // llama.cpp packs tensors, each padded to alignment
        EXPECT_EQ(std::memcmp(t.data, w.data[i].data(), t.nbytes), 0) << t.name;
        expected_offset += (t.nbytes + alignment - 1) / alignment * alignment;
    }
    EXPECT_EQ(f.file_size(), f.data_offset() + expected_offset);  // last tensor padded too
}

TEST(GgufWriter, RoundTripEveryValueTypeAndTensorType) {
    const Written w = write_sample("roundtrip.gguf", 0);
    const GgufFile f = GgufFile::open(w.path);
    expect_sample(f, w, 32);
    EXPECT_EQ(f.get_int("t.u8"), 255);
    EXPECT_EQ(f.get_int("t.i8"), -128);
    EXPECT_EQ(f.get_int("t.u64"), INT64_MAX);  // saturates
    EXPECT_FLOAT_EQ(float(f.get_float_or("t.f32", 0)), 0.1f);
    EXPECT_TRUE(f.get_bool_or("t.bool", false));
    EXPECT_EQ(*f.get_string_array("t.arr_str"), (std::vector<std::string>{"a", "", "\xE2\x96\x81x"}));
    EXPECT_EQ(*f.get_float_array("t.arr_f32"), (std::vector<float>{1.5f, -0.25f}));
    EXPECT_THROW((void)f.get_int_array("t.arr_str"), Error);
    EXPECT_FALSE(f.get_int_array("absent").has_value());
    EXPECT_EQ(f.find("t.arr_nested")->to_display_string(), "[[1, -2], [], [3]]");
    EXPECT_EQ(f.find("t.str")->to_display_string(), "\"hello\"");
    EXPECT_FALSE(std::filesystem::exists(w.path + ".tmp"));
}

TEST(GgufWriter, CustomAlignment) {
    const Written w = write_sample("align128.gguf", 128);
    const GgufFile f = GgufFile::open(w.path);
    expect_sample(f, w, 128);
}

// write -> read -> write again must give identical bytes.
TEST(GgufWriter, RewriteIsByteStable) {
    const Written w = write_sample("stable1.gguf", 64);
    const GgufFile f = GgufFile::open(w.path);
    GgufWriter again;
    for (const GgufMetadataEntry& e : f.metadata()) again.set(e.key, e.value);
    for (const GgufTensorInfo& t : f.tensors()) again.add_tensor(t.name, t.type, t.ne, t.data, t.nbytes);
    const std::string path2 = qs::test::temp_dir() + "/stable2.gguf";
    again.write(path2);
    EXPECT_EQ(read_bytes(w.path), read_bytes(path2));
}

TEST(GgufWriter, SetReplacesInPlaceAndRemoveDrops) {
    GgufWriter w;
    w.set("a", GgufValue::u32(1));
    w.set("b", GgufValue::u32(2));
    w.set("a", GgufValue::str("x"));
    w.set("c", GgufValue::u32(3));
    w.remove("b");
    const std::string path = qs::test::temp_dir() + "/set.gguf";
    w.write(path);
    const GgufFile f = GgufFile::open(path);
    ASSERT_EQ(f.metadata().size(), 2u);
    EXPECT_EQ(f.metadata()[0].key, "a");
    EXPECT_EQ(f.get_string("a"), "x");
    EXPECT_EQ(f.metadata()[1].key, "c");
    EXPECT_TRUE(f.tensors().empty());
}

void expect_error_containing(const std::function<void()>& fn, const std::vector<std::string>& parts) {
    try {
        fn();
        ADD_FAILURE() << "expected qs::Error";
    } catch (const Error& e) {
        for (const std::string& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
    }
}

// A tensor given in pieces by a stream is written exactly as one given whole; a stream that gives
// too few or too many bytes, or throws, leaves no file.
TEST(GgufWriter, StreamedTensorsAreWrittenAsWholeOnes) {
    const Written whole = write_sample("whole.gguf", 64);
    GgufWriter streamed;
    for (auto& [k, v] : all_value_types()) streamed.set(k, v);
    streamed.set("general.alignment", GgufValue::u32(64));
    int calls = 0;
    for (size_t i = 0; i < kTensors.size(); ++i) {
        const TensorSpec& t = kTensors[i];
        const std::vector<uint8_t>& bytes = whole.data[i];
        streamed.add_tensor_streamed(t.name, t.type, t.ne, bytes.size(), [&bytes, &calls](const GgufWriter::TensorSink& sink) {
            ++calls;
            for (size_t at = 0; at < bytes.size(); at += 7) sink(bytes.data() + at, std::min<size_t>(7, bytes.size() - at));
        });
    }
    const std::string path = qs::test::temp_dir() + "/streamed.gguf";
    streamed.write(path);
    EXPECT_EQ(calls, int(kTensors.size()));
    EXPECT_EQ(read_bytes(path), read_bytes(whole.path));

    const std::vector<uint8_t> data(64 * 4);
    const std::string bad = qs::test::temp_dir() + "/short.gguf";
    for (size_t given : {size_t(100), size_t(300)}) {
        GgufWriter w;
        w.add_tensor_streamed("t", GgmlType::F32, {64}, data.size(), [&](const GgufWriter::TensorSink& sink) {
            const std::vector<uint8_t> out(given);
            sink(out.data(), out.size());
        });
        expect_error_containing([&] { w.write(bad); }, {bad, "'t'", "256 bytes"});
        EXPECT_FALSE(std::filesystem::exists(bad));
        EXPECT_FALSE(std::filesystem::exists(bad + ".tmp"));
    }
    GgufWriter throws;
    throws.add_tensor_streamed("t", GgmlType::F32, {64}, data.size(),
                               [](const GgufWriter::TensorSink&) { throw Error("quantizing failed"); });
    expect_error_containing([&] { throws.write(bad); }, {"quantizing failed"});
    EXPECT_FALSE(std::filesystem::exists(bad));
    EXPECT_FALSE(std::filesystem::exists(bad + ".tmp"));
}

TEST(GgufWriter, RefusesBadInput) {
    const std::vector<uint8_t> data(64 * 4);
    GgufWriter w;
    expect_error_containing([&] { w.add_tensor("t", GgmlType::F32, {64}, data.data(), 100); }, {"'t'", "bytes"});
    expect_error_containing([&] { w.add_tensor("q", GgmlType::Q8_0, {48}, data.data(), 34); }, {"'q'", "block"});
    expect_error_containing([&] { w.add_tensor("z", GgmlType::F32, {0}, data.data(), 0); }, {"'z'"});
    expect_error_containing([&] { w.add_tensor(std::string(64, 'n'), GgmlType::F32, {64}, data.data(), data.size()); },
                            {"63"});
    w.add_tensor("t", GgmlType::F32, {64}, data.data(), data.size());
    expect_error_containing([&] { w.add_tensor("t", GgmlType::F32, {64}, data.data(), data.size()); }, {"'t'", "duplicate"});

    const std::string missing_dir = qs::test::temp_dir() + "/no/such/dir/x.gguf";
    expect_error_containing([&] { w.write(missing_dir); }, {missing_dir});

    const std::string path = qs::test::temp_dir() + "/bad.gguf";
    GgufWriter bad_value;
    bad_value.set("k.u8", GgufValue(GgufType::UINT8, uint64_t(300)));
    expect_error_containing([&] { bad_value.write(path); }, {path, "k.u8"});
    EXPECT_FALSE(std::filesystem::exists(path));
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));

    GgufWriter bad_array;
    bad_array.set("k.arr", GgufValue::array(GgufType::UINT32, {GgufValue::str("x")}));
    expect_error_containing([&] { bad_array.write(path); }, {path, "k.arr"});

    GgufWriter empty_key;
    empty_key.set("", GgufValue::u32(1));
    expect_error_containing([&] { empty_key.write(path); }, {path, "empty metadata key"});

    GgufWriter bad_alignment;
    bad_alignment.set("general.alignment", GgufValue::u32(48));
    expect_error_containing([&] { bad_alignment.write(path); }, {path, "general.alignment"});
}

}  // namespace
}  // namespace qs

namespace qs {
namespace {

// Files written by llama.cpp (llama-quantize's gguf writer, or the converters) re-written through
// GgufWriter must come out byte for byte the same: our layout is llama.cpp's.
TEST(GgufWriter, RewritingLlamaCppFilesIsByteIdentical) {
    QS_REQUIRE_SHARED(dir, "models");
    const char* files[] = {"stories260K.gguf", "synthetic/m1-quantized/m1-pure-Q4_K.gguf",
                           "synthetic/m1-quantized/m1-mix-Q4_K_M.gguf",
                           "vocab/ggml-vocab-gpt-2.gguf"};
    for (const char* name : files) {
        const std::string path = dir + "/" + name;
        if (!std::filesystem::exists(path)) continue;
        SCOPED_TRACE(path);
        const GgufFile f = GgufFile::open(path);
        GgufWriter w;
        for (const GgufMetadataEntry& e : f.metadata()) w.set(e.key, e.value);
        for (const GgufTensorInfo& t : f.tensors()) w.add_tensor(t.name, t.type, t.ne, t.data, t.nbytes);
        const std::string out = qs::test::temp_dir() + "/rewrite.gguf";
        std::filesystem::remove(out);
        w.write(out);
        const std::vector<uint8_t> mine = read_bytes(out), theirs = read_bytes(path);
        if (f.tensors().empty()) {
            // gguf-py (which wrote the vocab-only files) stops after the header when there are no
            // tensors; ggml's writer, which we follow, always pads the header to the alignment.
            ASSERT_GE(mine.size(), theirs.size());
            EXPECT_LT(mine.size() - theirs.size(), f.alignment());
            EXPECT_TRUE(std::equal(theirs.begin(), theirs.end(), mine.begin()));
            EXPECT_TRUE(std::all_of(mine.begin() + std::ptrdiff_t(theirs.size()), mine.end(), [](uint8_t b) { return b == 0; }));
        } else {
            EXPECT_TRUE(mine == theirs);
        }
        std::filesystem::remove(out);
    }
}

}  // namespace
}  // namespace qs
