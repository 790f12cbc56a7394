// Hugging Face checkpoints opened directly (../shared/models/hf), against what convert_hf_to_gguf.py
// made of them (models/hf/gguf/*.gguf, the "twins") and llama.cpp's figures on those twins
// (reference/hf.json):
//   - every tensor byte for byte equal to the twin's (names, types, shapes; llama's Q/K permuted,
//     norms F32, BF16/F16 matrices as stored), and the metadata that decides the computation;
//   - the tokenizer built from tokenizer.json gives llama-tokenize's ids of the whole wiki.test.raw;
//   - running perplexity within 0.05 % of llama.cpp's on the twin;
//   - `quantscope-cli convert` writes a GGUF with the same tensors, which loads and computes the same;
//   - a checkpoint with a missing config key, a hostile weight file or an unknown tokenizer model
//     is refused with the file and the reason.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/run_command.h"
#include "common/test_paths.h"
#include "eval/perplexity.h"
#include "hf/hf_checkpoint.h"
#include "hf/safetensors_file.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace qs::test {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Tensor by tensor: same set of names, types, shapes and bytes.
void expect_same_tensors(const GgufFile& ours, const GgufFile& twin) {
    EXPECT_EQ(ours.tensors().size(), twin.tensors().size());
    for (const GgufTensorInfo& t : twin.tensors()) {
        const GgufTensorInfo* o = ours.find_tensor(t.name);
        ASSERT_NE(o, nullptr) << t.name;
        EXPECT_EQ(o->type, t.type) << t.name;
        EXPECT_EQ(o->ne, t.ne) << t.name;
        ASSERT_EQ(o->nbytes, t.nbytes) << t.name;
        EXPECT_EQ(std::memcmp(o->data, t.data, t.nbytes), 0) << t.name << " differs from the converter's";
    }
}

// Every metadata key of the twin except the converter's naming guesses (general.name from the
// directory, size_label) and sampling defaults, which change nothing computed.
void expect_same_metadata(const GgufFile& ours, const GgufFile& twin) {
    for (const GgufMetadataEntry& e : twin.metadata()) {
        if (e.key == "general.name" || e.key == "general.size_label" || e.key.rfind("general.sampling.", 0) == 0) continue;
        const GgufValue* v = ours.find(e.key);
        ASSERT_NE(v, nullptr) << "missing " << e.key;
        EXPECT_TRUE(*v == e.value) << e.key << ": ours " << v->to_display_string() << ", converter " << e.value.to_display_string();
    }
}

std::vector<int32_t> read_ids(const std::string& path) {
    std::vector<int32_t> ids;
    const std::string text = slurp(path);
    const char* s = text.c_str();
    while (*s && *s != '[') ++s;
    while (*s) {
        char* next = nullptr;
        const long v = std::strtol(s + 1, &next, 10);
        if (next == s + 1) break;
        ids.push_back(int32_t(v));
        s = next;
        while (*s == ' ') ++s;
        if (*s != ',') break;
    }
    return ids;
}

class Fixture : public ::testing::TestWithParam<std::string> {};

TEST_P(Fixture, TensorsAndMetadataEqualTheConvertersGguf) {
    QS_REQUIRE_SHARED(dir, "models/hf/" + GetParam());
    QS_REQUIRE_SHARED(twin_path, "models/hf/gguf/" + GetParam() + ".gguf");
    const GgufFile ours = hf_checkpoint_open(dir);
    const GgufFile twin = GgufFile::open(twin_path);
    expect_same_tensors(ours, twin);
    expect_same_metadata(ours, twin);
}

TEST_P(Fixture, TokenizerGivesLlamaTokenizeIds) {
    QS_REQUIRE_SHARED(dir, "models/hf/" + GetParam());
    QS_REQUIRE_SHARED(ids_path, "models/hf/ids/" + GetParam() + ".wiki.ids");
    QS_REQUIRE_SHARED(text_path, "data/wikitext-2-raw/wiki.test.raw");
    const GgufFile f = hf_checkpoint_open(dir);
    const auto tok = Tokenizer::from_gguf(f);
    const std::vector<int32_t> expected = read_ids(ids_path);
    const std::vector<int32_t> got = tok->encode(slurp(text_path), true);
    ASSERT_EQ(got.size(), expected.size());
    size_t first_diff = 0;
    while (first_diff < got.size() && got[first_diff] == expected[first_diff]) ++first_diff;
    EXPECT_EQ(first_diff, got.size()) << "first different id at " << first_diff;
}

