// Whole-model quantization (quant/quantize_model.h), precision recipes and the CLI's quantize.
//
// With ../shared: every file llama-quantize wrote for M1 (m1-pure-<T>, m1-mix-<T>) is reproduced
// byte for byte, and a model quantized in memory gives bitwise the same perplexity as llama.cpp's
// file of the same type. Without it: a small random f32 model written here.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <random>

#include "common/run_command.h"
#include "common/test_paths.h"
#include "core/cpu_features.h"
#include "core/fp16.h"
#include "eval/perplexity.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "model/model.h"
#include "quant/precision_recipe.h"
#include "quant/quantize.h"
#include "quant/quantize_model.h"
#include "tokenizer/tokenizer.h"

using namespace qs;
namespace fs = std::filesystem;

namespace {

constexpr const char* kM1 = "models/synthetic/llama-d256-spm512.gguf";

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

QuantizeModelOptions options_for(const std::string& recipe, int n_threads = 2) {
    QuantizeModelOptions o;
    o.mix = PrecisionRecipe::parse(recipe).options;
    o.n_threads = n_threads;
    return o;
}

// A small llama-shaped f32 model with random weights (rows of 256 so every K-quant fits).
struct TinyModel {
    std::string path;
    std::vector<std::vector<float>> data;  // keeps tensor bytes alive until written
};

TinyModel write_tiny_model(const std::string& path) {
    TinyModel m{path, {}};
    GgufWriter w;
    w.set("general.architecture", GgufValue::str("llama"));
    w.set("general.name", GgufValue::str("tiny"));
    w.set("general.file_type", GgufValue::u32(0));
    w.set("llama.block_count", GgufValue::u32(2));
    w.set("llama.embedding_length", GgufValue::u32(256));
    w.set("llama.feed_forward_length", GgufValue::u32(512));
    w.set("llama.attention.head_count", GgufValue::u32(4));
    w.set("llama.attention.head_count_kv", GgufValue::u32(2));
    w.set("tokenizer.ggml.model", GgufValue::str("llama"));
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(0.0f, 0.05f);
    auto add = [&](const std::string& name, std::vector<int64_t> ne) {
        int64_t n = 1;
        for (int64_t d : ne) n *= d;
        std::vector<float> v(static_cast<size_t>(n));
        for (float& x : v) x = ne.size() == 1 ? 1.0f + normal(rng) : normal(rng);
        m.data.push_back(std::move(v));
        w.add_tensor(name, GgmlType::F32, ne, m.data.back().data(), size_t(n) * sizeof(float));
    };
    m.data.reserve(32);
    add("token_embd.weight", {256, 64});
    add("output_norm.weight", {256});
    add("output.weight", {256, 64});
    for (int l = 0; l < 2; ++l) {
        const std::string b = "blk." + std::to_string(l) + ".";
        add(b + "attn_norm.weight", {256});
        add(b + "attn_q.weight", {256, 256});
        add(b + "attn_k.weight", {256, 128});
        add(b + "attn_v.weight", {256, 128});
        add(b + "attn_output.weight", {256, 256});
        add(b + "ffn_norm.weight", {256});
        add(b + "ffn_gate.weight", {256, 512});
        add(b + "ffn_up.weight", {256, 512});
        add(b + "ffn_down.weight", {512, 256});
    }
    w.write(path);
    return m;
}

const std::string& tiny_model_path() {
    static const std::string path = [] {
        const std::string p = qs::test::temp_dir() + "/tiny-f32.gguf";
        write_tiny_model(p);
        return p;
    }();
    return path;
}

}  // namespace

// ---- without ../shared --------------------------------------------------------------------------

