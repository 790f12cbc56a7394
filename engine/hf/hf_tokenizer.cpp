#include "hf/hf_tokenizer.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string_view>
#include <unordered_map>

#include "core/error.h"

namespace qs {

namespace {

using json = nlohmann::json;

constexpr int32_t kNormal = 1, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6;  // llama.cpp's token types

const std::string kSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's visible space

json read_json(const std::string& path, bool required) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (required) fail_file(path, "cannot open the file");
        return json();
    }
    std::stringstream ss;
    ss << in.rdbuf();
    try {
        return json::parse(ss.str());
    } catch (const json::exception& e) {
        fail_file(path, "not valid JSON: {}", e.what());
    }
}

// The regular expressions of the Split pre-tokenizers we recognise (tokenizer.json spelling).
constexpr const char* kQwen2Regex =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr const char* kLlama3Regex =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

// llama.cpp's tokenizer.ggml.pre name for a tokenizer.json pre-tokenizer. convert_hf_to_gguf.py
// identifies it by hashing a test tokenization; we recognise the structures that hash stands for.
std::string pre_tokenizer_name(const std::string& label, const json& pre) {
    const auto type_of = [](const json& j) { return j.is_object() && j.contains("type") ? j["type"].get<std::string>() : ""; };
    std::vector<json> parts;
    if (type_of(pre) == "Sequence") {
        for (const json& p : pre.value("pretokenizers", json::array())) parts.push_back(p);
    } else if (!pre.is_null()) {
        parts.push_back(pre);
    }
    const auto byte_level = [&](const json& p, bool use_regex) {
        return type_of(p) == "ByteLevel" && p.value("use_regex", true) == use_regex;
    };
    if (parts.size() == 1 && byte_level(parts[0], true)) return "gpt-2";
    if (parts.size() == 2 && type_of(parts[0]) == "Digits" && parts[0].value("individual_digits", false) &&
        byte_level(parts[1], true))
        return "smollm";
    if (parts.size() == 2 && type_of(parts[0]) == "Split" && byte_level(parts[1], false)) {
        const json& pattern = parts[0].value("pattern", json::object());
        const std::string regex = pattern.is_object() ? pattern.value("Regex", "") : "";
        if (regex == kQwen2Regex) return "qwen2";
        if (regex == kLlama3Regex) return "llama-bpe";
    }
    fail_file(label, "pre-tokenizer {} is not one QuantScope recognises (GPT-2, Llama 3, Qwen2 or SmolLM byte-level BPE)",
              pre.dump().substr(0, 300));
}

// A SentencePiece-style tokenizer.json (byte_fallback BPE) replaces spaces by U+2581 and may
// prepend one, either in the normalizer (Prepend + Replace, the legacy LlamaConverter layout) or
// in a Metaspace pre-tokenizer (newer transformers). Returns whether the prefix is added, which
// becomes tokenizer.ggml.add_space_prefix. Anything else would tokenize differently from llama.cpp's
// SentencePiece tokenizer and is refused; so is a Metaspace that splits the text at each space
// (HF then never merges across a space: "a  b" gives ▁a ▁ ▁b where SentencePiece gives ▁a ▁▁ b).
bool spm_space_prefix(const std::string& label, const json& tok) {
    const auto type_of = [](const json& j) { return j.is_object() && j.contains("type") && j["type"].is_string() ? j["type"].get<std::string>() : ""; };
    const auto unrecognised = [&](const char* what, const json& j) {
        fail_file(label, "{} {} is not one QuantScope recognises for a SentencePiece-style (byte_fallback) tokenizer "
                         "(Prepend(\"\u2581\") + Replace(\" \", \"\u2581\") normalizers, or a Metaspace pre-tokenizer without split)",
                  what, j.dump().substr(0, 300));
    };
    bool prefix = false, escape = false;
    const json normalizer = tok.value("normalizer", json());
    std::vector<json> norms;
    if (type_of(normalizer) == "Sequence") {
        for (const json& n : normalizer.value("normalizers", json::array())) norms.push_back(n);
    } else if (!normalizer.is_null()) {
        norms.push_back(normalizer);
    }
    for (const json& n : norms) {
        const std::string type = type_of(n);
        const json pattern = n.value("pattern", json::object());
        if (type == "Prepend" && n.value("prepend", "") == kSpace && !prefix) {
            prefix = true;
        } else if (type == "Replace" && pattern.is_object() && pattern.value("String", "") == " " &&
                   n.value("content", "") == kSpace && !escape) {
            escape = true;
        } else {
            unrecognised("normalizer", n);
        }
    }
    const json pre = tok.value("pre_tokenizer", json());
    if (!pre.is_null()) {
        // Metaspace: {"replacement": "▁", "prepend_scheme": "first"|"always"|"never", "split": false};
        // the older spelling {"add_prefix_space": bool} has no "split", and tokenizers then splits.
        if (type_of(pre) != "Metaspace" || escape || prefix || pre.value("replacement", "") != kSpace ||
            !pre.contains("split") || pre.value("split", true))
            unrecognised("pre-tokenizer", pre);
        const std::string scheme = pre.value("prepend_scheme", pre.value("add_prefix_space", true) ? "always" : "never");
        if (scheme != "first" && scheme != "always" && scheme != "never") unrecognised("pre-tokenizer", pre);
        prefix = scheme != "never";
        escape = true;
    }
    if (!escape) unrecognised("normalizer", normalizer);
    return prefix;
}

