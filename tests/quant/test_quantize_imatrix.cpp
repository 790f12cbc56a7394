// Quantization with an importance matrix (quantize --imatrix): with ../shared, every file
// llama-quantize wrote for M1 with the zoo's imatrix (the IQ types and an imatrix Q4_K_M mix) is
// reproduced byte for byte, metadata included; and the imatrix file format round-trips.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "common/test_paths.h"
#include "core/error.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "quant/imatrix.h"
#include "quant/precision_recipe.h"
#include "quant/quantize.h"
#include "quant/quantize_model.h"

using namespace qs;
namespace fs = std::filesystem;

namespace {

constexpr const char* kM1 = "models/synthetic/llama-d256-spm512.gguf";
constexpr const char* kImatrix = "models/zoo/m1-wiki-c128x20.imatrix.gguf";

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The zoo's files, with the llama-quantize arguments that made them (zoo README).
struct ZooFile {
    const char* file;
    const char* recipe;
};
const ZooFile kZoo[] = {
    {"m1-pure-IQ4_NL-imat.gguf", "IQ4_NL+pure"},
    {"m1-pure-IQ4_XS-imat.gguf", "IQ4_XS+pure"},
    {"m1-pure-IQ3_S-imat.gguf", "IQ3_S+pure"},
    {"m1-pure-IQ3_XXS-imat.gguf", "IQ3_XXS+pure"},
    {"m1-pure-IQ2_XS-imat.gguf", "IQ2_XS+pure+token_embd=q2_K+output=q5_K"},
    {"m1-pure-IQ2_XXS-imat.gguf", "IQ2_XXS+pure+token_embd=q2_K+output=q5_K"},
    {"m1-mix-Q4_K_M-imat.gguf", "Q4_K_M"},
};

QuantizeModelOptions options_for(const ZooFile& z, const ImportanceMatrix& imatrix) {
    QuantizeModelOptions o;
    o.mix = PrecisionRecipe::parse(z.recipe).options;
    o.n_threads = 2;
    o.imatrix = &imatrix;
    o.imatrix_path = kImatrix;  // the path llama-quantize was given (zoo README)
    return o;
}

// Fast: the mix planner picks the zoo file's type for every tensor, and the first rows of every
// quantized tensor, quantized with that tensor's imatrix weights, equal the file's bytes.
TEST(QuantizeImatrixLlamaCpp, ZooTensorsFirstRowsAreByteIdentical) {
    QS_REQUIRE_SHARED(m1, kM1);
    QS_REQUIRE_SHARED(imatrix_path, kImatrix);
    const GgufFile source = GgufFile::open(m1);
    const ImportanceMatrix imatrix = imatrix_read(imatrix_path);
    std::vector<MixTensor> tensors;
    for (const GgufTensorInfo& t : source.tensors()) tensors.push_back({t.name, t.ne, t.type});
    int compared = 0;
    for (const ZooFile& z : kZoo) {
        SCOPED_TRACE(z.file);
        QS_REQUIRE_SHARED(ref, std::string("models/zoo/") + z.file);
        const GgufFile theirs = GgufFile::open(ref);
        MixOptions mix = PrecisionRecipe::parse(z.recipe).options;
        mix.has_imatrix = true;
        const std::vector<TensorTypeChoice> plan = plan_tensor_types(mix, mix_model_info_from_gguf(source), tensors);
        for (size_t i = 0; i < tensors.size(); ++i) {
            const GgufTensorInfo& src = source.tensors()[i];
            const GgufTensorInfo* t = theirs.find_tensor(src.name);
            ASSERT_NE(t, nullptr) << src.name;
            EXPECT_EQ(plan[i].type, t->type) << src.name;
            if (t->type == src.type) continue;
            const int64_t rows = std::min<int64_t>(4, src.rows()), n = src.ne[0];
            const std::vector<float> w = imatrix.weights_for(src.name);
            std::vector<uint8_t> out(row_size(t->type, n) * size_t(rows));
            quantize_rows(t->type, reinterpret_cast<const float*>(src.data), out.data(), rows, n, src.name,
                          w.empty() ? nullptr : w.data());
            EXPECT_EQ(0, std::memcmp(out.data(), t->data, out.size())) << src.name << " (" << type_name(t->type) << ")";
            ++compared;
        }
    }
    EXPECT_EQ(compared, 6 * 30 + 30);
}

// The whole imatrix Q4_K_M file (metadata included) through quantize_model_to_file.
TEST(QuantizeImatrixLlamaCpp, ImatrixMixFileIsByteIdentical) {
    QS_REQUIRE_SHARED(m1, kM1);
    QS_REQUIRE_SHARED(imatrix_path, kImatrix);
    QS_REQUIRE_SHARED(ref, "models/zoo/m1-mix-Q4_K_M-imat.gguf");
    const ImportanceMatrix imatrix = imatrix_read(imatrix_path);
    const std::string out = qs::test::temp_dir() + "/m1-mix-Q4_K_M-imat.gguf";
    Progress progress;
    quantize_model_to_file(GgufFile::open(m1), out, options_for(kZoo[6], imatrix), progress);
    EXPECT_TRUE(read_bytes(out) == read_bytes(ref)) << out << " differs from " << ref;
    fs::remove(out);
}

// Slow (about a minute on two loaded cores, the iq2 grid searches): every zoo file whole. Runs
// when QS_SLOW_TESTS=1.
TEST(QuantizeImatrixLlamaCpp, ZooFilesAreByteIdentical) {
    if (!std::getenv("QS_SLOW_TESTS")) GTEST_SKIP() << "slow: set QS_SLOW_TESTS=1 to quantize every zoo IQ file whole";
    QS_REQUIRE_SHARED(m1, kM1);
    QS_REQUIRE_SHARED(imatrix_path, kImatrix);
    const GgufFile source = GgufFile::open(m1);
    const ImportanceMatrix imatrix = imatrix_read(imatrix_path);
    for (const ZooFile& z : kZoo) {
        SCOPED_TRACE(z.file);
        QS_REQUIRE_SHARED(ref, std::string("models/zoo/") + z.file);
        const QuantizeModelOptions o = options_for(z, imatrix);
        const std::string out = qs::test::temp_dir() + "/" + z.file;
        Progress progress;
        const QuantizeModelReport report = quantize_model_to_file(source, out, o, progress);
        std::printf("  %-28s quantized in %.2f s\n", z.file, report.seconds);
        // Tensor by tensor first, for a message that names the first difference.
        const GgufFile ours = GgufFile::open(out), theirs = GgufFile::open(ref);
        ASSERT_EQ(ours.tensors().size(), theirs.tensors().size());
        for (size_t i = 0; i < ours.tensors().size(); ++i) {
            const GgufTensorInfo &a = ours.tensors()[i], &b = theirs.tensors()[i];
            ASSERT_EQ(a.name, b.name);
            EXPECT_EQ(a.type, b.type) << a.name;
            if (a.type != b.type || a.nbytes != b.nbytes) continue;
            size_t first = 0;
            while (first < a.nbytes && a.data[first] == b.data[first]) ++first;
            EXPECT_EQ(first, a.nbytes) << a.name << " (" << type_name(a.type) << ") differs from byte " << first << " (block "
                                       << first / type_traits(a.type).type_size << ")";
        }
        EXPECT_TRUE(read_bytes(out) == read_bytes(ref)) << "file " << out << " differs from " << ref;
        fs::remove(out);
    }
}

TEST(QuantizeImatrixLlamaCpp, ImatrixFileRoundTrips) {
    QS_REQUIRE_SHARED(imatrix_path, kImatrix);
    const ImportanceMatrix m = imatrix_read(imatrix_path);
    EXPECT_EQ(m.entries.size(), 28u);
    EXPECT_EQ(m.chunk_count, 20u);
    EXPECT_EQ(m.chunk_size, 128u);
    ASSERT_EQ(m.datasets.size(), 1u);
    EXPECT_EQ(m.datasets[0], "data/wikitext-2-raw/wiki.test.raw");
    const std::string out = qs::test::temp_dir() + "/roundtrip.imatrix.gguf";
    imatrix_write(m, out);
    EXPECT_TRUE(read_bytes(out) == read_bytes(imatrix_path)) << "imatrix_write differs from llama-imatrix's file";
}

}  // namespace