TEST(QuantizeModel, TinyModelToFileKeepsShapesMetadataAndPlannedTypes) {
    const GgufFile source = GgufFile::open(tiny_model_path());
    for (const char* recipe_name : {"Q8_0", "Q4_K_M"}) {
        SCOPED_TRACE(recipe_name);
        const PrecisionRecipe recipe = PrecisionRecipe::parse(recipe_name);
        const std::string out = qs::test::temp_dir() + "/tiny-" + recipe_name + ".gguf";
        Progress progress;
        const QuantizeModelReport report = quantize_model_to_file(source, out, options_for(recipe_name), progress);
        const GgufFile q = GgufFile::open(out);

        // Metadata: the source's keys in order, then quantization_version and file_type last.
        std::vector<std::string> expected_keys;
        for (const auto& e : source.metadata())
            if (e.key != "general.file_type") expected_keys.push_back(e.key);
        expected_keys.push_back("general.quantization_version");
        expected_keys.push_back("general.file_type");
        std::vector<std::string> keys;
        for (const auto& e : q.metadata()) keys.push_back(e.key);
        EXPECT_EQ(keys, expected_keys);
        for (const auto& e : source.metadata())
            if (e.key != "general.file_type") {
                EXPECT_EQ(*q.find(e.key), e.value) << e.key;
            }
        EXPECT_EQ(q.get_int("general.file_type"), recipe.options.mix == QuantMix::Q8_0 ? 7 : 15);
        EXPECT_EQ(q.get_int("general.quantization_version"), 2);

        // Tensors: same shapes, the types the plan gives, norms kept bit for bit.
        std::vector<MixTensor> mix_tensors;
        for (const auto& t : source.tensors()) mix_tensors.push_back({t.name, t.ne, t.type});
        const auto plan = plan_tensor_types(recipe.options, mix_model_info_from_gguf(source), mix_tensors);
        ASSERT_EQ(q.tensors().size(), source.tensors().size());
        uint64_t data_bytes = 0;
        for (size_t i = 0; i < source.tensors().size(); ++i) {
            const auto& s = source.tensors()[i];
            const GgufTensorInfo* t = q.find_tensor(s.name);
            ASSERT_NE(t, nullptr) << s.name;
            EXPECT_EQ(t->ne, s.ne) << s.name;
            EXPECT_EQ(t->type, plan[i].type) << s.name;
            if (s.ne.size() == 1) {
                EXPECT_EQ(t->type, GgmlType::F32);
                EXPECT_EQ(0, std::memcmp(t->data, s.data, s.nbytes)) << s.name;
            } else {
                // The stored bytes are what quantize_rows makes of the source rows.
                std::vector<uint8_t> expect(row_size(t->type, s.ne[0]) * size_t(s.rows()));
                quantize_rows(t->type, reinterpret_cast<const float*>(s.data), expect.data(), s.rows(), s.ne[0]);
                ASSERT_EQ(t->nbytes, expect.size()) << s.name;
                EXPECT_EQ(0, std::memcmp(t->data, expect.data(), expect.size())) << s.name;
            }
            data_bytes += t->nbytes;
        }
        if (recipe.options.mix == QuantMix::Q4_K_M) {
            EXPECT_EQ(q.find_tensor("output.weight")->type, GgmlType::Q6_K);
            EXPECT_EQ(q.find_tensor("blk.0.attn_q.weight")->type, GgmlType::Q4_K);
        } else {
            EXPECT_EQ(q.find_tensor("blk.0.attn_q.weight")->type, GgmlType::Q8_0);
        }
        EXPECT_EQ(report.output_bytes, data_bytes);
        uint64_t source_bytes = 0;
        for (const auto& s : source.tensors()) source_bytes += s.nbytes;
        EXPECT_EQ(report.input_bytes, source_bytes);

        // The recipe's estimate, made before quantizing, matches what was written.
        const RecipeEstimate est = recipe.estimate(source);
        EXPECT_EQ(est.tensor_bytes, report.output_bytes);
        EXPECT_LE(std::llabs(int64_t(est.file_bytes) - int64_t(q.file_size())), int64_t(source.alignment()));
        EXPECT_EQ(est.type_counts, report.type_counts());
        EXPECT_DOUBLE_EQ(recipe.bits_per_weight(source), report.output_bits_per_weight());
        // ... and so does its estimate of the copies a Model packs at load on this CPU (computed
        // from shapes there, by packing here; zero on CPUs without the packed kernels).
        EXPECT_EQ(est.packed_bytes, Model::load(out)->packed_bytes());
        if (cpu_best_isa() == Isa::Avx512 && cpu_features().avx512vnni) {
            EXPECT_GT(est.packed_bytes, 0u);
        }
    }
}