// "<0xNN>": a SentencePiece byte token (gguf-py's LlamaHfVocab types these BYTE).
bool is_byte_token(const std::string& t) {
    const auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'); };
    return t.size() == 6 && t.compare(0, 3, "<0x") == 0 && hex(t[3]) && hex(t[4]) && t[5] == '>';
}

// Token scores for llama.cpp's SentencePiece tokenizer (llm_tokenizer_spm) that make it tokenize
// as Hugging Face's BPE model does with these merges.
//
// HF merges the adjacent pair of lowest merge rank; llama.cpp merges the adjacent pair whose
// concatenation is a token, highest token score first (ties: leftmost). The two agree when
// (1) a pair can merge exactly when its concatenation is a token, and (2) ranking merges by rank
// ranks them as their results' scores do. transformers' LlamaConverter writes such merges: for
// every piece, every split into two vocabulary pieces, the pieces ordered by their SentencePiece
// score. So each merged piece gets score = -(rank of its first merge), every other token a score
// below all of them (they are never the result of a merge), and the merges are checked to have
// that shape: each piece's merges consecutive, and every split of a piece into two vocabulary
// pieces among them. A byte_fallback BPE trained otherwise (where "a"+"bc" may not merge although
// "ab"+"c" does) is refused, since neither llama.cpp nor QuantScope's SPM tokenizer could follow it.
//
// convert_hf_to_gguf.py (LlamaHfVocab) writes -1000 for every score instead, so llama.cpp merges
// such a converted file left to right, not as HF does; QuantScope's converted GGUF carries these
// scores so that llama.cpp tokenizes it as the checkpoint was trained.
std::vector<float> spm_scores_from_merges(const std::string& label, const std::vector<std::pair<std::string, std::string>>& merges,
                                          const std::map<std::string, int64_t, std::less<>>& vocab, const std::vector<bool>& is_normal,
                                          int64_t n_tokens) {
    if (merges.empty()) fail_file(label, "model.merges is missing or empty: a SentencePiece-style BPE needs its merges");
    if (merges.size() >= (size_t(1) << 24)) fail_file(label, "{} merges: too many to rank exactly in float scores", merges.size());
    const auto id_in_vocab = [&](const std::string& t) -> int64_t {
        const auto it = vocab.find(t);
        return it == vocab.end() ? -1 : it->second;
    };
    std::vector<float> scores(size_t(n_tokens), -float(merges.size() + 1));
    std::unordered_map<int64_t, std::pair<size_t, size_t>> made;  // piece id -> (first rank, merges making it)
    for (size_t rank = 0; rank < merges.size(); ++rank) {
        const auto& [l, r] = merges[rank];
        const int64_t piece = id_in_vocab(l + r);
        if (id_in_vocab(l) < 0 || id_in_vocab(r) < 0 || piece < 0)
            fail_file(label, "merge {} ('{} {}') joins or makes a piece that is not in model.vocab", rank, l, r);
        auto [it, first] = made.try_emplace(piece, rank, 0);
        if (!first && it->second.first + it->second.second != rank)
            fail_file(label, "merges of '{}' are not consecutive (ranks {} and {}): not merges derived from a SentencePiece model",
                      l + r, it->second.first, rank);
        ++it->second.second;
        if (first) scores[size_t(piece)] = -float(rank);
    }
    for (const auto& [text, id] : vocab) {
        if (!is_normal[size_t(id)]) continue;
        // Each cut costs a lookup as long as the piece: bound the pieces (real ones are < 100 bytes)
        // so that a hostile file cannot make this quadratic in a megabyte-long token.
        constexpr size_t kMaxPiece = 4096;
        if (text.size() > kMaxPiece)
            fail_file(label, "token {} is {} bytes long; a SentencePiece piece of more than {} bytes is not accepted", id,
                      text.size(), kMaxPiece);
        size_t splits = 0;
        const std::string_view t = text;
        for (size_t cut = 1; cut < t.size(); ++cut)
            if ((uint8_t(t[cut]) & 0xC0) != 0x80 && vocab.find(t.substr(0, cut)) != vocab.end() && vocab.find(t.substr(cut)) != vocab.end())
                ++splits;
        const auto it = made.find(id);
        const size_t merged = it == made.end() ? 0 : it->second.second;
        if (merged != splits)
            fail_file(label, "'{}' splits into two vocabulary pieces in {} ways but {} merges make it: not merges derived from "
                             "a SentencePiece model (QuantScope reads byte_fallback BPEs converted from a tokenizer.model)",
                      text, splits, merged);
    }
    return scores;
}

