// Dataset loaders: each format's loader (and the format detection) on an arbitrary file. Under
// libFuzzer one executable per format (a generated source names it, so each has its own corpus);
// in the replay executable one target per format, "dataset_<format>".
//
// Input: the data file, then optionally a NUL byte and a companion file: the labels file for
// PIQA/WinoGrande, the dev CSV for MMLU (1-shot), the few-shot source for the others (1-shot).
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "core/error.h"
#include "datasets/task_dataset.h"
#include "fuzz_support.h"
#include "fuzz_target.h"

using namespace qs;
namespace fs = std::filesystem;

namespace {

struct FormatFiles {
    const char* format;
    const char* data;       // relative to the scratch dir
    const char* load_path;  // what dataset_load is given ("" = the data file)
    const char* companion;  // where the part after the NUL goes ("" = nowhere)
    bool companion_is_fewshot;
};

// One entry per loader in dataset_formats() (the replay executable checks none is missing), plus
// HellaSwag's bzip2-compressed file as llama.cpp ships it.
constexpr FormatFiles kFiles[] = {
    {"hellaswag-llamacpp", "hs/hellaswag_val.txt", "", "hs/shots.txt", true},
    {"hellaswag-llamacpp", "hsbz/hellaswag_val.txt.bz2", "", "", false},
    {"hellaswag-jsonl", "hsj/hellaswag.jsonl", "", "hsj/shots.jsonl", true},
    {"arc", "arc/ARC-Test.jsonl", "", "arc/shots.jsonl", true},
    {"mmlu", "mmlu/test/some_subject_test.csv", "mmlu/test", "mmlu/dev/some_subject_dev.csv", false},
    {"winogrande", "wg/dev.jsonl", "", "wg/dev-labels.lst", false},
    {"piqa", "piqa/valid.jsonl", "", "piqa/valid-labels.lst", false},
    {"sst2", "sst2/dev.tsv", "", "sst2/shots.tsv", true},
    {"lambada", "lambada/lambada_test.txt", "", "lambada/shots.txt", true},
    {"openbookqa", "obqa/test.jsonl", "", "obqa/shots.jsonl", true},
    {"commonsense_qa", "csqa/dev.jsonl", "", "csqa/shots.jsonl", true},
    {"copa", "copa/val.jsonl", "", "copa/shots.jsonl", true},
    {"boolq", "boolq/val.jsonl", "", "boolq/shots.jsonl", true},
    {"rte", "rte/val.jsonl", "", "rte/shots.jsonl", true},
    {"jsonl", "jsonl/task.jsonl", "", "jsonl/shots.jsonl", true},
    {"gsm8k", "gsm8k/test.jsonl", "", "gsm8k/train.jsonl", true},
    {"humaneval", "humaneval/HumanEval.jsonl", "", "", false},
    {"mbpp", "mbpp/mbpp.jsonl", "", "", false},
    {"generate-jsonl", "gen/task.jsonl", "", "", false},
};

void fuzz_format(const FormatFiles& spec, const uint8_t* data, size_t size) {
    const fuzz::TwoParts parts = fuzz::split_at_nul(data, size);
    const std::string file = fuzz::write_scratch(spec.data, parts.first);
    DatasetOptions options;
    options.on_bad_line = BadLinePolicy::Skip;
    if (*spec.companion) {
        const std::string companion = fuzz::scratch_dir() + "/" + spec.companion;
        if (parts.has_second) {
            fuzz::write_scratch(spec.companion, parts.second);
            if (spec.companion_is_fewshot || std::string(spec.format) == "mmlu") options.num_fewshot = 1;
            if (spec.companion_is_fewshot) options.fewshot_path = companion;
        } else {
            std::error_code ec;
            fs::remove(companion, ec);  // left by an earlier input
        }
    }
    const std::string path = *spec.load_path ? fuzz::scratch_dir() + "/" + spec.load_path : file;
    try {
        (void)dataset_detect_format(path);
    } catch (const Error&) {
    }
    try {
        const TaskDataset ds = dataset_load(spec.format, path, options);
        if (ds.items.empty()) std::abort();  // dataset_load promises at least one item
        for (const TaskItem& item : ds.items) {
            if (ds.kind == TaskKind::Generation) {  // a prompt to complete and no choices
                if (!item.choices.empty()) std::abort();
                continue;
            }
            if (item.choices.empty() || item.gold < 0 || size_t(item.gold) >= item.choices.size()) std::abort();
            for (const TaskChoice& c : item.choices) (void)choice_char_length(c);
        }
    } catch (const Error&) {
    }
}

const FormatFiles* files_of(const std::string& format, bool bz2) {
    for (const FormatFiles& f : kFiles)
        if (format == f.format && bz2 == std::string(f.data).ends_with(".bz2")) return &f;
    return nullptr;
}

}  // namespace

#ifdef QS_FUZZ_LIBFUZZER
// Which format this executable fuzzes: defined by its generated fuzz_dataset_<name>_format.cpp
// (tests/fuzz/CMakeLists.txt), so every dataset harness links one compiled copy of this file.
extern const char* const qs_fuzz_dataset_format;
extern const bool qs_fuzz_dataset_bz2;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const FormatFiles* spec = files_of(qs_fuzz_dataset_format, qs_fuzz_dataset_bz2);
    fuzz_format(*spec, data, size);
    return 0;
}
#else
[[maybe_unused]] static const bool registered = [] {
    // A new format without a line in kFiles fails this target (run by CTest on an empty input).
    fuzz::register_target("dataset_coverage", [](const uint8_t*, size_t) {
        bool missing = false;
        for (const std::string& format : dataset_formats())
            if (!files_of(format, false)) {
                std::fprintf(stderr, "tests/fuzz/fuzz_dataset.cpp: format '%s' has no line in kFiles\n", format.c_str());
                missing = true;
            }
        if (missing) std::abort();
    });
    for (const FormatFiles& f : kFiles) {
        std::string name = std::string("dataset_") + f.format + (std::string(f.data).ends_with(".bz2") ? "_bz2" : "");
        for (char& c : name)
            if (c == '-') c = '_';
        fuzz::register_target(name, [&f](const uint8_t* data, size_t size) { fuzz_format(f, data, size); });
    }
    return true;
}();
#endif
