#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <cstdlib>
#include <optional>

#include "core/error.h"
#include "gguf/gguf_file.h"
#include "tokenizer/tokenizer_bpe.h"
#include "tokenizer/tokenizer_spm.h"
#include "tokenizer/utf8.h"
#include "tokenizer/vocab.h"

namespace qs {

namespace {

const std::string SPACE_ESCAPE = "\xE2\x96\x81";  // U+2581, SentencePiece's visible space

std::string replace_all(std::string_view s, std::string_view from, std::string_view to) {
    std::string out;
    out.reserve(s.size() + s.size() / 4);
    size_t pos = 0;
    for (size_t hit; (hit = s.find(from, pos)) != std::string_view::npos; pos = hit + from.size()) {
        out.append(s.substr(pos, hit - pos));
        out.append(to);
    }
    out.append(s.substr(pos));
    return out;
}

// A piece of the input: raw text still to tokenize, or a special token already recognised.
struct Fragment {
    int32_t token;        // TOKEN_NULL for raw text
    size_t begin, size;   // raw text bytes
};

// llama_decode_text: each code point of a byte-level token back to the byte it stands for.
std::string decode_byte_level(const std::string& text) {
    std::string out;
    for (const uint32_t cpt : utf8::decode_lenient(text)) {
        if (const int b = utf8::unicode_to_byte(cpt); b >= 0) {
            out.push_back(char(b));
            continue;
        }
        std::string cpt_utf8;
        utf8::append(cpt_utf8, cpt);
        out += "[UNK_BYTE_0x";
        for (const char c : cpt_utf8) out += fmt::format("{:02x}", uint8_t(c));
        out += text + "]";
    }
    return out;
}

// llama.cpp's detokenize clean-up (clean_up_tokenization_spaces), ported index for index
// because its in-place passes read bytes they have already rewritten.
void clean_spaces(std::string& text) {
    int32_t total = int32_t(text.size());
    {  // " ?", " !", " .", " ,"
        const int32_t total1 = total;
        total = total ? 1 : 0;
        for (int32_t i = 1; i < total1; ++i) {
            const char x = text[size_t(i)];
            if (text[size_t(i - 1)] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) total--;
            text[size_t(total++)] = x;
        }
    }
    {  // " ' " -> "'"
        const int32_t total2 = total;
        total = total ? 1 : 0;
        for (int32_t i = 1; i < total2; ++i) {
            const char x = text[size_t(i)];
            if (x == '\'' && i + 1 < total2 && text[size_t(i - 1)] == ' ' && text[size_t(i + 1)] == ' ') {
                total--;
                text[size_t(++i)] = '\0';
            }
            text[size_t(total++)] = x;
        }
    }
    {  // " 's", " 'm", " 're", " 've" lose their space
        const int32_t total3 = total;
        total = total ? 1 : 0;
        for (int32_t i = 1; i < total3; ++i) {
            const char x = text[size_t(i)];
            if (text[size_t(i - 1)] == ' ' && x == '\'' && i + 1 < total3) {
                const char x1 = text[size_t(i + 1)];
                if (x1 == 's' || x1 == 'm') {
                    total--;
                } else if (i + 2 < total3) {
                    const char x2 = text[size_t(i + 2)];
                    if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) total--;
                }
            }
            text[size_t(total++)] = x;
        }
    }
    text.resize(size_t(total));
}

}  // namespace

struct Tokenizer::Impl {
    Vocab vocab;
    std::optional<BpeTokenizer> bpe;   // engaged for BPE vocabularies
    std::vector<std::string> pieces;   // [n_tokens] token_to_piece(id, special = true)

    std::string make_piece(int32_t id) const;
    std::vector<Fragment> partition(std::string_view text, bool parse_special) const;
    void check_id(int32_t id) const {
        if (id < 0 || id >= vocab.n_tokens())
            throw Error(fmt::format("{}: token id {} is outside the vocabulary [0, {})", vocab.file, id,
                                    vocab.n_tokens()));
    }
};

std::string Tokenizer::Impl::make_piece(int32_t id) const {
    const uint32_t attr = vocab.attr[size_t(id)];
    const std::string& text = vocab.text[size_t(id)];
    if (attr & (TOKEN_ATTR_UNKNOWN | TOKEN_ATTR_CONTROL | TOKEN_ATTR_USER_DEFINED)) return text;
    if (attr & TOKEN_ATTR_NORMAL)
        return vocab.type == VocabType::Spm ? replace_all(text, SPACE_ESCAPE, " ") : decode_byte_level(text);
    if (attr & TOKEN_ATTR_BYTE) {  // "<0xXX>"
        const std::string hex = text.size() >= 5 ? text.substr(3, 2) : std::string();
        return std::string(1, char(std::strtol(hex.c_str(), nullptr, 16)));
    }
    return {};  // unused / undefined tokens render as nothing
}

