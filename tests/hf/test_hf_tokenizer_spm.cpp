// SentencePiece-style tokenizer.json (byte_fallback BPE: Llama 2, Mistral, TinyLlama) read into an
// SPM vocabulary. ../shared has no such checkpoint, so the tokenizer.json is built here from
// llama.cpp's own SentencePiece vocabularies (tokens, scores, types of ggml-vocab-llama-spm.gguf and
// stories260K.gguf) the way transformers' LlamaConverter builds it from a tokenizer.model: merges =
// for every piece, each split into two vocabulary pieces (by the halves' ids), all ordered by the
// merged piece's score; normalizer Prepend("▁") + Replace(" ", "▁"); <unk> <s> </s> added special.
// The engine never sees those scores: it has to rebuild an order from the merges alone. Checked:
//   - llama.cpp's test vectors for ggml-vocab-llama-spm (its ids); on the first 2000 lines of
//     wiki.test.raw, the GGUF's own SPM tokenizer and a naive Hugging Face BPE (lowest merge rank
//     first, byte fallback) over the same tokenizer.json;
//   - stories260K's vocabulary on the whole wiki.test.raw against llama-tokenize's ids;
//   - the metadata LlamaHfVocab would give (model llama, BYTE/CONTROL types, special ids, add_bos);
//   - a Metaspace pre-tokenizer instead of the normalizers tokenizes the same;
//   - `convert` of a checkpoint with such a tokenizer writes the same tokenizer.* metadata, and the
//     written file tokenizes as the vocabulary's own GGUF;
//   - hostile or unsupported variants are refused naming tokenizer.json.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "../tokenizer/tokenizer_test_util.h"
#include "common/run_command.h"
#include "common/test_paths.h"
#include "core/error.h"
#include "gguf/gguf_file.h"
#include "hf/hf_checkpoint.h"
#include "hf/hf_config.h"
#include "hf/hf_tokenizer.h"
#include "tokenizer/tokenizer.h"

