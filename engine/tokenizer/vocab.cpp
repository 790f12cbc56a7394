#include "tokenizer/vocab.h"

#include <algorithm>
#include <iterator>

#include "core/error.h"
#include "gguf/gguf_file.h"

namespace qs {

namespace {

// What llama.cpp derives from tokenizer.ggml.pre for the pre-tokenizers we support.
struct PreInfo {
    PreType type;
    bool clean_spaces;
    bool ignore_merges;
    bool add_bos;
};

bool pre_info_from_name(const std::string& name, PreInfo& info) {
    // Names llama.cpp maps to the same pre-tokenizer type (llama-vocab.cpp, impl::load).
    static const char* const llama3[] = {"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral",
                                         "midm-2.0", "lfm2", "jina-v5-nano"};
    static const char* const gpt2[] = {"gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es",
                                       "jina-v2-de", "a.x-4.0", "mellum", "modern-bert", "exaone4"};
    static const char* const qwen2[] = {"qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2"};
    const auto in = [&](const auto& list) {
        return std::any_of(std::begin(list), std::end(list), [&](const char* n) { return name == n; });
    };
    if (name.empty() || name == "default") info = {PreType::Default, true, false, false};
    else if (in(llama3)) info = {PreType::Llama3, true, true, true};
    else if (in(gpt2)) info = {PreType::Gpt2, true, false, false};
    else if (in(qwen2)) info = {PreType::Qwen2, false, false, false};
    else if (name == "megrez") info = {PreType::Qwen2, true, false, false};
    else if (name == "stablelm2") info = {PreType::Qwen2, true, false, false};
    else if (name == "smollm") info = {PreType::Smollm, false, false, false};
    else return false;
    return true;
}

// Token texts that llama.cpp forces to CONTROL by name (EOT/EOM/FIM/EOG detection in
// impl::load), because converters often leave them typed NORMAL.
bool is_control_by_name(std::string_view t) {
    static constexpr std::string_view names[] = {
        // end of generation / turn
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
        "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
        "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
        "<\xef\xbd\x9c" "end\xe2\x96\x81" "of\xe2\x96\x81" "sentence\xef\xbd\x9c>", "[e~[",
        // fill in the middle
        "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<PRE>", "\xe2\x96\x81<PRE>", "<|code_prefix|>",
        "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<SUF>", "\xe2\x96\x81<SUF>",
        "<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<MID>", "\xe2\x96\x81<MID>",
        "<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<|file_sep|>",
    };
    return std::find(std::begin(names), std::end(names), t) != std::end(names);
}

uint32_t attr_from_token_type(int64_t type) {
    switch (type) {
        case 1: return TOKEN_ATTR_NORMAL;
        case 2: return TOKEN_ATTR_UNKNOWN;
        case 3: return TOKEN_ATTR_CONTROL;
        case 4: return TOKEN_ATTR_USER_DEFINED;
        case 5: return TOKEN_ATTR_UNUSED;
        case 6: return TOKEN_ATTR_BYTE;
        default: return TOKEN_ATTR_UNDEFINED;
    }
}

// Overrides `id` from an integer key when present and in range (llama.cpp keeps the default
// for an out-of-range value, with a warning).
void read_special_id(const GgufFile& f, const char* key, int32_t n_tokens, int32_t& id) {
    if (id >= n_tokens) id = TOKEN_NULL;  // default out of range: disabled
    const GgufValue* v = f.find(key);
    if (!v || !v->is_integer()) return;
    const int64_t x = v->as_int();
    if (x >= 0 && x < n_tokens) id = int32_t(x);
}

void read_merges(const GgufFile& f, Vocab& v) {
    const auto merges = f.get_string_array("tokenizer.ggml.merges");
    if (!merges) fail_file(f.path(), "BPE vocabulary has no tokenizer.ggml.merges");
    v.merge_rank.reserve(merges->size());
    for (size_t i = 0; i < merges->size(); ++i) {
        const std::string& m = (*merges)[i];
        // llama.cpp splits at the first space after position 0; a merge without one never matches.
        const size_t pos = m.find(' ', 1);
        v.merge_rank.emplace(pos == std::string::npos ? std::string(" ") : m, int32_t(i));
    }
}

}  // namespace

int32_t Vocab::find_merge(std::string_view left, std::string_view right, std::string& scratch) const {
    scratch.assign(left);
    scratch.push_back(' ');
    scratch.append(right);
    const auto it = merge_rank.find(scratch);
    return it == merge_rank.end() ? -1 : it->second;
}

Vocab Vocab::load(const GgufFile& f) {
    Vocab v;
    v.file = f.path();
    const GgufValue* model = f.find("tokenizer.ggml.model");
    if (!model || !model->is_string()) fail_file(v.file, "no tokenizer (tokenizer.ggml.model is missing)");
    v.model_name = model->as_string();
    v.pre_name = f.get_string_or("tokenizer.ggml.pre", "");

    if (v.model_name == "llama") {
        v.type = VocabType::Spm;
        v.bos = 1, v.eos = 2, v.unk = 0;
        v.add_space_prefix = true;
        v.add_bos = true;
    } else if (v.model_name == "gpt2") {
        v.type = VocabType::Bpe;
        v.bos = 11, v.eos = 11;
        PreInfo info{};
        if (!pre_info_from_name(v.pre_name, info))
            fail_file(v.file, "unsupported BPE pre-tokenizer '{}' (tokenizer.ggml.pre); supported: default, gpt-2, "
                              "llama-bpe (llama3), qwen2, smollm and their aliases", v.pre_name);
        v.pre = info.type;
        v.clean_spaces = info.clean_spaces;
        v.ignore_merges = info.ignore_merges;
        v.add_bos = info.add_bos;
        read_merges(f, v);
    } else {
        fail_file(v.file, "unsupported tokenizer model '{}' (tokenizer.ggml.model); supported: llama (SentencePiece), "
                          "gpt2 (byte-level BPE)", v.model_name);
    }
    v.add_space_prefix = f.get_bool_or("tokenizer.ggml.add_space_prefix", v.add_space_prefix);

    auto tokens = f.get_string_array("tokenizer.ggml.tokens");
    if (!tokens) fail_file(v.file, "no tokenizer.ggml.tokens");
    const size_t n = tokens->size();
    if (n == 0 || n > size_t(INT32_MAX)) fail_file(v.file, "tokenizer.ggml.tokens has {} entries", n);
    const auto scores = f.get_float_array("tokenizer.ggml.scores");
    if (scores && scores->size() < n)
        fail_file(v.file, "tokenizer.ggml.scores has {} entries for {} tokens", scores->size(), n);
    const auto types = f.get_int_array("tokenizer.ggml.token_type");
    if (types && types->size() < n)
        fail_file(v.file, "tokenizer.ggml.token_type has {} entries for {} tokens", types->size(), n);

    v.text = std::move(*tokens);
    v.score.resize(n);
    v.attr.resize(n);
    for (size_t i = 0; i < n; ++i) {
        if (v.text[i].empty()) v.text[i] = "[EMPTY_" + std::to_string(i) + "]";
        v.score[i] = scores ? (*scores)[i] : 0.0f;
        v.attr[i] = types ? attr_from_token_type((*types)[i]) : TOKEN_ATTR_NORMAL;
    }
    v.id_of.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        const auto [it, inserted] = v.id_of.emplace(std::string_view(v.text[i]), int32_t(i));
        if (!inserted)
            fail_file(v.file, "duplicate token in vocabulary: '{}' has ids {} and {}", v.text[i], it->second, i);
    }

