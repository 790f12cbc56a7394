#include "tokenizer/utf8.h"

namespace qs::utf8 {

namespace {

// One code point at `offset`, or false if the bytes there are not a sequence llama.cpp accepts
// (unicode_cpt_from_utf8: checks continuation bytes, not overlong forms or surrogates).
bool decode_one(std::string_view s, size_t& offset, uint32_t& cpt) {
    const auto b = [&](size_t i) { return uint8_t(s[offset + i]); };
    const auto cont = [&](size_t i) { return offset + i < s.size() && (b(i) & 0xC0) == 0x80; };
    const uint8_t lead = b(0);
    if (!(lead & 0x80)) {
        cpt = lead;
        offset += 1;
        return true;
    }
    if (!(lead & 0x40)) return false;
    if (!(lead & 0x20)) {
        if (!cont(1)) return false;
        cpt = (uint32_t(lead & 0x1F) << 6) | (b(1) & 0x3F);
        offset += 2;
        return true;
    }
    if (!(lead & 0x10)) {
        if (!cont(1) || !cont(2)) return false;
        cpt = (uint32_t(lead & 0x0F) << 12) | (uint32_t(b(1) & 0x3F) << 6) | (b(2) & 0x3F);
        offset += 3;
        return true;
    }
    if (!(lead & 0x08)) {
        if (!cont(1) || !cont(2) || !cont(3)) return false;
        cpt = (uint32_t(lead & 0x07) << 18) | (uint32_t(b(1) & 0x3F) << 12) | (uint32_t(b(2) & 0x3F) << 6) |
              (b(3) & 0x3F);
        offset += 4;
        return true;
    }
    return false;
}

}  // namespace

std::vector<uint32_t> decode_lenient(std::string_view text) {
    std::vector<uint32_t> cpts;
    cpts.reserve(text.size());
    size_t offset = 0;
    while (offset < text.size()) {
        uint32_t cpt = 0;
        if (decode_one(text, offset, cpt)) {
            cpts.push_back(cpt);
        } else {
            cpts.push_back(REPLACEMENT);
            ++offset;
        }
    }
    return cpts;
}

void append(std::string& out, uint32_t cpt) {
    if (cpt <= 0x7F) {
        out.push_back(char(cpt));
    } else if (cpt <= 0x7FF) {
        out.push_back(char(0xC0 | (cpt >> 6)));
        out.push_back(char(0x80 | (cpt & 0x3F)));
    } else if (cpt <= 0xFFFF) {
        out.push_back(char(0xE0 | (cpt >> 12)));
        out.push_back(char(0x80 | ((cpt >> 6) & 0x3F)));
        out.push_back(char(0x80 | (cpt & 0x3F)));
    } else if (cpt <= 0x10FFFF) {
        out.push_back(char(0xF0 | (cpt >> 18)));
        out.push_back(char(0x80 | ((cpt >> 12) & 0x3F)));
        out.push_back(char(0x80 | ((cpt >> 6) & 0x3F)));
        out.push_back(char(0x80 | (cpt & 0x3F)));
    } else {
        append(out, REPLACEMENT);
    }
}

namespace {

// The code point GPT-2 assigns to each byte: printable Latin-1 bytes map to themselves, the
// rest (controls, space, 0x7F-0xA0, 0xAD) to 256, 257, ... in byte order.
std::array<uint32_t, 256> byte_code_points() {
    std::array<uint32_t, 256> cp{};
    const auto printable = [](int b) { return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE; };
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) cp[size_t(b)] = printable(b) ? uint32_t(b) : next++;
    return cp;
}

}  // namespace

const std::array<std::string, 256>& byte_to_unicode() {
    static const std::array<std::string, 256> table = [] {
        std::array<std::string, 256> t;
        const auto cp = byte_code_points();
        for (size_t b = 0; b < 256; ++b) append(t[b], cp[b]);
        return t;
    }();
    return table;
}

int unicode_to_byte(uint32_t cpt) {
    static const std::vector<int> inverse = [] {
        std::vector<int> inv(324, -1);  // images lie in [0, 256 + 68)
        const auto cp = byte_code_points();
        for (size_t b = 0; b < 256; ++b) inv[cp[b]] = int(b);
        return inv;
    }();
    return cpt < inverse.size() ? inverse[cpt] : -1;
}

}  // namespace qs::utf8
