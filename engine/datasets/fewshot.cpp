#include "datasets/fewshot.h"

#include <algorithm>

#include "core/error.h"

namespace qs::datasets {

FewshotSampler::FewshotSampler(size_t n_examples, size_t k, uint64_t seed) : rnd_(seed), n_(n_examples), k_(k) {}

std::vector<size_t> FewshotSampler::next(std::optional<size_t> self) {
    const size_t draws = std::min(n_, k_ + (self ? 1 : 0));
    std::vector<size_t> picks;
    for (uint64_t i : rnd_.sample(n_, draws))
        if (picks.size() < k_ && (!self || i != *self)) picks.push_back(size_t(i));
    return picks;
}

std::string fewshot_prefix(const std::string& description, const std::vector<TaskItem>& shots, const std::vector<size_t>& picks) {
    std::string prefix = description;
    for (size_t i : picks) {
        const TaskChoice& gold = shots.at(i).choices.at(size_t(shots[i].gold));
        prefix += gold.context + gold.continuation + "\n\n";
    }
    return prefix;
}

std::string fewshot_prefix(const std::string& description, const std::vector<TaskItem>& shots, size_t k,
                           const std::string& source) {
    if (k > shots.size()) fail_file(source, "{}-shot prompting needs {} examples, the file has {}", k, k, shots.size());
    std::vector<size_t> first(k);
    for (size_t i = 0; i < k; ++i) first[i] = i;
    return fewshot_prefix(description, shots, first);
}

void prepend_to_contexts(TaskItem& item, const std::string& prefix) {
    if (prefix.empty()) return;
    for (TaskChoice& choice : item.choices) choice.context.insert(0, prefix);
}

}  // namespace qs::datasets
