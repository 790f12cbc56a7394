#include "demo/next_word_task.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "datasets/task_dataset.h"

namespace qs {
namespace {

constexpr int kChoices = 4;
constexpr int kCandidates = 24;
constexpr size_t kMinContextWords = 3;

// Uniform integer in [0, n) by rejection: unlike std::uniform_int_distribution, the same on every
// standard library, so the task file is identical wherever it is generated.
uint64_t uniform_below(std::mt19937_64& rng, uint64_t n) {
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = rng();
    while (x >= limit);
    return x % n;
}

std::vector<std::string> split_spaces(const std::string& s) {
    std::istringstream in(s);
    std::vector<std::string> out;
    std::string w;
    while (in >> w) out.push_back(w);
    return out;
}

}  // namespace

std::string task_word(const std::string& token) {
    size_t b = 0, e = token.size();
    while (b < e && !std::isalnum(static_cast<unsigned char>(token[b]))) ++b;
    while (e > b && !std::isalnum(static_cast<unsigned char>(token[e - 1]))) --e;
    return token.substr(b, e - b);
}

std::string next_word_task_jsonl(const std::vector<KjvBook>& books, const NextWordOptions& opts) {
    // Per book: every word occurrence (for drawing distractors) and each word's count.
    std::vector<std::vector<std::string>> occurrences(books.size());
    std::vector<std::map<std::string, int64_t>> counts(books.size());
    // Anchors: verses with a previous verse and enough words to cut.
    std::vector<std::pair<size_t, size_t>> anchors;  // (book, verse)
    for (size_t b = 0; b < books.size(); ++b) {
        for (size_t v = 0; v < books[b].verses.size(); ++v) {
            auto words = split_spaces(books[b].verses[v]);
            for (const auto& w : words) {
                std::string t = task_word(w);
                if (t.empty()) continue;
                occurrences[b].push_back(t);
                ++counts[b][t];
            }
            if (v > 0 && words.size() > kMinContextWords) anchors.emplace_back(b, v);
        }
    }

    std::mt19937_64 rng(opts.seed);
    std::string out;
    for (size_t idx : dataset_sample(anchors.size(), opts.n_items, opts.seed)) {
        const auto [b, v] = anchors[idx];
        auto words = split_spaces(books[b].verses[v]);
        // Cut after word k-1: the gold is word k, k in [kMinContextWords, n_words).
        std::string gold;
        size_t k = 0;
        for (int attempt = 0; attempt < 100 && gold.empty(); ++attempt) {
            k = kMinContextWords + size_t(uniform_below(rng, words.size() - kMinContextWords));
            // The context must end where the gold word starts: no leading punctuation on it.
            if (!std::isalnum(static_cast<unsigned char>(words[k][0]))) continue;
            gold = task_word(words[k]);
        }
        if (gold.empty()) continue;  // a verse of punctuation-led words only: not an item
        const int64_t gold_count = counts[b][gold];

        std::vector<std::string> choices{gold};
        int attempts = 0;
        while (choices.size() < kChoices) {
            if (++attempts > 1000) throw Error(books[b].name + ": cannot draw distinct distractor words");
            const std::string* best = nullptr;
            int64_t best_diff = INT64_MAX;
            for (int c = 0; c < kCandidates; ++c) {
                const std::string& cand = occurrences[b][size_t(uniform_below(rng, occurrences[b].size()))];
                bool taken = std::any_of(choices.begin(), choices.end(), [&](const std::string& s) {
                    return std::equal(s.begin(), s.end(), cand.begin(), cand.end(), [](char x, char y) {
                        return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
                    });
                });
                if (taken) continue;
                int64_t diff = std::llabs(counts[b][cand] - gold_count);
                if (diff < best_diff) best = &cand, best_diff = diff;
            }
            if (best) choices.push_back(*best);
        }
        size_t gold_pos = size_t(uniform_below(rng, kChoices));
        std::swap(choices[0], choices[gold_pos]);

        std::string context = books[b].verses[v - 1] + "\n" + words[0];
        for (size_t i = 1; i < k; ++i) context += " " + words[i];
        nlohmann::json j;
        j["id"] = books[b].name + " " + std::to_string(v + 1) + " w" + std::to_string(k + 1);  // verse and word, 1-based
        j["context"] = context;
        j["choices"] = choices;
        j["gold"] = gold_pos;
        j["delimiter"] = " ";
        out += j.dump() + "\n";
    }
    return out;
}

}  // namespace qs