// llama.cpp's running perplexity of the twin (default flags: F16 KV cache, flash attention).
// 0.05 % is the bound; the fixtures' README measured llama.cpp's own arithmetic noise
// against an exact pass at <= 9e-4 on single 63-token chunks of the BF16 model, so values over
// fewer than 250 scored tokens are not compared.
TEST_P(Fixture, PerplexityMatchesLlamaCppOnTheTwin) {
    QS_REQUIRE_SHARED(dir, "models/hf/" + GetParam());
    QS_REQUIRE_SHARED(ref_path, "reference/hf.json");
    QS_REQUIRE_SHARED(text_path, "data/wikitext-2-raw/wiki.test.raw");
    const json ref = json::parse(slurp(ref_path))["fixtures"][GetParam()];
    const auto model = Model::load(dir);  // the directory itself
    const auto tok = Tokenizer::from_gguf(model->file());
    // The first 512 tokens need only the start of the text (cut at a line end, where the
    // pre-tokenizers always split, so those tokens are the whole file's).
    std::string text = perplexity_read_text(text_path);
    text.resize(text.find('\n', 20000) + 1);
    const std::vector<int32_t> tokens = tok->encode(text, true);
    for (const auto& [key, n_ctx, chunks] : {std::tuple{"ppl_c128x40", 128, 4}, std::tuple{"ppl_c512x10", 512, 1}}) {
        ModelContext ctx(model, n_ctx);
        Progress progress;
        const PerplexityResult r = perplexity_run(ctx, *tok, tokens, {n_ctx, chunks}, progress);
        const auto& running = ref[key]["running_ppl"];
        const int64_t per_chunk = n_ctx - n_ctx / 2 - 1;
        for (size_t i = 0; i < r.running_ppl.size(); ++i) {
            const double want = running[i].get<double>();
            std::printf("[ hf ] %s %s chunk %zu: ours %.4f, llama.cpp %.4f (%+.4f %%)\n", GetParam().c_str(), key, i + 1,
                        r.running_ppl[i], want, 100 * (r.running_ppl[i] / want - 1));
            if (int64_t(i + 1) * per_chunk >= 250) {
                EXPECT_NEAR(r.running_ppl[i], want, 5e-4 * want) << key << " chunk " << i + 1;
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Hf, Fixture, ::testing::Values("smollm2-arch", "qwen3-arch"));

#ifdef QS_CLI_PATH
TEST_P(Fixture, ConvertWritesTheTwinsTensorsAndTheFileComputesTheSame) {
    QS_REQUIRE_SHARED(dir, "models/hf/" + GetParam());
    QS_REQUIRE_SHARED(twin_path, "models/hf/gguf/" + GetParam() + ".gguf");
    const std::string out = temp_dir() + "/" + GetParam() + ".gguf";
    std::string log;
    ASSERT_EQ(run_command("'" + std::string(QS_CLI_PATH) + "' -q convert --model '" + dir + "' --out '" + out + "'", log), 0) << log;
    const GgufFile written = GgufFile::open(out);
    const GgufFile twin = GgufFile::open(twin_path);
    expect_same_tensors(written, twin);
    expect_same_metadata(written, twin);

    // The written file and the directory give the same logits (the same bytes, read two ways).
    const auto from_file = Model::load(out), from_dir = Model::load(dir);
    const auto tokens = std::vector<int32_t>{11, 220, 1000, 42, 7, 3000, 15, 16, 99, 5};
    std::vector<float> a(tokens.size() * size_t(from_file->hparams().n_vocab)), b(a.size());
    const std::vector<uint8_t> want(tokens.size(), 1);
    ModelContext ca(from_file, 16), cb(from_dir, 16);
    ca.decode(tokens, want, a.data());
    cb.decode(tokens, want, b.data());
    EXPECT_EQ(a, b);

    // --type quantizes in the same step: the tensors llama-quantize's rules give the converter's file.
    const std::string q_ours = temp_dir() + "/" + GetParam() + "-conv-q8.gguf", q_twin = temp_dir() + "/" + GetParam() + "-twin-q8.gguf";
    ASSERT_EQ(run_command("'" + std::string(QS_CLI_PATH) + "' -q convert --model '" + dir + "' --out '" + q_ours + "' --type Q8_0", log), 0) << log;
    ASSERT_EQ(run_command("'" + std::string(QS_CLI_PATH) + "' -q quantize -m '" + twin_path + "' -o '" + q_twin + "' --type Q8_0", log), 0) << log;
    expect_same_tensors(GgufFile::open(q_ours), GgufFile::open(q_twin));
}
#endif

// ---- refusals ----

std::string copy_fixture(const std::string& name) {
    const std::string src = shared_path("models/hf/" + name);
    static int copies = 0;
    const std::string dst = temp_dir() + "/copy-" + std::to_string(++copies) + "-" + name;
    fs::remove_all(dst);
    fs::create_directories(dst);
    for (const auto& e : fs::directory_iterator(src)) fs::copy_file(e.path(), fs::path(dst) / e.path().filename());
    return dst;
}

std::string open_error(const std::string& dir) {
    try {
        (void)hf_checkpoint_open(dir);
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

void write_file(const std::string& path, const std::string& text) {
    fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// A checkpoint split into shards (model.safetensors.index.json) reads as the single file does.
// The shards are written here from the fixture's tensors: half the tensors each.
void write_safetensors(const std::string& path, const std::vector<const SafetensorsTensor*>& tensors) {
    json header = json::object();
    std::string data;
    for (const SafetensorsTensor* t : tensors) {
        header[t->name] = {{"dtype", t->dtype}, {"shape", t->shape}, {"data_offsets", {data.size(), data.size() + t->nbytes}}};
        data.append(reinterpret_cast<const char*>(t->data), t->nbytes);
    }
    const std::string h = header.dump();
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i) out[size_t(i)] = char(uint64_t(h.size()) >> (8 * i));
    std::ofstream(path, std::ios::binary) << out << h << data;
}

std::string shard_fixture(const std::string& name, const std::function<void(json&)>& edit_index = {}) {
    const std::string d = copy_fixture(name);
    const SafetensorsFile whole = SafetensorsFile::open(d + "/model.safetensors");
    std::vector<const SafetensorsTensor*> parts[2];
    json index = {{"metadata", {{"total_size", 0}}}, {"weight_map", json::object()}};
    for (size_t i = 0; i < whole.tensors().size(); ++i) {
        parts[i % 2].push_back(&whole.tensors()[i]);
        index["weight_map"][whole.tensors()[i].name] = i % 2 ? "model-00002-of-00002.safetensors" : "model-00001-of-00002.safetensors";
    }
    write_safetensors(d + "/model-00001-of-00002.safetensors", parts[0]);
    write_safetensors(d + "/model-00002-of-00002.safetensors", parts[1]);
    if (edit_index) edit_index(index);
    std::ofstream(d + "/model.safetensors.index.json") << index.dump();
    fs::remove(d + "/model.safetensors");
    return d;
}

TEST(HfShards, ShardedCheckpointEqualsTheSingleFile) {
    QS_REQUIRE_SHARED(single, "models/hf/qwen3-arch");
    const std::string sharded = shard_fixture("qwen3-arch");
    expect_same_tensors(hf_checkpoint_open(sharded), hf_checkpoint_open(single));
    // An index that lies about where a tensor is, or points outside the directory, is refused.
    const std::string lying = shard_fixture("qwen3-arch", [](json& index) {
        index["weight_map"]["model.norm.weight"] = index["weight_map"]["model.norm.weight"] == "model-00001-of-00002.safetensors"
                                                       ? "model-00002-of-00002.safetensors"
                                                       : "model-00001-of-00002.safetensors";
    });
    EXPECT_NE(open_error(lying).find("'model.norm.weight' is listed in the index under"), std::string::npos) << open_error(lying);
    const std::string escaping = shard_fixture("qwen3-arch", [](json& index) { index["weight_map"]["lm_head.weight"] = "../x.safetensors"; });
    EXPECT_NE(open_error(escaping).find("is not a file in the checkpoint directory"), std::string::npos) << open_error(escaping);
}

TEST(HfRefusals, EachProblemIsNamed) {
    QS_REQUIRE_SHARED(src, "models/hf/qwen3-arch");
    {
        const std::string d = copy_fixture("qwen3-arch");
        json cfg = json::parse(slurp(d + "/config.json"));
        cfg.erase("intermediate_size");
        write_file(d + "/config.json", cfg.dump());
        const std::string e = open_error(d);
        EXPECT_NE(e.find("config.json: missing key 'intermediate_size'"), std::string::npos) << e;
    }
    {
        const std::string d = copy_fixture("qwen3-arch");
        json tok = json::parse(slurp(d + "/tokenizer.json"));
        tok["model"]["type"] = "WordPiece";
        write_file(d + "/tokenizer.json", tok.dump());
        const std::string e = open_error(d);
        EXPECT_NE(e.find("tokenizer.json: tokenizer model 'WordPiece' is not supported"), std::string::npos) << e;
    }
    {
        const std::string d = copy_fixture("qwen3-arch");
        std::string w = slurp(d + "/model.safetensors");
        w[0] = char(0xff), w[7] = char(0x7f);  // header length 2^63-ish
        write_file(d + "/model.safetensors", w);
        const std::string e = open_error(d);
        EXPECT_NE(e.find("model.safetensors: safetensors header length"), std::string::npos) << e;
    }
    {
        const std::string d = copy_fixture("qwen3-arch");
        fs::remove(d + "/model.safetensors");
        EXPECT_NE(open_error(d).find("no model.safetensors or model.safetensors.index.json"), std::string::npos);
    }
    {
        const std::string d = copy_fixture("qwen3-arch");
        fs::remove(d + "/tokenizer.json");
        EXPECT_NE(open_error(d).find("tokenizer.json: cannot open"), std::string::npos);
    }
}

// A tokenizer.json field of an unexpected JSON type, wherever it is, gives a qs::Error naming the
// file (never nlohmann's own exception or a crash).
TEST(HfRefusals, TokenizerFieldsOfTheWrongTypeAreNamed) {
    QS_REQUIRE_SHARED(src, "models/hf/qwen3-arch");
    const std::string d = copy_fixture("qwen3-arch");
    const json original = json::parse(slurp(d + "/tokenizer.json"));
    for (const char* pointer : {"/pre_tokenizer/type", "/pre_tokenizer", "/pre_tokenizer/pretokenizers/0/pattern", "/model/type",
                                "/model/merges", "/model/merges/0", "/model/vocab", "/model/byte_fallback", "/added_tokens",
                                "/added_tokens/0/special", "/post_processor", "/post_processor/type"}) {
        json tok = original;
        tok[json::json_pointer(pointer)] = 5;
        write_file(d + "/tokenizer.json", tok.dump());
        try {
            (void)hf_checkpoint_open(d);
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("tokenizer.json"), std::string::npos) << pointer << ": " << e.what();
        } catch (const std::exception& e) {
            ADD_FAILURE() << pointer << ": not a qs::Error: " << e.what();
        }
    }
}

// ---- Llama 3.x ----

// Llama 3.1's rope_scaling becomes rope_freqs.weight, the converter's first tensor: each frequency's
// divisor, here checked against transformers' definition in double (inv_freq kept below
// original_context / high_freq_factor wavelengths, divided by `factor` above original_context /
// low_freq_factor, interpolated between). rope_theta 5e5 and head_dim 16 put frequencies in all
// three bands.
TEST(HfLlama3, RopeScalingBecomesRopeFreqs) {
    QS_REQUIRE_SHARED(src, "models/hf/smollm2-arch");
    const std::string d = copy_fixture("smollm2-arch");
    json cfg = json::parse(slurp(d + "/config.json"));
    cfg["rope_theta"] = 500000.0;
    cfg["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 8.0}, {"low_freq_factor", 1.0}, {"high_freq_factor", 4.0},
                           {"original_max_position_embeddings", 8192}};
    write_file(d + "/config.json", cfg.dump());
    const GgufFile f = hf_checkpoint_open(d);
    ASSERT_FALSE(f.tensors().empty());
    const GgufTensorInfo& t = f.tensors().front();
    EXPECT_EQ(t.name, "rope_freqs.weight");
    ASSERT_EQ(t.type, GgmlType::F32);
    const int64_t head_dim = 16;
    ASSERT_EQ(t.ne, std::vector<int64_t>{head_dim / 2});
    int bands[3] = {0, 0, 0};
    for (int64_t i = 0; i < head_dim / 2; ++i) {
        const double inv_freq = std::pow(500000.0, -2.0 * double(i) / double(head_dim));
        const double wavelen = 2.0 * M_PI / inv_freq, low_wavelen = 8192.0 / 1.0, high_wavelen = 8192.0 / 4.0;
        double scaled = inv_freq;  // transformers' _compute_llama3_parameters
        if (wavelen > low_wavelen) {
            scaled = inv_freq / 8.0, ++bands[2];
        } else if (wavelen >= high_wavelen) {
            const double smooth = (8192.0 / wavelen - 1.0) / (4.0 - 1.0);
            scaled = (1.0 - smooth) * inv_freq / 8.0 + smooth * inv_freq, ++bands[1];
        } else {
            ++bands[0];
        }
        float got;
        std::memcpy(&got, t.data + 4 * i, 4);
        EXPECT_NEAR(got, inv_freq / scaled, 1e-5 * (inv_freq / scaled)) << "frequency " << i;
    }
    EXPECT_GT(bands[0], 0);
    EXPECT_GT(bands[1], 0);
    EXPECT_GT(bands[2], 0);
    // The model takes it (a frequency divisor per rotated pair) and runs.
    const auto model = Model::load(d);
    ModelContext ctx(model, 16);
    std::vector<float> logits(size_t(model->hparams().n_vocab));
    const std::vector<int32_t> tokens = {1, 2, 3};
    const std::vector<uint8_t> want = {0, 0, 1};
    ctx.decode(tokens, want, logits.data());
    EXPECT_TRUE(std::isfinite(logits[0]));
}

// Llama 3's tokenizer_config.json has no add_bos_token: its tokenizer.json's post-processor
// template (<|begin_of_text|> $A) is what says a BOS is added, and gguf-py reads it there.
TEST(HfLlama3, PostProcessorTemplateDecidesBosAndEos) {
    QS_REQUIRE_SHARED(src, "models/hf/qwen3-arch");
    const std::string d = copy_fixture("qwen3-arch");
    json tcfg = json::parse(slurp(d + "/tokenizer_config.json"));
    tcfg.erase("add_bos_token");
    tcfg["bos_token"] = "<|endoftext|>";
    write_file(d + "/tokenizer_config.json", tcfg.dump());
    json tok = json::parse(slurp(d + "/tokenizer.json"));
    const json bos_first = {{"type", "TemplateProcessing"},
                            {"single", {{{"SpecialToken", {{"id", "<|endoftext|>"}, {"type_id", 0}}}},
                                        {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}}};
    tok["post_processor"] = {{"type", "Sequence"}, {"processors", {tok["post_processor"], bos_first}}};
    write_file(d + "/tokenizer.json", tok.dump());
    {
        const GgufFile f = hf_checkpoint_open(d);
        ASSERT_NE(f.find("tokenizer.ggml.add_bos_token"), nullptr);
        EXPECT_TRUE(f.find("tokenizer.ggml.add_bos_token")->as_bool());
        EXPECT_EQ(f.find("tokenizer.ggml.add_eos_token"), nullptr);
        const std::vector<int32_t> ids = Tokenizer::from_gguf(f)->encode("Hello world", true);
        ASSERT_FALSE(ids.empty());
        EXPECT_EQ(ids.front(), 4095);
    }
    // tokenizer_config.json's add_bos_token wins over the template.
    tcfg["add_bos_token"] = false;
    write_file(d + "/tokenizer_config.json", tcfg.dump());
    EXPECT_FALSE(hf_checkpoint_open(d).find("tokenizer.ggml.add_bos_token")->as_bool());
}

// A template that ends with a special token other than the configured EOS: that token becomes the
// EOS (added), and the configured one the EOT, as gguf-py's SpecialVocab does.
TEST(HfLlama3, TemplateEndingInAnotherTokenMakesItTheEos) {
    QS_REQUIRE_SHARED(src, "models/hf/smollm2-arch");
    const std::string d = copy_fixture("smollm2-arch");  // eos_token <|im_end|> = 2
    json tok = json::parse(slurp(d + "/tokenizer.json"));
    tok["post_processor"] = {{"type", "TemplateProcessing"},
                             {"single", {{{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
                                         {{"SpecialToken", {{"id", "<|endoftext|>"}, {"type_id", 0}}}}}}};
    write_file(d + "/tokenizer.json", tok.dump());
    const GgufFile f = hf_checkpoint_open(d);
    EXPECT_EQ(f.find("tokenizer.ggml.eos_token_id")->as_int(), 0);  // <|endoftext|>
    EXPECT_EQ(f.find("tokenizer.ggml.eot_token_id")->as_int(), 2);  // <|im_end|>
    EXPECT_TRUE(f.find("tokenizer.ggml.add_eos_token")->as_bool());
    const std::vector<int32_t> ids = Tokenizer::from_gguf(f)->encode("Hello world", true);
    ASSERT_FALSE(ids.empty());
    EXPECT_EQ(ids.back(), 0);
}

}  // namespace
}  // namespace qs::test
