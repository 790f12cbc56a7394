#include "datasets/text_rules.h"

#include "datasets/dataset_io.h"

namespace qs::datasets {

namespace {

char ascii_upper(char c) { return (c >= 'a' && c <= 'z') ? char(c - 'a' + 'A') : c; }
char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

// Python's str.replace(from, to): non-overlapping, left to right, single pass.
std::string replace_all(std::string_view s, std::string_view from, std::string_view to) {
    std::string out;
    size_t pos = 0;
    while (true) {
        const size_t hit = s.find(from, pos);
        if (hit == std::string_view::npos) break;
        out.append(s.substr(pos, hit - pos));
        out.append(to);
        pos = hit + from.size();
    }
    out.append(s.substr(pos));
    return out;
}

}  // namespace

std::string python_capitalize(std::string_view s) {
    std::string out(s);
    for (size_t i = 0; i < out.size(); ++i) out[i] = i == 0 ? ascii_upper(out[i]) : ascii_lower(out[i]);
    return out;
}

std::string python_lower_first(std::string_view s) {
    std::string out(s);
    if (!out.empty()) out[0] = ascii_lower(out[0]);
    return out;
}

std::string hellaswag_preprocess(std::string_view s) {
    std::string text = replace_all(strip(s), " [title]", ". ");
    // re.sub(r"\[.*?\]", "", text): at each '[', the shortest match up to the next ']' on the
    // same line ('.' does not match '\n'); a '[' without one stays.
    std::string unbracketed;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '[') {
            const size_t close = text.find_first_of("]\n", i + 1);
            if (close != std::string::npos && text[close] == ']') {
                i = close;
                continue;
            }
        }
        unbracketed += text[i];
    }
    return replace_all(unbracketed, "  ", " ");
}

}  // namespace qs::datasets
