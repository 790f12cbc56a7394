// Reading the real GGUF files in ../shared. Expected values come from the shared READMEs and from
// llama.cpp's own output recorded in reference/*.json, never from this reader.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <regex>
#include <nlohmann/json.hpp>

#include "common/test_paths.h"
#include "core/error.h"
#include "gguf/gguf_file.h"

namespace qs {
namespace {

nlohmann::json load_json(const std::string& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

// llama-quantize logs print every shape padded to 2 dims ([64, 1] for a 1-D norm).
std::vector<int64_t> padded_shape(const std::vector<int64_t>& ne) {
    std::vector<int64_t> out = ne;
    while (out.size() < 2) out.push_back(1);
    return out;
}

// Tensor layout invariants any valid file must satisfy.
void expect_layout_consistent(const GgufFile& f) {
    ASSERT_FALSE(f.tensors().empty());
    EXPECT_EQ(f.data_offset() % f.alignment(), 0u);
    uint64_t total = 0, last_end = 0;
    for (const GgufTensorInfo& t : f.tensors()) {
        EXPECT_EQ(t.nbytes, row_size(t.type, t.ne[0]) * size_t(t.rows())) << t.name;
        EXPECT_EQ(t.offset % f.alignment(), 0u) << t.name;
        total += t.nbytes;
        last_end = std::max<uint64_t>(last_end, f.data_offset() + t.offset + t.nbytes);
    }
    EXPECT_LE(total + f.data_offset(), f.file_size());
    EXPECT_LE(last_end, f.file_size());
    EXPECT_LT(f.file_size() - last_end, f.alignment());
    // The data pointers must address the file bytes at data_offset + offset: compare with plain reads.
    std::ifstream in(f.path(), std::ios::binary);
    for (const GgufTensorInfo& t : f.tensors()) {
        std::vector<char> head(std::min<size_t>(t.nbytes, 64));
        in.seekg(std::streamoff(f.data_offset() + t.offset));
        in.read(head.data(), std::streamsize(head.size()));
        ASSERT_TRUE(in.good()) << t.name;
        EXPECT_EQ(std::memcmp(head.data(), t.data, head.size()), 0) << t.name;
    }
}

// Compares names, count and shapes against the tensor_shapes_ne llama-quantize printed for this model.
void expect_shapes_match_reference(const GgufFile& f, const nlohmann::json& shapes) {
    EXPECT_EQ(f.tensors().size(), shapes.size());
    for (const auto& [name, ne] : shapes.items()) {
        const GgufTensorInfo* t = f.find_tensor(name);
        ASSERT_NE(t, nullptr) << name;
        EXPECT_EQ(padded_shape(t->ne), ne.get<std::vector<int64_t>>()) << name;
    }
}

TEST(GgufReal, Stories260K) {
    QS_REQUIRE_SHARED(path, "models/stories260K.gguf");
    QS_REQUIRE_SHARED(ref_path, "reference/stories260K.json");
    const nlohmann::json ref = load_json(ref_path);
    const GgufFile f = GgufFile::open(path);
    EXPECT_EQ(f.file_size(), ref["model"]["size_bytes"].get<uint64_t>());
    EXPECT_GE(f.version(), 2u);
    EXPECT_EQ(f.get_string("general.architecture"), "llama");
    EXPECT_EQ(f.get_int("llama.embedding_length"), 64);
    EXPECT_EQ(f.get_int("llama.block_count"), 5);
    EXPECT_EQ(f.get_int("llama.attention.head_count"), 8);
    EXPECT_EQ(f.get_int("llama.attention.head_count_kv"), 4);
    EXPECT_EQ(f.get_int("llama.feed_forward_length"), 172);
    // The shared README says "context 512", but llama.cpp's loader log shows the file stores 2048.
    EXPECT_EQ(f.get_int("llama.context_length"), 2048);
    const auto tokens = f.get_string_array("tokenizer.ggml.tokens");
    ASSERT_TRUE(tokens.has_value());
    EXPECT_EQ(tokens->size(), 512u);
    EXPECT_EQ(f.get_string("tokenizer.ggml.model"), "llama");
    const GgufTensorInfo* embd = f.find_tensor("token_embd.weight");
    ASSERT_NE(embd, nullptr);
    EXPECT_EQ(embd->ne, (std::vector<int64_t>{64, 512}));
    EXPECT_EQ(embd->type, GgmlType::F32);
    const auto& quantize = ref["quantize"];
    expect_shapes_match_reference(f, quantize.begin().value()["tensor_shapes_ne"]);
    for (const GgufTensorInfo& t : f.tensors()) EXPECT_EQ(t.type, GgmlType::F32) << t.name;  // README: F32 model
    expect_layout_consistent(f);
    // Typed getters refuse the wrong type, naming file and key.
    try {
        (void)f.get_string("llama.block_count");
        FAIL() << "expected qs::Error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("llama.block_count"), std::string::npos);
    }
    EXPECT_THROW((void)f.get_int("general.architecture"), Error);
    EXPECT_THROW((void)f.get_int("no.such.key"), Error);
    EXPECT_EQ(f.get_int_or("no.such.key", -7), -7);
    EXPECT_FLOAT_EQ(float(f.get_float_or("llama.embedding_length", 0.0)), 64.0f);
}

// llama.cpp's short type names, as its loader prints them ("u32", "arr[str,512]").
const char* llama_cpp_type_name(GgufType t) {
    static const char* const names[] = {"u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "str", "arr", "u64", "i64", "f64"};
    return names[size_t(t)];
}

// The metadata dump llama_model_loader printed when llama-quantize loaded stories260K: every key in
// file order with its type, array element type and count, and scalar value.
TEST(GgufReal, Stories260KMatchesLlamaCppLoaderDump) {
    QS_REQUIRE_SHARED(path, "models/stories260K.gguf");
    QS_REQUIRE_SHARED(log_path, "reference/logs/quantize_stories260K_Q4_0_ffndownf16.log");
    const GgufFile f = GgufFile::open(path);
    std::ifstream log(log_path);
    const std::regex kv_line(R"(llama_model_loader: - kv +(\d+): +(\S+) +(\w+)(?:\[(\w+),(\d+)\])? += (.*))");
    const std::regex header(R"(loaded meta data with (\d+) key-value pairs and (\d+) tensors .*GGUF V(\d))");
    std::string line;
    size_t seen = 0;
    bool header_seen = false;
    while (std::getline(log, line)) {
        std::smatch m;
        if (!header_seen && std::regex_search(line, m, header)) {
            header_seen = true;
            EXPECT_EQ(f.metadata().size(), std::stoul(m[1]));
            EXPECT_EQ(f.tensors().size(), std::stoul(m[2]));
            EXPECT_EQ(f.version(), std::stoul(m[3]));
        }
        if (!std::regex_search(line, m, kv_line)) continue;
        const size_t index = std::stoul(m[1]);
        ASSERT_LT(index, f.metadata().size());
        const GgufMetadataEntry& e = f.metadata()[index];
        EXPECT_EQ(e.key, m[2].str());
        EXPECT_EQ(llama_cpp_type_name(e.value.type()), m[3].str()) << e.key;
        if (e.value.is_array()) {
            EXPECT_EQ(llama_cpp_type_name(e.value.as_array().elem_type), m[4].str()) << e.key;
            EXPECT_EQ(e.value.as_array().items.size(), std::stoul(m[5])) << e.key;
        } else if (e.value.is_string()) {
            EXPECT_EQ(e.value.as_string(), m[6].str()) << e.key;
        } else if (e.value.is_integer()) {
            EXPECT_EQ(std::to_string(e.value.as_int()), m[6].str()) << e.key;
        } else if (e.value.is_float()) {
            EXPECT_NEAR(e.value.as_double(), std::stod(m[6]), 1e-6) << e.key;
        }
        ++seen;
    }
    EXPECT_TRUE(header_seen);
    EXPECT_EQ(seen, f.metadata().size());
}

TEST(GgufReal, SyntheticLlamaM1) {
    QS_REQUIRE_SHARED(path, "models/synthetic/llama-d256-spm512.gguf");
    QS_REQUIRE_SHARED(ref_path, "reference/m1.json");
    const nlohmann::json ref = load_json(ref_path);
    const GgufFile f = GgufFile::open(path);
    EXPECT_EQ(f.file_size(), ref["model"]["size_bytes"].get<uint64_t>());
    EXPECT_EQ(f.get_string("general.architecture"), "llama");
    EXPECT_EQ(f.get_int("llama.embedding_length"), 256);
    EXPECT_EQ(f.get_int("llama.block_count"), 4);
    EXPECT_EQ(f.get_int("llama.attention.head_count"), 8);
    EXPECT_EQ(f.get_int("llama.attention.head_count_kv"), 4);
    EXPECT_EQ(f.get_int("llama.feed_forward_length"), 768);
    EXPECT_EQ(f.get_string_array("tokenizer.ggml.tokens")->size(), 512u);
    expect_shapes_match_reference(f, ref["quantize"].begin().value()["tensor_shapes_ne"]);
    for (const GgufTensorInfo& t : f.tensors()) EXPECT_EQ(t.type, GgmlType::F32) << t.name;
    expect_layout_consistent(f);
}

TEST(GgufReal, SyntheticQwen2M2) {
    QS_REQUIRE_SHARED(path, "models/synthetic/qwen2-d256-gpt2bpe.gguf");
    QS_REQUIRE_SHARED(ref_path, "reference/m2.json");
    const nlohmann::json ref = load_json(ref_path);
    const GgufFile f = GgufFile::open(path);
    EXPECT_EQ(f.file_size(), ref["model"]["size_bytes"].get<uint64_t>());
    EXPECT_EQ(f.get_string("general.architecture"), "qwen2");
    EXPECT_EQ(f.get_int("qwen2.embedding_length"), 256);
    EXPECT_EQ(f.get_int("qwen2.block_count"), 2);
    EXPECT_EQ(f.get_int("qwen2.attention.head_count"), 4);
    EXPECT_EQ(f.get_int("qwen2.attention.head_count_kv"), 2);
    EXPECT_EQ(f.get_int("qwen2.feed_forward_length"), 512);
    EXPECT_EQ(f.get_string_array("tokenizer.ggml.tokens")->size(), 50257u);
    EXPECT_EQ(f.get_string("tokenizer.ggml.model"), "gpt2");
    expect_shapes_match_reference(f, ref["quantize"].begin().value()["tensor_shapes_ne"]);
    EXPECT_EQ(f.find_tensor("output.weight"), nullptr);  // tied embeddings
    for (const GgufTensorInfo& t : f.tensors())
        EXPECT_EQ(t.type, t.name == "token_embd.weight" ? GgmlType::F16 : GgmlType::F32) << t.name;
    expect_layout_consistent(f);
}

// Every llama-quantize output of M1: the tensor types must be those llama.cpp logged.
TEST(GgufReal, M1QuantizedTypesMatchLlamaQuantize) {
    QS_REQUIRE_SHARED(ref_path, "reference/m1.json");
    QS_REQUIRE_SHARED(dir, "models/synthetic/m1-quantized");
    const nlohmann::json ref = load_json(ref_path);
    int checked = 0;
    for (const auto& [label, q] : ref["quantize"].items()) {
        if (!q.value("ok", false) || !q.contains("output_file")) continue;
        const std::string file = q["output_file"].get<std::string>();
        const std::string name = file.substr(file.rfind('/') + 1);
        const std::string path = dir + "/" + name;
        SCOPED_TRACE(path);
        const GgufFile f = GgufFile::open(path);
        if (q.contains("output_size_bytes")) {
            EXPECT_EQ(f.file_size(), q["output_size_bytes"].get<uint64_t>());
        }
        expect_shapes_match_reference(f, q["tensor_shapes_ne"]);
        for (const auto& [tname, ttype] : q["tensor_types"].items()) {
            const GgufTensorInfo* t = f.find_tensor(tname);
            ASSERT_NE(t, nullptr) << tname;
            EXPECT_EQ(type_name(t->type), ttype.get<std::string>()) << tname;
        }
        expect_layout_consistent(f);
        ++checked;
    }
    EXPECT_GE(checked, 10);
}

TEST(GgufReal, VocabOnlyFiles) {
    QS_REQUIRE_SHARED(spm, "models/vocab/ggml-vocab-llama-spm.gguf");
    QS_REQUIRE_SHARED(gpt2, "models/vocab/ggml-vocab-gpt-2.gguf");
    const GgufFile a = GgufFile::open(spm);
    EXPECT_EQ(a.get_string("tokenizer.ggml.model"), "llama");
    EXPECT_EQ(a.get_string_array("tokenizer.ggml.tokens")->size(), 32000u);  // LLaMA SentencePiece vocabulary
    EXPECT_EQ(a.get_float_array("tokenizer.ggml.scores")->size(), 32000u);
    EXPECT_EQ(a.get_int_array("tokenizer.ggml.token_type")->size(), 32000u);
    const GgufFile b = GgufFile::open(gpt2);
    EXPECT_EQ(b.get_string("tokenizer.ggml.model"), "gpt2");
    EXPECT_EQ(b.get_string_array("tokenizer.ggml.tokens")->size(), 50257u);  // GPT-2 vocabulary
    EXPECT_EQ(b.get_string_array("tokenizer.ggml.merges")->size(), 50000u);  // GPT-2 merges.txt has 50000 rules
    // Display strings summarize long arrays instead of dumping them.
    EXPECT_EQ(b.find("tokenizer.ggml.tokens")->to_display_string(), "[50257 strings]");
}

}  // namespace
}  // namespace qs