// tokenizer_st_partition: cuts the text at every occurrence of each special token, longest
// token texts first. Control and unknown tokens only count when parse_special is set.
std::vector<Fragment> Tokenizer::Impl::partition(std::string_view text, bool parse_special) const {
    std::vector<Fragment> frags;
    if (!text.empty()) frags.push_back({TOKEN_NULL, 0, text.size()});
    std::vector<Fragment> next;
    for (const int32_t special : vocab.special_tokens) {
        if (!parse_special && (vocab.attr[size_t(special)] & (TOKEN_ATTR_CONTROL | TOKEN_ATTR_UNKNOWN))) continue;
        const std::string& needle = vocab.text[size_t(special)];
        next.clear();
        for (const Fragment& f : frags) {
            if (f.token != TOKEN_NULL) {
                next.push_back(f);
                continue;
            }
            const std::string_view raw = text.substr(f.begin, f.size);
            size_t pos = 0;
            for (size_t hit; (hit = raw.find(needle, pos)) != std::string_view::npos; pos = hit + needle.size()) {
                if (hit > pos) next.push_back({TOKEN_NULL, f.begin + pos, hit - pos});
                next.push_back({special, 0, 0});
            }
            if (pos < raw.size()) next.push_back({TOKEN_NULL, f.begin + pos, raw.size() - pos});
        }
        frags.swap(next);
    }
    return frags;
}

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

std::unique_ptr<Tokenizer> Tokenizer::from_gguf(const GgufFile& f) {
    auto impl = std::make_unique<Impl>();
    impl->vocab = Vocab::load(f);
    if (impl->vocab.type == VocabType::Bpe) impl->bpe.emplace(impl->vocab);
    impl->pieces.resize(size_t(impl->vocab.n_tokens()));
    for (int32_t id = 0; id < impl->vocab.n_tokens(); ++id) impl->pieces[size_t(id)] = impl->make_piece(id);
    return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(impl)));
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special, bool parse_special) const {
    const Vocab& v = impl_->vocab;
    std::vector<int32_t> out;
    out.reserve(text.size() / 3 + 2);
    if (add_special && v.add_bos) out.push_back(v.bos);
    bool prev_special = true;  // SPM: the first text fragment gets the prefix space
    for (const Fragment& f : impl_->partition(text, parse_special)) {
        if (f.token != TOKEN_NULL) {
            out.push_back(f.token);
            prev_special = true;
            continue;
        }
        const std::string_view raw = text.substr(f.begin, f.size);
        if (v.type == VocabType::Spm) {
            std::string prefixed = v.add_space_prefix && prev_special ? " " : "";
            prefixed.append(raw);
            spm_tokenize(v, replace_all(prefixed, " ", SPACE_ESCAPE), out);
        } else {
            impl_->bpe->tokenize(raw, out);
        }
        prev_special = false;
    }
    if (add_special && v.add_eos) out.push_back(v.eos);
    return out;
}

std::string Tokenizer::decode(std::span<const int32_t> tokens, bool special) const {
    std::string text;
    bool remove_space = impl_->vocab.add_space_prefix;
    for (const int32_t id : tokens) {
        std::string_view piece = token_to_piece(id, special);
        if (remove_space && !piece.empty() && piece.front() == ' ') piece.remove_prefix(1);
        remove_space = false;
        text.append(piece);
    }
    if (impl_->vocab.clean_spaces) clean_spaces(text);
    return text;
}

const std::string& Tokenizer::token_to_piece(int32_t id, bool special) const {
    static const std::string empty;
    impl_->check_id(id);
    if (!special && is_control(id)) return empty;
    return impl_->pieces[size_t(id)];
}

const std::string& Tokenizer::token_text(int32_t id) const {
    impl_->check_id(id);
    return impl_->vocab.text[size_t(id)];
}

int32_t Tokenizer::n_tokens() const { return impl_->vocab.n_tokens(); }
int32_t Tokenizer::bos() const { return impl_->vocab.bos; }
int32_t Tokenizer::eos() const { return impl_->vocab.eos; }
int32_t Tokenizer::unk() const { return impl_->vocab.unk; }
bool Tokenizer::adds_bos() const { return impl_->vocab.add_bos; }
bool Tokenizer::adds_eos() const { return impl_->vocab.add_eos; }
bool Tokenizer::is_control(int32_t id) const {
    impl_->check_id(id);
    return impl_->vocab.attr[size_t(id)] & (TOKEN_ATTR_CONTROL | TOKEN_ATTR_UNKNOWN);
}
bool Tokenizer::is_eog(int32_t id) const {
    const auto& eog = impl_->vocab.eog;
    return std::binary_search(eog.begin(), eog.end(), id);
}
std::string_view Tokenizer::type_name() const { return impl_->vocab.type == VocabType::Spm ? "SPM" : "BPE"; }
std::string_view Tokenizer::model_name() const { return impl_->vocab.model_name; }
std::string_view Tokenizer::pre_name() const { return impl_->vocab.pre_name; }

}  // namespace qs