// convert_hf_to_gguf.py's does_token_look_special: added tokens that are CONTROL even when not
// marked special.
bool looks_special(const std::string& t) {
    const bool angle_pipe = t.size() >= 4 && t.rfind("<|", 0) == 0 && t.compare(t.size() - 2, 2, "|>") == 0;
    return angle_pipe || t == "<pad>" || t == "<mask>" || t == "<2mass>" || t == "[@BOS@]";
}

// A special token in tokenizer_config.json: a string or {"content": string}; empty when absent.
std::string special_text(const json& cfg, const char* key) {
    if (!cfg.is_object() || !cfg.contains(key)) return "";
    const json& v = cfg[key];
    if (v.is_string()) return v.get<std::string>();
    if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
    return "";
}

// What gguf-py's SpecialVocab makes of tokenizer.json's post-processor (alone or in a Sequence):
// a TemplateProcessing whose single-sequence template starts with the BOS (or CLS) token adds BOS,
// one that ends with a special token adds EOS, and when that token is not tokenizer_config.json's
// EOS it becomes the EOS and the configured one the EOT; RobertaProcessing adds both. Llama 3
// checkpoints say "add BOS" only this way. Like the converter, only a plain-string bos_token /
// eos_token in tokenizer_config.json can match (an AddedToken object never does).
struct PostProcessorAdds {
    std::optional<bool> bos, eos;
    std::string eos_text, eot_text;  // set when the template's last token replaces the configured EOS
};