TEST(QuantizeModel, InMemoryEqualsFileAndReturnsOnlyConvertedTensors) {
    const GgufFile source = GgufFile::open(tiny_model_path());
    const std::string out = qs::test::temp_dir() + "/tiny-mem-Q4_K_M.gguf";
    Progress p1, p2;
    quantize_model_to_file(source, out, options_for("Q4_K_M"), p1);
    const QuantizedWeights mem = quantize_model_in_memory(source, options_for("Q4_K_M", 1), p2);
    const GgufFile q = GgufFile::open(out);
    EXPECT_EQ(mem.tensors.size(), size_t(2 + 2 * 7));  // every 2-D tensor; no norms
    for (const auto& [name, owned] : mem.tensors) {
        const GgufTensorInfo* t = q.find_tensor(name);
        ASSERT_NE(t, nullptr) << name;
        EXPECT_EQ(owned.type, t->type) << name;
        EXPECT_EQ(owned.ne, t->ne) << name;
        ASSERT_EQ(owned.data.size(), t->nbytes) << name;
        EXPECT_EQ(0, std::memcmp(owned.data.data(), t->data, t->nbytes)) << name;
    }
}

// llama-quantize dequantizes non-f32 sources to f32 first: an f16 model quantizes to exactly what
// the f32 values of its f16 weights quantize to, and the "F32" mix turns it back into f32.
TEST(QuantizeModel, F16SourceIsDequantizedFirst) {
    const GgufFile f32_source = GgufFile::open(tiny_model_path());
    const std::string f16_path = qs::test::temp_dir() + "/tiny-f16.gguf";
    {
        Progress progress;
        quantize_model_to_file(f32_source, f16_path, options_for("F16"), progress);
    }
    const GgufFile f16 = GgufFile::open(f16_path);
    ASSERT_EQ(f16.find_tensor("blk.0.ffn_up.weight")->type, GgmlType::F16);
    for (const char* recipe : {"Q4_K_M", "F32"}) {
        SCOPED_TRACE(recipe);
        Progress progress;
        const QuantizedWeights q = quantize_model_in_memory(f16, options_for(recipe), progress);
        EXPECT_EQ(q.tensors.size(), size_t(2 + 2 * 7));
        for (const auto& [name, owned] : q.tensors) {
            const GgufTensorInfo* t = f16.find_tensor(name);
            std::vector<float> values(size_t(t->n_elements()));
            for (size_t i = 0; i < values.size(); ++i)
                values[i] = fp16_to_fp32(reinterpret_cast<const uint16_t*>(t->data)[i]);
            std::vector<uint8_t> expect(row_size(owned.type, t->ne[0]) * size_t(t->rows()));
            quantize_rows(owned.type, values.data(), expect.data(), t->rows(), t->ne[0]);
            EXPECT_EQ(owned.data, expect) << name;
        }
    }
}

