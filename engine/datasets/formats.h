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
void load_openbookqa(TaskDataset& dataset, const DatasetOptions& options);
void load_commonsense_qa(TaskDataset& dataset, const DatasetOptions& options);
void load_copa(TaskDataset& dataset, const DatasetOptions& options);
void load_boolq(TaskDataset& dataset, const DatasetOptions& options);
void load_rte(TaskDataset& dataset, const DatasetOptions& options);
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

// Source, line and id (the `id_field` when present, else "<file name>:<line>") of an item.
void set_item_origin(TaskItem& item, const nlohmann::json& doc, const char* id_field, const std::string& path,
                     const TextLine& line);

// A choice of the AI2-style question formats (ARC, OpenBookQA, CommonsenseQA).
struct LabeledChoice {
    std::string label, text;
};
// `choices` as AI2 ships it, [{"label": "A", "text": "..."}, ...], or as Hugging Face datasets
// store it, {"label": ["A", ...], "text": ["...", ...]}; `where` names the field in errors.
std::vector<LabeledChoice> labeled_choices(const nlohmann::json& choices, const char* where, const std::string& path,
                                           int64_t line);

// A two-way label: a JSON integer 0/1 or digit string "0"/"1"; a JSON boolean (false = 0) when
// accept_bool; or, when given, name0 / name1 (compared case-insensitively) for 0 / 1. Fails the
// line naming every spelling it accepts; a missing field or -1 says the split has no labels.
int json_two_way_label(const nlohmann::json& doc, const char* field, const std::string& path, int64_t line,
                       bool accept_bool, const char* name0 = nullptr, const char* name1 = nullptr);

}  // namespace qs::datasets