namespace qs::test {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const std::string kSpace = "\xE2\x96\x81";

// Code-point boundaries of a UTF-8 string (Python slices pieces by code point).
std::vector<size_t> char_cuts(const std::string& s) {
    std::vector<size_t> cuts;
    for (size_t i = 1; i < s.size(); ++i)
        if ((uint8_t(s[i]) & 0xC0) != 0x80) cuts.push_back(i);
    return cuts;
}

// tokenizer.json + tokenizer_config.json of a SentencePiece vocabulary, as LlamaConverter writes them.
json spm_tokenizer_json(const GgufFile& vocab_file) {
    const std::vector<std::string> tokens = *vocab_file.get_string_array("tokenizer.ggml.tokens");
    const auto& scores = vocab_file.find("tokenizer.ggml.scores")->as_array().items;
    const auto& types = vocab_file.find("tokenizer.ggml.token_type")->as_array().items;
    std::map<std::string, int64_t> id_of;
    for (size_t i = 0; i < tokens.size(); ++i) id_of.emplace(tokens[i], int64_t(i));

    struct Merge {
        int64_t l, r;
        double score;
    };
    std::vector<Merge> merges;
    for (size_t piece = 0; piece < tokens.size(); ++piece) {
        std::vector<Merge> local;
        for (const size_t cut : char_cuts(tokens[piece])) {
            const auto l = id_of.find(tokens[piece].substr(0, cut)), r = id_of.find(tokens[piece].substr(cut));
            if (l != id_of.end() && r != id_of.end()) local.push_back({l->second, r->second, scores[piece].as_double()});
        }
        std::sort(local.begin(), local.end(), [](const Merge& a, const Merge& b) { return std::pair(a.l, a.r) < std::pair(b.l, b.r); });
        merges.insert(merges.end(), local.begin(), local.end());
    }
    std::stable_sort(merges.begin(), merges.end(), [](const Merge& a, const Merge& b) { return a.score > b.score; });

    json vocab = json::object(), merge_list = json::array(), added = json::array();
    for (size_t i = 0; i < tokens.size(); ++i) vocab[tokens[i]] = i;
    for (const Merge& m : merges) merge_list.push_back(tokens[size_t(m.l)] + " " + tokens[size_t(m.r)]);
    for (size_t i = 0; i < tokens.size(); ++i)
        if (types[i].as_int() == 2 || types[i].as_int() == 3)  // UNKNOWN, CONTROL
            added.push_back({{"id", i}, {"content", tokens[i]}, {"single_word", false}, {"lstrip", false},
                             {"rstrip", false}, {"normalized", false}, {"special", true}});
    json tok = json::parse(R"({
        "version": "1.0",
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": "\u2581"},
            {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
        "pre_tokenizer": null,
        "post_processor": {"type": "TemplateProcessing", "single": [
            {"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}]},
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
            {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
        "model": {"type": "BPE", "dropout": null, "unk_token": "<unk>", "fuse_unk": true, "byte_fallback": true}
    })");
    tok["added_tokens"] = added;
    tok["model"]["vocab"] = vocab;
    tok["model"]["merges"] = merge_list;
    return tok;
}

// Hugging Face's BPE model with byte fallback, naively (tokenizers' BPE::merge_word): the text is
// ▁-escaped with a ▁ prepended; symbols are characters (one <0xNN> per byte for a character not in
// the vocabulary); the adjacent pair with the lowest merge rank is merged, leftmost first, until
// none is left. It runs word by word: a SentencePiece piece holds ▁ only at its start (checked), so
// no merge crosses a ▁ that follows another character, and each "▁word" is independent.
std::vector<int32_t> hf_bpe_reference(const json& tok, const std::string& text) {
    const json& vocab = tok["model"]["vocab"];
    std::unordered_map<std::string, size_t> rank;  // "left right" -> rank
    for (const json& m : tok["model"]["merges"]) rank.emplace(m.get<std::string>(), rank.size());
    for (const auto& [piece, id] : vocab.items())
        for (size_t p = piece.find(kSpace, 1); p != std::string::npos; p = piece.find(kSpace, p + 1))
            if (p < 3 || piece.compare(p - 3, 3, kSpace) != 0)
                ADD_FAILURE() << "piece '" << piece << "' has a ▁ after another character: the word split is not exact";
    std::string escaped = kSpace;
    for (const char c : text) escaped += c == ' ' ? kSpace : std::string(1, c);
    std::vector<int32_t> ids;
    const auto encode_word = [&](const std::string& word) {
        std::vector<std::string> sym;
        for (size_t i = 0; i < word.size();) {
            size_t n = 1;
            while (i + n < word.size() && (uint8_t(word[i + n]) & 0xC0) == 0x80) ++n;
            const std::string ch = word.substr(i, n);
            if (vocab.contains(ch)) sym.push_back(ch);
            else
                for (const char b : ch) sym.push_back(fmt::format("<0x{:02X}>", uint8_t(b)));
            i += n;
        }
        for (;;) {
            size_t best = sym.size(), best_rank = SIZE_MAX;
            for (size_t i = 0; i + 1 < sym.size(); ++i)
                if (const auto it = rank.find(sym[i] + " " + sym[i + 1]); it != rank.end() && it->second < best_rank)
                    best = i, best_rank = it->second;
            if (best == sym.size()) break;
            sym[best] += sym[best + 1];
            sym.erase(sym.begin() + long(best) + 1);
        }
        for (const std::string& s : sym) ids.push_back(vocab[s].get<int32_t>());
    };
    size_t start = 0;
    for (size_t i = 3; i + 3 <= escaped.size(); ++i)
        if (escaped.compare(i, 3, kSpace) == 0 && escaped.compare(i - 3, 3, kSpace) != 0 && (uint8_t(escaped[i]) & 0xC0) != 0x80) {
            encode_word(escaped.substr(start, i - start));
            start = i;
        }
    encode_word(escaped.substr(start));
    return ids;
}

// A directory holding the tokenizer files; the tokenizer read from it through engine/hf.
struct SpmDir {
    std::string dir;
    int64_t n_tokens = 0;

    SpmDir(const std::string& name, const json& tok) {
        dir = temp_dir() + "/spm-" + name;
        fs::remove_all(dir);
        fs::create_directories(dir);
        write("tokenizer.json", tok.dump());
        write("tokenizer_config.json", json{{"add_bos_token", true}, {"add_eos_token", false}, {"bos_token", "<s>"},
                                            {"eos_token", "</s>"}, {"unk_token", "<unk>"}, {"tokenizer_class", "LlamaTokenizer"}}
                                           .dump());
        n_tokens = int64_t(tok["model"]["vocab"].size());
    }
    void write(const std::string& file, const std::string& text) const { std::ofstream(dir + "/" + file, std::ios::binary) << text; }
    GgufFile open() const {
        HfConfig config;
        config.model_type = config.gguf_arch = "llama";
        config.vocab_size = n_tokens;
        return GgufFile::from_parts(dir, hf_tokenizer_metadata(dir, config), {}, {}, 0);
    }
    std::string error() const {
        try {
            (void)open();
        } catch (const Error& e) {
            return e.what();
        }
        return "(no error)";
    }
};

std::string first_lines(const std::string& text, size_t n) {
    size_t pos = 0;
    for (size_t i = 0; i < n && pos != std::string::npos; ++i) pos = text.find('\n', pos + 1);
    return text.substr(0, pos == std::string::npos ? text.size() : pos + 1);
}

TEST(HfSpmTokenizer, LlamaSpmVocabularyTokenizesAsLlamaCpp) {
    QS_REQUIRE_SHARED(gguf, "models/vocab/ggml-vocab-llama-spm.gguf");
    QS_REQUIRE_SHARED(wiki, "data/wikitext-2-raw/wiki.test.raw");
    const GgufFile original = GgufFile::open(gguf);
    const json tok = spm_tokenizer_json(original);
    const SpmDir d("llama", tok);
    const GgufFile f = d.open();

    // What LlamaHfVocab + SpecialVocab make of it.
    EXPECT_EQ(f.get_string_or("tokenizer.ggml.model", ""), "llama");
    EXPECT_EQ(f.get_string_or("tokenizer.ggml.pre", ""), "default");
    EXPECT_EQ(f.get_string_array("tokenizer.ggml.tokens"), original.get_string_array("tokenizer.ggml.tokens"));
    EXPECT_EQ(f.find("tokenizer.ggml.merges"), nullptr);
    const auto& types = f.find("tokenizer.ggml.token_type")->as_array().items;
    const auto& want_types = original.find("tokenizer.ggml.token_type")->as_array().items;
    ASSERT_EQ(types.size(), want_types.size());
    for (size_t i = 0; i < types.size(); ++i) {
        // LlamaHfVocab types <unk> CONTROL (a special id), where SentencePiece says UNKNOWN.
        const int64_t want = want_types[i].as_int() == 2 ? 3 : want_types[i].as_int();
        EXPECT_EQ(types[i].as_int(), want) << "token " << i;
    }
    EXPECT_EQ(f.find("tokenizer.ggml.bos_token_id")->as_int(), 1);
    EXPECT_EQ(f.find("tokenizer.ggml.eos_token_id")->as_int(), 2);
    EXPECT_EQ(f.find("tokenizer.ggml.unknown_token_id")->as_int(), 0);
    EXPECT_TRUE(f.find("tokenizer.ggml.add_bos_token")->as_bool());
    EXPECT_TRUE(f.find("tokenizer.ggml.add_space_prefix")->as_bool());

    const auto ours = Tokenizer::from_gguf(f);
    run_vocab_tests(*ours, gguf, 40);
    const auto reference = Tokenizer::from_gguf(original);
    constexpr size_t kLines = 2000;  // of 4358: enough for every kind of text in it, well under a second
    const std::string text = first_lines(read_binary(wiki), kLines);
    const std::vector<int32_t> got = ours->encode(text, true), want = reference->encode(text, true);
    ASSERT_GT(want.size(), 100000u);
    EXPECT_EQ(got, want);
    // With convert_hf_to_gguf.py's scores (-1000 for every token) the SPM tokenizer merges left to
    // right instead: the scores are what makes the merge order.
    {
        std::vector<GgufMetadataEntry> md(f.metadata().begin(), f.metadata().end());
        for (GgufMetadataEntry& e : md)
            if (e.key == "tokenizer.ggml.scores")
                e.value = GgufValue::array(GgufType::FLOAT32, std::vector<GgufValue>(size_t(d.n_tokens), GgufValue::f32(-1000.0f)));
        const std::vector<int32_t> flat = Tokenizer::from_gguf(GgufFile::from_parts(d.dir, md, {}, {}, 0))->encode(text, true);
        std::printf("[ spm ] %zu lines of wiki.test.raw: %zu tokens (GGUF %zu); with the converter's -1000 scores %zu\n",
                    kLines, got.size(), want.size(), flat.size());
        EXPECT_NE(flat, want);
    }
    // Hugging Face's own rule (lowest merge rank) on the same text, BOS aside.
    const std::vector<int32_t> hf = hf_bpe_reference(tok, text);
    ASSERT_EQ(got.size(), hf.size() + 1);
    EXPECT_TRUE(std::equal(hf.begin(), hf.end(), got.begin() + 1));

    // A newer conversion (transformers >= 4.41, legacy=False): no normalizer, a Metaspace
    // pre-tokenizer that prepends to the first piece and does not split. Same tokens.
    json meta = tok;
    meta["normalizer"] = nullptr;
    meta["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", kSpace}, {"prepend_scheme", "first"}, {"split", false}};
    const SpmDir m("llama-metaspace", meta);
    const std::string sample = first_lines(text, 200);
    EXPECT_EQ(Tokenizer::from_gguf(m.open())->encode(sample, true), reference->encode(sample, true));
}

TEST(HfSpmTokenizer, Stories260kVocabularyGivesLlamaTokenizeIdsOfWikitext) {
    QS_REQUIRE_SHARED(gguf, "models/stories260K.gguf");
    QS_REQUIRE_SHARED(wiki, "data/wikitext-2-raw/wiki.test.raw");
    QS_REQUIRE_SHARED(log, "reference/logs/tokenize_stories260K_count.log.gz");
    const SpmDir d("stories260K", spm_tokenizer_json(GgufFile::open(gguf)));
    const TokenizeLog ref = parse_tokenize_log(read_gzip(log));
    const std::vector<int32_t> ids = Tokenizer::from_gguf(d.open())->encode(read_binary(wiki), true, true);
    ASSERT_EQ(ids.size(), ref.ids.size());
    const auto diff = std::mismatch(ids.begin(), ids.end(), ref.ids.begin());
    EXPECT_TRUE(diff.first == ids.end()) << "first difference at token " << (diff.first - ids.begin());
}

TEST(HfSpmTokenizer, UnsupportedVariantsAreRefusedNamingTheFile) {
    QS_REQUIRE_SHARED(gguf, "models/stories260K.gguf");
    const json good = spm_tokenizer_json(GgufFile::open(gguf));
    const auto refused = [&](const char* name, const std::function<void(json&)>& edit, const std::string& want) {
        json tok = good;
        edit(tok);
        const std::string e = SpmDir(name, tok).error();
        EXPECT_NE(e.find("tokenizer.json: " + want), std::string::npos) << name << ": " << e;
    };
    refused("unigram", [](json& t) { t["model"]["type"] = "Unigram"; }, "tokenizer model 'Unigram' is not supported");
    refused("no-merges", [](json& t) { t["model"].erase("merges"); }, "model.merges is missing or empty");
    refused("no-byte", [](json& t) { t["model"]["vocab"].erase("<0x41>"); }, "byte_fallback is set but model.vocab has no byte token <0x41>");
    // A merge dropped: the piece it made can still be reached by another split, which HF would not merge.
    refused("merge-missing", [](json& t) {
        auto& m = t["model"]["merges"];
        for (size_t i = 0; i < m.size(); ++i)
            if (m[i] == "\xE2\x96\x81 t") m.erase(i);  // "▁" + "t"; "▁t" has no other split
    }, "'\xE2\x96\x81t' splits into two vocabulary pieces in 1 ways but 0 merges make it");
    // One of two merges making the same piece moved to the end: not in the piece's score order.
    refused("merges-apart", [](json& t) {
        auto& m = t["model"]["merges"];
        const auto joined = [](const json& ab) { std::string s = ab.get<std::string>(); return s.erase(s.find(' '), 1); };
        for (size_t i = 0; i + 1 < m.size(); ++i)
            if (joined(m[i]) == joined(m[i + 1])) {
                m.push_back(m[i + 1]);
                m.erase(i + 1);
                return;
            }
        ADD_FAILURE() << "no piece with two merges";
    }, "merges of '");
    refused("unknown-piece", [](json& t) { t["model"]["merges"].push_back("\xE2\x96\x81 qqqq"); }, "merge ");
    refused("metaspace-split", [](json& t) {
        t["normalizer"] = nullptr;
        t["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", kSpace}, {"prepend_scheme", "always"}, {"split", true}};
    }, "pre-tokenizer");
    refused("long-token", [](json& t) { t["model"]["vocab"][std::string(1 << 20, 'a')] = t["model"]["vocab"].size(); },
            "token 512 is 1048576 bytes long");
    refused("lowercase", [](json& t) { t["normalizer"]["normalizers"].push_back({{"type", "Lowercase"}}); }, "normalizer");
}

#ifdef QS_CLI_PATH
// The SmolLM2-shaped fixture's weights with stories260K's vocabulary as a SentencePiece-style
// tokenizer.json: `convert` writes the tokenizer as the directory reads (tokens padded to the
// config's 49152 rows, scores, types), and the written GGUF tokenizes as stories260K.gguf does.
TEST(HfSpmTokenizer, ConvertWritesTheSpmVocabulary) {
    QS_REQUIRE_SHARED(src, "models/hf/smollm2-arch");
    QS_REQUIRE_SHARED(gguf, "models/stories260K.gguf");
    const GgufFile original = GgufFile::open(gguf);
    const SpmDir d("convert", spm_tokenizer_json(original));
    for (const char* file : {"config.json", "model.safetensors"}) fs::copy_file(src + "/" + file, d.dir + "/" + file);
    const std::string out = temp_dir() + "/spm-convert.gguf";
    std::string log;
    ASSERT_EQ(run_command("'" + std::string(QS_CLI_PATH) + "' -q convert --model '" + d.dir + "' --out '" + out + "'", log), 0) << log;
    const GgufFile written = GgufFile::open(out), from_dir = hf_checkpoint_open(d.dir);
    size_t keys = 0;
    for (const GgufMetadataEntry& e : from_dir.metadata()) {
        if (e.key.rfind("tokenizer.", 0) != 0) continue;
        ++keys;
        const GgufValue* v = written.find(e.key);
        ASSERT_NE(v, nullptr) << e.key;
        EXPECT_TRUE(*v == e.value) << e.key;
    }
    EXPECT_GE(keys, 9u);
    EXPECT_EQ(written.find("tokenizer.ggml.tokens")->as_array().items.size(), 49152u);
    EXPECT_EQ(written.find("tokenizer.ggml.scores")->as_array().elem_type, GgufType::FLOAT32);
    const std::string text = "The quick brown fox, 1234 times: \xC3\xA9t\xC3\xA9 \xE2\x80\x94 a\n\n  spaced   out\tend";
    EXPECT_EQ(Tokenizer::from_gguf(written)->encode(text, false), Tokenizer::from_gguf(original)->encode(text, false));
}
#endif

}  // namespace
}  // namespace qs::test