namespace {

// A GGUF with the given metadata and f32 tensors, for malformed-imatrix checks.
std::string write_imatrix_like(const std::string& name, const std::string& type,
                               const std::vector<std::pair<std::string, std::vector<int64_t>>>& tensors,
                               const std::vector<float>& values) {
    GgufWriter w;
    if (!type.empty()) w.set("general.type", GgufValue::str(type));
    w.set("imatrix.datasets", GgufValue::array(GgufType::STRING, {GgufValue::str("calibration.txt")}));
    w.set("imatrix.chunk_count", GgufValue::u32(2));
    w.set("imatrix.chunk_size", GgufValue::u32(64));
    for (const auto& [tname, ne] : tensors) {
        int64_t n = 1;
        for (int64_t d : ne) n *= d;
        w.add_tensor(tname, GgmlType::F32, ne, values.data(), size_t(n) * sizeof(float));
    }
    const std::string path = qs::test::temp_dir() + "/" + name;
    w.write(path);
    return path;
}

std::string read_error(const std::string& path) {
    try {
        imatrix_read(path);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

// Bad imatrix files give a message naming the file and the problem, never a crash.
TEST(Imatrix, MalformedFilesAreRefusedWithAMessage) {
    std::vector<float> v(64, 1.0f);
    const std::string ok = write_imatrix_like("ok.gguf", "imatrix", {{"blk.0.w.in_sum2", {4}}, {"blk.0.w.counts", {1}}}, v);
    const ImportanceMatrix m = imatrix_read(ok);
    ASSERT_EQ(m.entries.size(), 1u);
    EXPECT_EQ(m.weights_for("blk.0.w"), std::vector<float>(4, 1.0f));
    EXPECT_TRUE(m.weights_for("blk.1.w").empty());

    const std::string not_imatrix = write_imatrix_like("model.gguf", "model", {{"blk.0.w.in_sum2", {4}}, {"blk.0.w.counts", {1}}}, v);
    EXPECT_NE(read_error(not_imatrix).find("not an importance matrix"), std::string::npos) << read_error(not_imatrix);
    const std::string no_counts = write_imatrix_like("nocounts.gguf", "imatrix", {{"blk.0.w.in_sum2", {4}}}, v);
    EXPECT_NE(read_error(no_counts).find("has .in_sum2 but no .counts"), std::string::npos) << read_error(no_counts);
    const std::string bad_shape =
        write_imatrix_like("shape.gguf", "imatrix", {{"blk.0.w.in_sum2", {4, 2}}, {"blk.0.w.counts", {1}}}, v);
    EXPECT_NE(read_error(bad_shape).find("counts shape"), std::string::npos) << read_error(bad_shape);
    v[2] = std::nanf("");
    const std::string nan = write_imatrix_like("nan.gguf", "imatrix", {{"blk.0.w.in_sum2", {4}}, {"blk.0.w.counts", {1}}}, v);
    EXPECT_NE(read_error(nan).find("not finite"), std::string::npos) << read_error(nan);
    for (const std::string& p : {not_imatrix, no_counts, bad_shape, nan})
        EXPECT_NE(read_error(p).find(p), std::string::npos) << "the message names the file: " << read_error(p);
}

// weights_for: sums / count per matrix; a matrix that never saw a token weighs every column 1.
TEST(Imatrix, WeightsAreMeanSquaresAndOneWhereUnseen) {
    ImportanceMatrix m;
    ImatrixEntry e;
    e.n_per_row = 2;
    e.sums = {2.f, 4.f, 6.f, 8.f};
    e.counts = {2.f, 0.f};
    m.entries.emplace("blk.0.ffn_up_exps.weight", e);
    EXPECT_EQ(m.weights_for("blk.0.ffn_up_exps.weight"), (std::vector<float>{1.f, 2.f, 1.f, 1.f}));
}