PostProcessorAdds post_processor_adds(const json& tok, const json& tcfg) {
    PostProcessorAdds out;
    if (!tok.contains("post_processor") || !tok["post_processor"].is_object()) return out;
    const json& pp = tok["post_processor"];
    std::vector<const json*> processors;
    if (pp.contains("processors") && pp["processors"].is_array()) {
        for (const json& p : pp["processors"]) processors.push_back(&p);
    } else {
        processors.push_back(&pp);
    }
    const auto configured = [&](const char* key) {
        return tcfg.is_object() && tcfg.contains(key) && tcfg[key].is_string() ? tcfg[key].get<std::string>() : std::string();
    };
    const auto special_of = [](const json& item) {
        const json* st = item.is_object() && item.contains("SpecialToken") ? &item["SpecialToken"] : nullptr;
        return st && st->is_object() && st->contains("id") && (*st)["id"].is_string() ? (*st)["id"].get<std::string>() : std::string();
    };
    const bool have_cfg = tcfg.is_object();
    const std::string cls = configured("cls_token");
    std::string bos = configured("bos_token"), eos = configured("eos_token");
    for (const json* p : processors) {
        const std::string type = p->is_object() && p->contains("type") && (*p)["type"].is_string() ? (*p)["type"].get<std::string>() : "";
        if (type == "RobertaProcessing") {
            out.bos = out.eos = true;
            continue;
        }
        if (type != "TemplateProcessing" || !p->contains("single") || !(*p)["single"].is_array()) continue;
        const json& single = (*p)["single"];
        if (single.size() <= 1) continue;
        if (const std::string first = special_of(single.front()); !first.empty()) {
            if (!have_cfg) bos = first;
            out.bos = first == bos || first == cls;
        }
        if (const std::string last = special_of(single.back()); !last.empty()) {
            if (!have_cfg) {
                eos = last;
            } else if (last != eos) {
                out.eot_text = eos;
                out.eos_text = eos = last;
            }
            out.eos = true;
        }
    }
    return out;
}

GgufValue string_array(const std::vector<std::string>& items) {
    std::vector<GgufValue> v;
    v.reserve(items.size());
    for (const std::string& s : items) v.push_back(GgufValue::str(s));
    return GgufValue::array(GgufType::STRING, std::move(v));
}

