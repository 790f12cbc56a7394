#include "datasets/fewshot.h"

#include "core/error.h"

namespace qs::datasets {

std::string fewshot_prefix(const std::string& description, const std::vector<TaskItem>& shots, size_t k,
                           const std::string& source) {
    if (k > shots.size()) fail_file(source, "{}-shot prompting needs {} examples, the file has {}", k, k, shots.size());
    std::string prefix = description;
    for (size_t i = 0; i < k; ++i) {
        const TaskChoice& gold = shots[i].choices.at(size_t(shots[i].gold));
        prefix += gold.context + gold.continuation + "\n\n";
    }
    return prefix;
}

void prepend_to_contexts(TaskItem& item, const std::string& prefix) {
    if (prefix.empty()) return;
    for (TaskChoice& choice : item.choices) choice.context.insert(0, prefix);
}

}  // namespace qs::datasets
