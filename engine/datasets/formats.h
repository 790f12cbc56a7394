// The per-format loaders behind dataset_load. Each reads dataset.path and appends items to
// dataset.items, applying the bad-line policy per item; dataset_load does the rest (name, kind,
// the "no item" check, generic few-shot).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "datasets/dataset_io.h"
#include "datasets/task_dataset.h"

namespace qs::datasets {

void load_hellaswag_llamacpp(TaskDataset& dataset, const DatasetOptions& options);
void load_hellaswag_jsonl(TaskDataset& dataset, const DatasetOptions& options);
void load_arc(TaskDataset& dataset, const DatasetOptions& options);
void load_mmlu(TaskDataset& dataset, const DatasetOptions& options);  // does its own few-shot
void load_winogrande(TaskDataset& dataset, const DatasetOptions& options);
void load_piqa(TaskDataset& dataset, const DatasetOptions& options);
void load_sst2(TaskDataset& dataset, const DatasetOptions& options);
void load_lambada(TaskDataset& dataset, const DatasetOptions& options);
void load_generic_jsonl(TaskDataset& dataset, const DatasetOptions& options);
// Generation tasks (TaskKind::Generation); each builds its own few-shot prompt.
void load_gsm8k(TaskDataset& dataset, const DatasetOptions& options);
void load_humaneval(TaskDataset& dataset, const DatasetOptions& options);
void load_mbpp(TaskDataset& dataset, const DatasetOptions& options);
void load_generate_jsonl(TaskDataset& dataset, const DatasetOptions& options);

// Runs parse(object, line, ordinal) on every non-blank line of a JSONL file under the policy;
// ordinal counts non-blank lines from 0 (it pairs records with a separate labels file).
void jsonl_for_each(TaskDataset& dataset, const std::string& path, BadLinePolicy policy,
                    const std::function<void(const nlohmann::json&, const TextLine&, size_t)>& parse);

// A one-label-per-line file (PIQA's valid-labels.lst, WinoGrande's dev-labels.lst).
struct LabelLine {
    std::string text;
    int64_t number = 0;
};
std::vector<LabelLine> read_labels(const std::string& path);

// "<dir>/<stem>-labels.lst" for "<dir>/<stem>.jsonl": where AI2 ships the labels of a split.
std::string labels_path_for(const std::string& data_path);

// The item id when the source has none: "<file name>:<line>".
std::string default_item_id(const std::string& file, int64_t line);

// Where a JSONL item comes from: its file and line, and its id (the record's `id_field`, else
// "<file name>:<line>").
void set_item_source(TaskItem& item, const nlohmann::json& doc, const char* id_field, const std::string& file, int64_t line);

}  // namespace qs::datasets
