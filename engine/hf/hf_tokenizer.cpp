#include "hf/hf_tokenizer.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"

namespace qs {

namespace {

using json = nlohmann::json;

constexpr int32_t kNormal = 1, kControl = 3, kUserDefined = 4, kUnused = 5;  // llama.cpp's token types

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
        fail_file(tok_path, "tokenizer model '{}' is not supported (QuantScope reads byte-level BPE tokenizer.json)", model_type);
    if (model.value("byte_fallback", false))
        fail_file(tok_path, "a SentencePiece-style BPE (byte_fallback) tokenizer.json is not supported yet; "
                            "byte-level BPE only");
    const std::string pre = pre_tokenizer_name(tok_path, tok.value("pre_tokenizer", json()));

    // Tokens by id: the BPE vocabulary, then the added tokens (which may repeat vocabulary entries).
    std::map<int64_t, std::string> by_id;
    std::map<std::string, int64_t> id_of;
    if (!model.contains("vocab") || !model["vocab"].is_object()) fail_file(tok_path, "model.vocab is not an object");
    for (const auto& [text, id] : model["vocab"].items()) {
        if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() >= (int64_t(1) << 24))
            fail_file(tok_path, "token '{}' has id {}, not in [0, 2^24)", text, id.dump());
        if (!by_id.emplace(id.get<int64_t>(), text).second)
            fail_file(tok_path, "id {} is given to two tokens", id.get<int64_t>());
        id_of[text] = id.get<int64_t>();
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

    std::vector<std::string> tokens(static_cast<size_t>(n_tokens));
    std::vector<GgufValue> types;
    types.reserve(size_t(n_tokens));
    for (int64_t id = 0; id < n_tokens; ++id) {
        const auto it = by_id.find(id);
        int32_t type = kNormal;
        if (it == by_id.end()) {
            tokens[size_t(id)] = "[PAD" + std::to_string(id) + "]";
            type = kUnused;
        } else {
            tokens[size_t(id)] = it->second;
            if (const auto a = added_special.find(id); a != added_special.end())
                type = a->second || looks_special(it->second) ? kControl : kUserDefined;
        }
        types.push_back(GgufValue::i32(type));
    }

    std::vector<std::string> merges;
    for (const json& m : model.value("merges", json::array())) {
        if (m.is_string()) {
            merges.push_back(m.get<std::string>());
        } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
            merges.push_back(m[0].get<std::string>() + " " + m[1].get<std::string>());
        } else {
            fail_file(tok_path, "a merge is neither \"a b\" nor [\"a\", \"b\"]: {}", m.dump());
        }
    }

    std::vector<GgufMetadataEntry> md;
    const auto set = [&](const std::string& key, GgufValue v) { md.push_back({key, std::move(v)}); };
    if (config.gguf_arch == "llama" && tcfg.is_object() && tcfg.contains("add_prefix_space") && tcfg["add_prefix_space"].is_boolean())
        set("tokenizer.ggml.add_space_prefix", GgufValue::boolean(tcfg["add_prefix_space"].get<bool>()));
    set("tokenizer.ggml.model", GgufValue::str("gpt2"));
    set("tokenizer.ggml.pre", GgufValue::str(pre));
    set("tokenizer.ggml.tokens", string_array(tokens));
    set("tokenizer.ggml.token_type", GgufValue::array(GgufType::INT32, std::move(types)));
    set("tokenizer.ggml.merges", string_array(merges));

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
