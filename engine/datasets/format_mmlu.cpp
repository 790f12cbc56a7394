// MMLU: headerless CSVs "question,A,B,C,D,answer", one file per subject ("<subject>_test.csv"),
// prompted like lm-eval's mmlu (default template): a subject description, then
// "{question.strip()}\nA. {A}\nB. {B}\nC. {C}\nD. {D}\nAnswer:" with choices " A".." D", and for
// k-shot the first k rows of the subject's dev file (sampler first_n).
#include <algorithm>
#include <filesystem>

#include "datasets/csv.h"
#include "datasets/fewshot.h"
#include "datasets/formats.h"

namespace qs::datasets {

namespace fs = std::filesystem;

namespace {

constexpr const char* kLetters[4] = {"A", "B", "C", "D"};

// "abstract_algebra_test.csv" -> "abstract_algebra": the split suffix names no part of the subject.
std::string subject_key(const fs::path& file) {
    std::string stem = file.stem().string();
    for (const char* suffix : {"_test", "_dev", "_val"}) {
        const std::string s = suffix;
        if (stem.size() > s.size() && stem.compare(stem.size() - s.size(), s.size(), s) == 0) {
            stem.erase(stem.size() - s.size());
            break;
        }
    }
    return stem;
}

std::string subject_name(const std::string& key) {
    std::string name = key;
    std::replace(name.begin(), name.end(), '_', ' ');
    return name;
}

// The items of one MMLU CSV (contexts without description or shots).
void read_mmlu_file(TaskDataset& dataset, const std::string& file, BadLinePolicy policy, const std::string& group,
                    std::vector<TaskItem>& out) {
    const std::string text = dataset_read_text(file);
    for (const CsvRecord& rec : csv_parse(text)) {
        guard_item(dataset, policy, [&] {
            if (!rec.error.empty()) fail_line(file, rec.line, "{}", rec.error);
            if (rec.fields.size() != 6)
                fail_line(file, rec.line, "wrong column count: expected 6 (question,A,B,C,D,answer), found {}", rec.fields.size());
            const std::string_view answer = strip(rec.fields[5]);
            int gold = -1;
            for (int c = 0; c < 4; ++c)
                if (answer == kLetters[c]) gold = c;
            if (gold < 0) fail_line(file, rec.line, "answer '{}' is not one of A, B, C, D", rec.fields[5]);
            std::string context(strip(rec.fields[0]));
            for (int c = 0; c < 4; ++c) context += fmt::format("\n{}. {}", kLetters[c], rec.fields[size_t(c) + 1]);
            context += "\nAnswer:";
            TaskItem item;
            for (int c = 0; c < 4; ++c) item.choices.push_back(make_choice(context, kLetters[c]));
            item.gold = gold;
            item.source_file = file;
            item.source_line = rec.line;
            item.group = group;
            item.id = default_item_id(file, rec.line);
            out.push_back(std::move(item));
        });
    }
}

std::vector<fs::path> csv_files(const std::string& path) {
    if (!fs::is_directory(path)) return {fs::path(path)};
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(path))
        if (entry.is_regular_file() && entry.path().extension() == ".csv") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    if (files.empty()) fail_file(path, "no .csv file in this MMLU directory");
    return files;
}

// Where the dev shots live: the option, else a "dev" directory beside the test directory.
std::string fewshot_source(const std::string& path, const DatasetOptions& options) {
    if (!options.fewshot_path.empty()) {
        if (!fs::exists(options.fewshot_path)) fail_file(options.fewshot_path, "few-shot source not found");
        return options.fewshot_path;
    }
    const fs::path dir = fs::is_directory(path) ? fs::path(path) : fs::path(path).parent_path();
    const fs::path dev = fs::absolute(dir).lexically_normal().parent_path() / "dev";
    if (!fs::is_directory(dev))
        fail_file(path, "{}-shot MMLU needs the dev split: pass its directory (no {} beside it)", options.num_fewshot, dev.string());
    return dev.string();
}

}  // namespace

void load_mmlu(TaskDataset& dataset, const DatasetOptions& options) {
    const std::vector<fs::path> files = csv_files(dataset.path);
    const size_t k = size_t(options.num_fewshot);
    const std::string shots_from = k > 0 ? fewshot_source(dataset.path, options) : std::string();

    for (const fs::path& file : files) {
        const std::string key = subject_key(file);
        const std::string subject = subject_name(key);
        std::string prefix = "The following are multiple choice questions (with answers) about " + subject + ".\n\n";
        if (k > 0) {
            const std::string dev_file = fs::is_directory(shots_from) ? (fs::path(shots_from) / (key + "_dev.csv")).string() : shots_from;
            if (!fs::exists(dev_file)) fail_file(dev_file, "dev file for MMLU subject '{}' not found", subject);
            // Few-shot rows appear in every prompt of the subject: a bad one is never skipped.
            TaskDataset dev;
            dev.path = dev_file;
            std::vector<TaskItem> shots;
            read_mmlu_file(dev, dev_file, BadLinePolicy::Stop, subject, shots);
            prefix = fewshot_prefix(prefix, shots, k, dev_file);
        }
        std::vector<TaskItem> items;
        read_mmlu_file(dataset, file.string(), options.on_bad_line, subject, items);
        for (TaskItem& item : items) {
            prepend_to_contexts(item, prefix);
            dataset.items.push_back(std::move(item));
        }
    }
}

}  // namespace qs::datasets
