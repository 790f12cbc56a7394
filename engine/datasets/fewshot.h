// k-shot prompting as lm-eval builds it with the first_n sampler (MMLU's): the description, then
// the first k labelled examples, each "doc_to_text + target_delimiter + target", joined and
// followed by the few-shot delimiter "\n\n", then the item's own prompt.
#pragma once

#include <string>
#include <vector>

#include "datasets/task_dataset.h"

namespace qs::datasets {

// description + "\n\n".join(shot text of shots[0..k)) + "\n\n" (just description when k == 0).
// A shot's text is its gold choice's context + continuation. Throws qs::Error naming `source`
// when it has fewer than k items.
std::string fewshot_prefix(const std::string& description, const std::vector<TaskItem>& shots, size_t k,
                           const std::string& source);

// Puts prefix in front of every choice's context.
void prepend_to_contexts(TaskItem& item, const std::string& prefix);

}  // namespace qs::datasets