// The extension point for QuantScope's own formats: an override to one of them quantizes in
// memory (for evaluation); GGUF files for llama.cpp cannot hold them, so the file output refuses.
TEST(QuantizeModel, OwnFormatsWorkInMemoryThroughOverrides) {
    const GgufFile source = GgufFile::open(tiny_model_path());
    for (const char* name : {"nf4", "int8_row", "fp8_e4m3"}) {
        SCOPED_TRACE(name);
        const std::optional<GgmlType> type = type_from_name(name);
        if (!type || !quantize_supported(*type)) GTEST_SKIP() << name << " not available in this build";
        const std::string recipe = std::string("Q8_0+.*=") + name;
        Progress progress;
        const QuantizedWeights q = quantize_model_in_memory(source, options_for(recipe), progress);
        EXPECT_EQ(q.tensors.size(), size_t(2 + 2 * 7));
        for (const auto& [tensor_name, owned] : q.tensors) {
            EXPECT_EQ(owned.type, *type) << tensor_name;
            const GgufTensorInfo* t = source.find_tensor(tensor_name);
            std::vector<uint8_t> expect(row_size(*type, t->ne[0]) * size_t(t->rows()));
            quantize_rows(*type, reinterpret_cast<const float*>(t->data), expect.data(), t->rows(), t->ne[0]);
            EXPECT_EQ(owned.data, expect) << tensor_name;
        }
        const std::string out = qs::test::temp_dir() + "/tiny-" + name + ".gguf";
        Progress untouched;
        try {
            quantize_model_to_file(source, out, options_for(recipe), untouched);
            ADD_FAILURE() << "no error";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find(out), std::string::npos) << e.what();
        }
        EXPECT_EQ(untouched.total(), 0) << "refused before quantizing";
        EXPECT_FALSE(fs::exists(out));
    }
}

TEST(QuantizeModel, ProgressReachesTotal) {
    const GgufFile source = GgufFile::open(tiny_model_path());
    int64_t last_done = -1, last_total = -1, calls = 0;
    Progress progress([&](int64_t done, int64_t total, const std::string&) {
        EXPECT_GE(done, last_done);
        last_done = done;
        last_total = total;
        ++calls;
    });
    const QuantizedWeights r = quantize_model_in_memory(source, options_for("Q4_K_M"), progress);
    EXPECT_GT(calls, int64_t(source.tensors().size()));
    EXPECT_EQ(last_total, int64_t(r.report.input_bytes));
    EXPECT_EQ(last_done, last_total);
}

TEST(QuantizeModel, CancellationThrowsAndLeavesNoFile) {
    const GgufFile source = GgufFile::open(tiny_model_path());
    const std::string out = qs::test::temp_dir() + "/tiny-cancelled.gguf";
    Progress* self = nullptr;
    Progress progress([&](int64_t done, int64_t total, const std::string&) {
        if (done > 0 && done < total / 2) self->cancel();
    });
    self = &progress;
    EXPECT_THROW(quantize_model_to_file(source, out, options_for("Q4_K_M"), progress), Cancelled);
    EXPECT_LT(progress.done(), progress.total());
    EXPECT_FALSE(fs::exists(out));
    EXPECT_FALSE(fs::exists(out + ".tmp"));
}

TEST(QuantizeModel, OverridesApply) {
    const GgufFile source = GgufFile::open(tiny_model_path());
    Progress p1, p2;
    const QuantizedWeights plain = quantize_model_in_memory(source, options_for("Q4_K_M"), p1);
    const QuantizedWeights over =
        quantize_model_in_memory(source, options_for("Q4_K_M+ffn_down=q8_0+attn_[qk]\\.=q5_0"), p2);
    for (const auto& [name, t] : over.tensors) {
        SCOPED_TRACE(name);
        if (name.find("ffn_down") != std::string::npos) {
            EXPECT_EQ(t.type, GgmlType::Q8_0);
        } else if (name.find("attn_q.") != std::string::npos || name.find("attn_k.") != std::string::npos) {
            EXPECT_EQ(t.type, GgmlType::Q5_0);
        } else {
            // Untouched tensors are exactly as without overrides.
            EXPECT_EQ(t.type, plain.tensors.at(name).type);
            EXPECT_EQ(t.data, plain.tensors.at(name).data);
        }
    }
    EXPECT_EQ(over.report.type_counts().at("q8_0"), 2);
    EXPECT_EQ(over.report.type_counts().at("q5_0"), 4);
}

