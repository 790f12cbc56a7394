#include "demo/next_verse_task.h"

#include <algorithm>
#include <cstdlib>
#include <random>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "datasets/task_dataset.h"

namespace qs {
namespace {

constexpr int kChoices = 4;
constexpr int64_t kMinDistance = 5;  // distractors are never this close to the item's verses
constexpr int kCandidates = 24;

// Uniform integer in [0, n) by rejection: unlike std::uniform_int_distribution, the same on every
// standard library, so the task file is identical wherever it is generated.
uint64_t uniform_below(std::mt19937_64& rng, uint64_t n) {
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = rng();
    while (x >= limit);
    return x % n;
}

struct VerseRef {
    size_t book;  // index into held_out_books
    size_t verse;
};

}  // namespace

std::string next_verse_task_jsonl(const std::vector<KjvBook>& books, const NextVerseOptions& opts) {
    // Anchors: verse pairs (v, v+1) with a next verse v+2 in the same book.
    std::vector<VerseRef> anchors;
    for (size_t b = 0; b < books.size(); ++b)
        for (size_t v = 0; v + 2 < books[b].verses.size(); ++v) anchors.push_back({b, v});

    std::mt19937_64 rng(opts.seed);
    std::string out;
    for (size_t idx : dataset_sample(anchors.size(), opts.n_items, opts.seed)) {
        const VerseRef a = anchors[idx];
        const auto& verses = books[a.book].verses;
        const std::string& gold = verses[a.verse + 2];
        std::vector<std::string> choices{gold};
        std::vector<size_t> used{a.verse + 2};
        int attempts = 0;
        while (choices.size() < kChoices) {
            if (++attempts > 1000)  // only a book of a dozen verses could get here
                throw Error(books[a.book].name + ": too few verses to draw next-verse distractors from");
            // The candidate closest in length to the gold among a few random far-away verses.
            size_t best = SIZE_MAX;
            int64_t best_diff = INT64_MAX;
            for (int c = 0; c < kCandidates; ++c) {
                size_t v = size_t(uniform_below(rng, verses.size()));
                bool near = std::llabs(int64_t(v) - int64_t(a.verse + 1)) <= kMinDistance;
                bool taken = std::find(used.begin(), used.end(), v) != used.end() ||
                             std::find(choices.begin(), choices.end(), verses[v]) != choices.end();
                if (near || taken) continue;
                int64_t diff = std::llabs(int64_t(verses[v].size()) - int64_t(gold.size()));
                if (diff < best_diff) best = v, best_diff = diff;
            }
            if (best == SIZE_MAX) continue;  // every candidate was rejected: draw again
            used.push_back(best);
            choices.push_back(verses[best]);
        }
        // Put the gold at a random position.
        size_t gold_pos = size_t(uniform_below(rng, kChoices));
        std::swap(choices[0], choices[gold_pos]);

        nlohmann::json item;
        item["id"] = books[a.book].name + " " + std::to_string(a.verse + 3);  // the gold verse, 1-based in book
        item["context"] = verses[a.verse] + "\n" + verses[a.verse + 1];
        item["choices"] = choices;
        item["gold"] = gold_pos;
        item["delimiter"] = "\n";
        out += item.dump() + "\n";
    }
    return out;
}

}  // namespace qs