std::vector<GgufMetadataEntry> tokenizer_metadata_read(const std::string& dir, const HfConfig& config) {
    const std::string tok_path = (std::filesystem::path(dir) / "tokenizer.json").string();
    const std::string cfg_path = (std::filesystem::path(dir) / "tokenizer_config.json").string();
    const json tok = read_json(tok_path, true);
    const json tcfg = read_json(cfg_path, false);
    if (!tok.is_object() || !tok.contains("model") || !tok["model"].is_object())
        fail_file(tok_path, "no \"model\" object (not a Hugging Face tokenizer.json)");
    const json& model = tok["model"];
    const std::string model_type = model.value("type", "");
    if (model_type != "BPE")
        fail_file(tok_path, "tokenizer model '{}' is not supported (QuantScope reads BPE tokenizer.json: byte-level, or "
                            "SentencePiece-style with byte_fallback)", model_type);
    // byte_fallback: a SentencePiece vocabulary (Llama 2, Mistral, TinyLlama), read as gguf-py's
    // LlamaHfVocab reads it into a "llama" (SPM) vocabulary; else byte-level BPE ("gpt2").
    const bool spm = model.value("byte_fallback", false);
    const bool space_prefix = spm && spm_space_prefix(tok_path, tok);
    const std::string pre = spm ? "default" : pre_tokenizer_name(tok_path, tok.value("pre_tokenizer", json()));

    // Tokens by id: the BPE vocabulary, then the added tokens (which may repeat vocabulary entries).
    std::map<int64_t, std::string> by_id;
    std::map<std::string, int64_t> id_of;
    std::map<std::string, int64_t, std::less<>> model_vocab;  // model.vocab alone, searchable by string_view
    if (!model.contains("vocab") || !model["vocab"].is_object()) fail_file(tok_path, "model.vocab is not an object");
    for (const auto& [text, id] : model["vocab"].items()) {
        if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() >= (int64_t(1) << 24))
            fail_file(tok_path, "token '{}' has id {}, not in [0, 2^24)", text, id.dump());
        if (!by_id.emplace(id.get<int64_t>(), text).second)
            fail_file(tok_path, "id {} is given to two tokens", id.get<int64_t>());
        id_of[text] = model_vocab[text] = id.get<int64_t>();
    }
    std::map<int64_t, bool> added_special;  // id -> special flag
    for (const json& a : tok.value("added_tokens", json::array())) {
        if (!a.is_object() || !a.contains("id") || !a["id"].is_number_integer() || !a.contains("content") ||
            !a["content"].is_string() || a["id"].get<int64_t>() < 0 || a["id"].get<int64_t>() >= (int64_t(1) << 24))
            fail_file(tok_path, "an added_tokens entry is not {{\"id\": integer, \"content\": string}}: {}", a.dump());
        const int64_t id = a["id"].get<int64_t>();
        by_id[id] = a["content"].get<std::string>();
        id_of[a["content"].get<std::string>()] = id;
        added_special[id] = a.value("special", false);
    }
    if (by_id.empty()) fail_file(tok_path, "the vocabulary is empty");
    const int64_t n_tokens = std::max<int64_t>(config.vocab_size, by_id.rbegin()->first + 1);

    // SPM: tokenizer_config.json's special tokens are CONTROL (LlamaHfVocab: the tokenizer's
    // all_special_ids), and so are added tokens marked special.
    std::set<std::string> spm_specials;
    if (spm) {
        for (const char* key : {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"})
            if (const std::string t = special_text(tcfg, key); !t.empty()) spm_specials.insert(t);
        if (tcfg.is_object() && tcfg.contains("additional_special_tokens") && tcfg["additional_special_tokens"].is_array())
            for (const json& t : tcfg["additional_special_tokens"]) {
                if (t.is_string()) spm_specials.insert(t.get<std::string>());
                else if (t.is_object() && t.contains("content") && t["content"].is_string()) spm_specials.insert(t["content"].get<std::string>());
            }
    }

    std::vector<std::string> tokens(static_cast<size_t>(n_tokens));
    std::vector<GgufValue> types;
    std::vector<bool> is_normal(size_t(n_tokens), false);
    types.reserve(size_t(n_tokens));
    for (int64_t id = 0; id < n_tokens; ++id) {
        const auto it = by_id.find(id);
        int32_t type = kNormal;
        if (it == by_id.end()) {
            tokens[size_t(id)] = "[PAD" + std::to_string(id) + "]";
            type = kUnused;
        } else if (spm) {
            tokens[size_t(id)] = it->second;
            const auto a = added_special.find(id);
            const bool special = spm_specials.count(it->second) || (a != added_special.end() && a->second);
            const bool in_model = model_vocab.count(it->second) && model_vocab.at(it->second) == id;
            type = in_model && is_byte_token(it->second) ? kByte : special ? kControl : in_model ? kNormal : kUserDefined;
        } else {
            tokens[size_t(id)] = it->second;
            if (const auto a = added_special.find(id); a != added_special.end())
                type = a->second || looks_special(it->second) ? kControl : kUserDefined;
        }
        is_normal[size_t(id)] = type == kNormal;
        types.push_back(GgufValue::i32(type));
    }
    if (spm) {  // HF's byte fallback emits <0xNN> for a character the vocabulary lacks: all 256 must exist
        for (int b = 0; b < 256; ++b)
            if (const std::string t = fmt::format("<0x{:02X}>", b); !model_vocab.count(t))
                fail_file(tok_path, "byte_fallback is set but model.vocab has no byte token {}", t);
    }

    std::vector<std::pair<std::string, std::string>> merges;
    for (const json& m : model.value("merges", json::array())) {
        if (m.is_string()) {
            // llama.cpp's reading of "a b": split at the first space after the first byte
            const std::string ab = m.get<std::string>();
            const size_t space = ab.find(' ', 1);
            if (space == std::string::npos) fail_file(tok_path, "merge \"{}\" has no space between its two pieces", ab);
            merges.emplace_back(ab.substr(0, space), ab.substr(space + 1));
        } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
            merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
        } else {
            fail_file(tok_path, "a merge is neither \"a b\" nor [\"a\", \"b\"]: {}", m.dump());
        }
    }

    std::vector<GgufMetadataEntry> md;
    const auto set = [&](const std::string& key, GgufValue v) { md.push_back({key, std::move(v)}); };
    if (spm)
        set("tokenizer.ggml.add_space_prefix", GgufValue::boolean(space_prefix));
    else if (config.gguf_arch == "llama" && tcfg.is_object() && tcfg.contains("add_prefix_space") && tcfg["add_prefix_space"].is_boolean())
        set("tokenizer.ggml.add_space_prefix", GgufValue::boolean(tcfg["add_prefix_space"].get<bool>()));
    set("tokenizer.ggml.model", GgufValue::str(spm ? "llama" : "gpt2"));
    set("tokenizer.ggml.pre", GgufValue::str(pre));
    set("tokenizer.ggml.tokens", string_array(tokens));
    if (spm) {
        std::vector<GgufValue> scores;
        scores.reserve(size_t(n_tokens));
        for (const float x : spm_scores_from_merges(tok_path, merges, model_vocab, is_normal, n_tokens))
            scores.push_back(GgufValue::f32(x));
        set("tokenizer.ggml.scores", GgufValue::array(GgufType::FLOAT32, std::move(scores)));
    }
    set("tokenizer.ggml.token_type", GgufValue::array(GgufType::INT32, std::move(types)));
    if (!spm) {
        std::vector<std::string> joined;
        joined.reserve(merges.size());
        for (const auto& [l, r] : merges) joined.push_back(l + " " + r);
        set("tokenizer.ggml.merges", string_array(joined));
    }

    // Special ids: tokenizer_config.json's tokens by text, else config.json's ids.
    const auto special_id = [&](const char* cfg_key, const std::optional<int64_t>& fallback) -> std::optional<int64_t> {
        const std::string text = special_text(tcfg, cfg_key);
        if (!text.empty()) {
            const auto it = id_of.find(text);
            if (it == id_of.end()) fail_file(cfg_path, "{} '{}' is not in the vocabulary", cfg_key, text);
            return it->second;
        }
        if (fallback && *fallback < n_tokens) return fallback;
        return std::nullopt;
    };
    const PostProcessorAdds adds = post_processor_adds(tok, tcfg);
    const auto id_of_text = [&](const std::string& text) -> std::optional<int64_t> {
        const auto it = id_of.find(text);
        if (it == id_of.end()) fail_file(tok_path, "post_processor's special token '{}' is not in the vocabulary", text);
        return it->second;
    };
    const std::pair<const char*, std::optional<int64_t>> specials[] = {
        {"bos", special_id("bos_token", config.bos_token_id)},
        {"eos", adds.eos_text.empty() ? special_id("eos_token", config.eos_token_id) : id_of_text(adds.eos_text)},
        {"unknown", special_id("unk_token", std::nullopt)},
        {"padding", special_id("pad_token", config.pad_token_id)},
        {"eot", adds.eot_text.empty() ? std::nullopt : id_of_text(adds.eot_text)},
    };
    for (const auto& [name, id] : specials)
        if (id) set(std::string("tokenizer.ggml.") + name + "_token_id", GgufValue::u32(uint32_t(*id)));
    if (tcfg.is_object() && tcfg.contains("chat_template") && tcfg["chat_template"].is_string())
        set("tokenizer.chat_template", GgufValue::str(tcfg["chat_template"].get<std::string>()));
    // Whether BOS/EOS are added: the post-processor's template, overridden by tokenizer_config.json's
    // add_bos_token/add_eos_token; convert_hf_to_gguf.py then forces BOS off for the 49152-token
    // vocabularies (SmolLM, Granite).
    std::optional<bool> add_bos = adds.bos, add_eos = adds.eos;
    const auto configured_flag = [&](const char* key, std::optional<bool>& flag) {
        if (tcfg.is_object() && tcfg.contains(key) && tcfg[key].is_boolean()) flag = tcfg[key].get<bool>();
    };
    configured_flag("add_bos_token", add_bos);
    configured_flag("add_eos_token", add_eos);
    if (n_tokens == 49152) add_bos = false;
    if (add_bos) set("tokenizer.ggml.add_bos_token", GgufValue::boolean(*add_bos));
    if (add_eos) set("tokenizer.ggml.add_eos_token", GgufValue::boolean(*add_eos));
    return md;
}

}  // namespace

std::vector<GgufMetadataEntry> hf_tokenizer_metadata(const std::string& dir, const HfConfig& config) {
    // Every field is checked before use where a mistake is likely; a value of an unexpected JSON
    // type anywhere else (a number where tokenizer.json has a string, ...) still gets a message.
    try {
        return tokenizer_metadata_read(dir, config);
    } catch (const nlohmann::json::exception& e) {
        fail_file((std::filesystem::path(dir) / "tokenizer.json").string(),
                  "(or tokenizer_config.json) a field has an unexpected JSON type: {}", e.what());
    }
}

}  // namespace qs