TEST(QuantizeModel, ErrorsNameTheFile) {
    const GgufFile source = GgufFile::open(tiny_model_path());
    Progress progress;
    // The output directory does not exist.
    const std::string bad_out = qs::test::temp_dir() + "/no/such/dir/out.gguf";
    try {
        quantize_model_to_file(source, bad_out, options_for("Q8_0"), progress);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(bad_out), std::string::npos) << e.what();
    }
    // Writing over the model being read.
    EXPECT_THROW(quantize_model_to_file(source, source.path(), options_for("Q8_0"), progress), Error);
}

TEST(PrecisionRecipe, ParsesAndRoundTrips) {
    const PrecisionRecipe r = PrecisionRecipe::parse("q4_k_m+ffn_down=Q8_0+output=q6_K+pure");
    EXPECT_EQ(r.options.mix, QuantMix::Q4_K_M);
    EXPECT_TRUE(r.options.pure);
    ASSERT_EQ(r.options.overrides.size(), 1u);
    EXPECT_EQ(r.options.overrides[0].pattern, "ffn_down");
    EXPECT_EQ(r.options.overrides[0].type, GgmlType::Q8_0);
    EXPECT_EQ(r.options.output_tensor_type, GgmlType::Q6_K);
    const PrecisionRecipe again = PrecisionRecipe::parse(r.to_string());
    EXPECT_EQ(again.to_string(), r.to_string());
    EXPECT_EQ(again.options.overrides[0].type, GgmlType::Q8_0);
    EXPECT_NE(r.describe().find("q4_K"), std::string::npos);
    EXPECT_NE(r.describe().find("ffn_down"), std::string::npos);

    EXPECT_THROW(PrecisionRecipe::parse("Q9_K"), Error);
    EXPECT_THROW(PrecisionRecipe::parse("Q4_K_M+ffn_down=q9_9"), Error);
    EXPECT_THROW(PrecisionRecipe::parse("Q4_K_M+ffn_down"), Error);
    EXPECT_THROW(PrecisionRecipe::parse("Q4_K_M+(=q8_0"), Error);

    std::vector<std::string> names;
    for (const PrecisionRecipe& p : precision_presets()) names.push_back(p.name);
    EXPECT_EQ(names, (std::vector<std::string>{"F32", "F16", "BF16", "Q8_0", "Q6_K", "Q5_K_M", "Q5_K_S", "Q4_K_M",
                                               "Q4_K_S", "Q3_K_L", "Q3_K_M", "Q3_K_S", "Q2_K", "Q5_1", "Q5_0", "Q4_1",
                                               "Q4_0", "IQ4_XS", "IQ4_NL", "IQ3_M", "IQ3_S", "IQ3_XS", "IQ3_XXS",
                                               "IQ2_M", "IQ2_S", "IQ2_XS", "IQ2_XXS", "NF4", "FP8 E4M3", "FP8 E5M2",
                                               "INT8 per channel", "INT4 g128"}));
    for (const PrecisionRecipe& p : precision_presets()) {
        EXPECT_FALSE(p.summary.empty()) << p.name;
        EXPECT_EQ(p.summary.find('\n'), std::string::npos) << p.name;  // one line
    }
}

TEST(PrecisionRecipe, QuantScopeFormatsArePresetsReachableByName) {
    const struct {
        const char* name;
        GgmlType type;
    } cases[] = {{"NF4", GgmlType(1000)}, {"fp8 e4m3", GgmlType(1001)}, {"FP8 E5M2", GgmlType(1002)},
                 {"INT8 per channel", GgmlType(1003)}, {"int4 g128", GgmlType(1004)}};
    for (const auto& c : cases) {
        const PrecisionRecipe r = PrecisionRecipe::parse(c.name);
        // Every weight matrix in the format: one override matching every name.
        ASSERT_EQ(r.options.overrides.size(), 1u) << c.name;
        EXPECT_EQ(r.options.overrides[0].pattern, ".*");
        EXPECT_EQ(r.options.overrides[0].type, c.type) << c.name;
        EXPECT_FALSE(r.summary.empty());
        EXPECT_NE(r.describe().find(r.summary), std::string::npos);
        // The recipe string is the identity; it parses back to the same options.
        EXPECT_EQ(PrecisionRecipe::parse(r.to_string()).to_string(), r.to_string());
    }
    EXPECT_EQ(PrecisionRecipe::parse("nf4").name, "NF4");
    EXPECT_THROW(PrecisionRecipe::parse("NF5"), Error);
}

