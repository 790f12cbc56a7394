// k-shot prompting as lm-eval builds it: the description, then k labelled examples, each
// "doc_to_text + target_delimiter + target", joined and followed by the few-shot delimiter "\n\n",
// then the item's own prompt. Which examples: the first k (lm-eval's first_n sampler, MMLU's), or
// lm-eval's default sampler, which draws them at random for each item (FewshotSampler).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/python_random.h"
#include "datasets/task_dataset.h"

namespace qs::datasets {

// lm-eval's default sampler: one random.Random(1234) per task (its fewshot_random_seed), and for
// each evaluated item in order rnd.sample(examples, k). When the examples are the evaluated file
// itself, k + 1 are drawn, the item itself is dropped and the first k kept. The same item order
// as lm-eval's (file order, from the first item) gives the same examples per item.
class FewshotSampler {
public:
    FewshotSampler(size_t n_examples, size_t k, uint64_t seed = 1234);
    // Indices into the examples for the next item; `self` = the item's own index among the
    // examples when they come from the same file.
    std::vector<size_t> next(std::optional<size_t> self = std::nullopt);

private:
    PythonRandom rnd_;
    size_t n_, k_;
};

// description + the shot text of shots[i] for each i in `picks`, each followed by "\n\n".
std::string fewshot_prefix(const std::string& description, const std::vector<TaskItem>& shots, const std::vector<size_t>& picks);

// description + "\n\n".join(shot text of shots[0..k)) + "\n\n" (just description when k == 0).
// A shot's text is its gold choice's context + continuation. Throws qs::Error naming `source`
// when it has fewer than k items.
std::string fewshot_prefix(const std::string& description, const std::vector<TaskItem>& shots, size_t k,
                           const std::string& source);

// Puts prefix in front of every choice's context.
void prepend_to_contexts(TaskItem& item, const std::string& prefix);

}  // namespace qs::datasets