    const int32_t n_tok = int32_t(n);
    read_special_id(f, "tokenizer.ggml.bos_token_id", n_tok, v.bos);
    read_special_id(f, "tokenizer.ggml.eos_token_id", n_tok, v.eos);
    read_special_id(f, "tokenizer.ggml.unknown_token_id", n_tok, v.unk);
    read_special_id(f, "tokenizer.ggml.padding_token_id", n_tok, v.pad);
    v.add_bos = f.get_bool_or("tokenizer.ggml.add_bos_token", v.add_bos);
    v.add_eos = f.get_bool_or("tokenizer.ggml.add_eos_token", v.add_eos);
    if (v.add_bos && v.bos == TOKEN_NULL)
        fail_file(v.file, "tokenizer.ggml.add_bos_token is true, but tokenizer.ggml.bos_token_id is not set");
    if (v.add_eos && v.eos == TOKEN_NULL)
        fail_file(v.file, "tokenizer.ggml.add_eos_token is true, but tokenizer.ggml.eos_token_id is not set");

    for (size_t i = 0; i < n; ++i)
        if (is_control_by_name(v.text[i])) v.attr[i] |= TOKEN_ATTR_CONTROL;
    for (size_t i = 0; i < n; ++i)
        if ((v.attr[i] & TOKEN_ATTR_CONTROL) && v.text[i].find("unused") != std::string::npos)
            v.attr[i] |= TOKEN_ATTR_UNUSED;
    // gpt-oss: these are always rendered, so llama.cpp retypes them user-defined.
    for (const char* t : {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"})
        if (const int32_t id = v.find(t); id != TOKEN_NULL) v.attr[size_t(id)] = TOKEN_ATTR_USER_DEFINED;
    // o200k_harmony / solar-open: "<|end|>" is not end-of-generation there and becomes user-defined.
    const bool has = [&] {
        const auto h = [&](const char* t) { return v.find(t) != TOKEN_NULL; };
        return h("<|end|>") && ((h("<|return|>") && h("<|call|>")) || (h("<|calls|>") && h("<|flush|>")));
    }();
    if (has) v.attr[size_t(v.find("<|end|>"))] = TOKEN_ATTR_USER_DEFINED;
    // gemma4 / paddleocr: "</s>" is an ordinary token when "<|tool_response>" exists.
    if (v.find("<|tool_response>") != TOKEN_NULL && v.find("</s>") != TOKEN_NULL)
        v.attr[size_t(v.find("</s>"))] = TOKEN_ATTR_NORMAL;

    // End of generation, as llama_vocab::impl::load collects special_eog_ids.
    int32_t eot = TOKEN_NULL, eom = TOKEN_NULL;
    read_special_id(f, "tokenizer.ggml.eot_token_id", n_tok, eot);
    read_special_id(f, "tokenizer.ggml.eom_token_id", n_tok, eom);
    for (const int32_t id : {v.eos, eot, eom})
        if (id != TOKEN_NULL) v.eog.push_back(id);
    static constexpr std::string_view eog_names[] = {
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>",
        "<|endoftext|>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>",
    };
    for (const std::string_view name : eog_names)
        if (const int32_t id = v.find(name); id != TOKEN_NULL && (v.attr[size_t(id)] & TOKEN_ATTR_CONTROL)) v.eog.push_back(id);
    std::sort(v.eog.begin(), v.eog.end());
    v.eog.erase(std::unique(v.eog.begin(), v.eog.end()), v.eog.end());

    v.inert_byte.fill(true);
    for (const std::string& t : v.text)
        for (const char c : t) v.inert_byte[uint8_t(c)] = false;

    for (int32_t id = 0; id < n_tok; ++id)
        if (v.attr[size_t(id)] & (TOKEN_ATTR_CONTROL | TOKEN_ATTR_USER_DEFINED | TOKEN_ATTR_UNKNOWN))
            v.special_tokens.push_back(id);
    // llama.cpp uses an unstable sort here; among equal lengths we keep id order so results
    // never depend on the standard library.
    std::stable_sort(v.special_tokens.begin(), v.special_tokens.end(), [&](int32_t a, int32_t b) {
        return v.text[size_t(a)].size() > v.text[size_t(b)].size();
    });
    return v;
}

}  // namespace qs