// ---- with ../shared: llama-quantize's own files -------------------------------------------------

TEST(QuantizeModelLlamaCpp, M1FilesAreByteIdentical) {
    QS_REQUIRE_SHARED(m1, kM1);
    QS_REQUIRE_SHARED(ref_json, "reference/m1.json");
    std::ifstream in(ref_json);
    const nlohmann::json runs = nlohmann::json::parse(in)["quantize"];
    const GgufFile source = GgufFile::open(m1);
    int compared = 0;
    for (const auto& [label, run] : runs.items()) {
        SCOPED_TRACE(label);
        const bool pure = label.rfind("pure_", 0) == 0;
        const std::string type = label.substr(label.find('_') + 1);
        const std::string ref_file = qs::test::shared_path(
            "models/synthetic/m1-quantized/m1-" + std::string(pure ? "pure-" : "mix-") + type + ".gguf");
        ASSERT_FALSE(ref_file.empty());
        const std::string out = qs::test::temp_dir() + "/m1-" + label + ".gguf";
        Progress progress;
        quantize_model_to_file(source, out, options_for(type + (pure ? "+pure" : "")), progress);
        const std::string ours = read_bytes(out), theirs = read_bytes(ref_file);
        EXPECT_EQ(ours.size(), run["output_size_bytes"].get<size_t>());
        EXPECT_TRUE(ours == theirs) << out << " differs from " << ref_file;
        fs::remove(out);
        ++compared;
    }
    EXPECT_EQ(compared, 16);
}

// The other architectures' files llama-quantize made (../shared/models/zoo): the per-architecture
// mix rules (gemma3's 128-column attn_output falling back to q5_0, qwen3moe's router kept F32 and
// its 3-D expert tensors, phi3's fused attn_qkv counted as attn_v) give the same bytes.
TEST(QuantizeModelLlamaCpp, ZooFilesAreByteIdentical) {
    for (const char* stem : {"qwen3-d256-bpe4k", "gemma3-d256-spm512", "phi3-d256-spm512", "gemma2-d256-spm512",
                             "qwen3moe-d256-spm512"}) {
        QS_REQUIRE_SHARED(src, std::string("models/zoo/") + stem + ".gguf");
        const GgufFile source = GgufFile::open(src);
        for (const char* type : {"Q8_0", "Q4_K_M"}) {
            SCOPED_TRACE(std::string(stem) + " " + type);
            QS_REQUIRE_SHARED(ref_file, std::string("models/zoo/") + stem + "-" + type + ".gguf");
            const std::string out = qs::test::temp_dir() + "/" + stem + "-" + type + ".gguf";
            Progress progress;
            quantize_model_to_file(source, out, options_for(type), progress);
            EXPECT_TRUE(read_bytes(out) == read_bytes(ref_file)) << out << " differs from " << ref_file;
            fs::remove(out);
        }
    }
}

TEST(QuantizeModelLlamaCpp, InMemoryPerplexityEqualsLlamaCppFile) {
    QS_REQUIRE_SHARED(m1, kM1);
    QS_REQUIRE_SHARED(text_path, "data/wikitext-2-raw/wiki.test.raw");
    const auto f32 = Model::load(m1);
    const auto tokenizer = Tokenizer::from_gguf(f32->file());
    std::string text = perplexity_read_text(text_path);
    text.resize(std::min<size_t>(text.size(), 40000));
    const std::vector<int32_t> tokens = tokenizer->encode(text, true);
    PerplexityOptions popts;
    popts.n_ctx = 128;
    popts.max_chunks = 3;
    auto ppl_of = [&](std::shared_ptr<const Model> model) {
        ModelContext ctx(std::move(model), popts.n_ctx);
        Progress progress;
        return perplexity_run(ctx, *tokenizer, tokens, popts, progress);
    };
    for (const auto& [recipe, file] : std::vector<std::pair<std::string, std::string>>{
             {"Q4_K_M", "m1-mix-Q4_K_M.gguf"}, {"Q8_0+pure", "m1-pure-Q8_0.gguf"}, {"Q4_0+pure", "m1-pure-Q4_0.gguf"},
             {"Q2_K", "m1-mix-Q2_K.gguf"}}) {
        SCOPED_TRACE(recipe);
        QS_REQUIRE_SHARED(ref_path, "models/synthetic/m1-quantized/" + file);
        Progress progress;
        QuantizedWeights q = quantize_model_in_memory(f32->file(), options_for(recipe), progress);
        const PerplexityResult ours = ppl_of(Model::with_weights(*f32, std::move(q.tensors)));
        const PerplexityResult theirs = ppl_of(Model::load(ref_path));
        ASSERT_EQ(ours.chunks, 3);
        std::printf("  %-10s PPL ours %.17g, llama.cpp file %.17g (%d chunks of %d)\n", recipe.c_str(), ours.ppl,
                    theirs.ppl, ours.chunks, popts.n_ctx);
        EXPECT_EQ(ours.ppl, theirs.ppl);  // bitwise: same weights, same kernels
        EXPECT_EQ(ours.running_ppl, theirs.running_ppl);
        EXPECT_EQ(ours.token_nll, theirs.token_nll);
        // And quantization made a difference the measurement can see.
        if (recipe == "Q2_K") {
            EXPECT_NE(ours.ppl, ppl_of(f32).ppl);
        }
    }
}

// ---- the CLI ------------------------------------------------------------------------------------

#ifdef QS_CLI_PATH
using qs::test::run_command;

TEST(QuantizeCli, WritesTheSameFileAsTheEngineAndReportsJson) {
    const GgufFile source = GgufFile::open(tiny_model_path());
    const std::string dir = qs::test::temp_dir();
    const std::string cli_out = dir + "/cli-q4km.gguf", api_out = dir + "/api-q4km.gguf";
    std::string output;
    ASSERT_EQ(run_command(fmt::format("'{}' quantize -m '{}' --type Q4_K_M --override ffn_down=q8_0 -o '{}' -t 2 --json",
                                      QS_CLI_PATH, tiny_model_path(), cli_out),
                          output),
              0)
        << output;
    Progress progress;
    const QuantizeModelReport r =
        quantize_model_to_file(source, api_out, options_for("Q4_K_M+ffn_down=q8_0"), progress);
    EXPECT_TRUE(read_bytes(cli_out) == read_bytes(api_out));
    const nlohmann::json j = nlohmann::json::parse(output.substr(output.find('{')));
    EXPECT_EQ(j["out"], cli_out);
    EXPECT_EQ(j["type"], "Q4_K_M+ffn_down=q8_0");
    EXPECT_EQ(j["input_bytes"].get<uint64_t>(), r.input_bytes);
    EXPECT_EQ(j["output_bytes"].get<uint64_t>(), r.output_bytes);
    EXPECT_EQ(j["tensor_types"]["q8_0"].get<int>(), 2);
    EXPECT_DOUBLE_EQ(j["bits_per_weight"].get<double>(), r.output_bits_per_weight());

    std::string err;
    EXPECT_EQ(run_command(fmt::format("'{}' quantize -m '{}' --type Q9_X -o '{}/x.gguf'", QS_CLI_PATH,
                                      tiny_model_path(), dir),
                          err),
              1);
    EXPECT_NE(err.find("Q9_X"), std::string::npos) << err;
}
#endif
