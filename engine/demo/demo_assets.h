// QuantScope's built-in demo: a small llama trained by the project (resources/demo/, recipe in
// tools/demo/) and two datasets generated on first use from the King James Bible's held-out books
// (the books the model never saw; split rule in kjv_text.h):
//   - a perplexity corpus: the held-out verses, one per line;
//   - a 4-way "which word comes next in this verse?" task in the generic "jsonl" format (next_word_task.h).
//
//   qs::Progress progress;
//   qs::DemoAssets demo = qs::demo_prepare(cache_dir, progress);
//   auto model = qs::Model::load(demo.model_path);
//   auto task = qs::dataset_load(demo.task_format, demo.task_path);
#pragma once

#include <cstdint>
#include <string>

#include "core/progress.h"

namespace qs {

struct DemoAssets {
    std::string model_path;    // the demo GGUF (F32)
    std::string text_program;  // what the text was read through (/usr/bin/bible)
    std::string text_data;     // the installed text (/usr/lib/bible.data)
    std::string corpus_path;   // <cache_dir>/kjv-heldout-v1.txt
    std::string task_path;     // <cache_dir>/kjv-next-word-v1.jsonl
    std::string task_format = "jsonl";
    int64_t corpus_bytes = 0;
    int64_t task_items = 0;
    bool generated = false;    // true when this call wrote the files (false: they were cached)
};

// The demo model: env QS_DEMO_MODEL if set, else the resources/demo file this build was configured
// with. Throws qs::Error naming the path when the file is absent.
std::string demo_model_path();

// Returns the demo's files, generating the datasets into cache_dir (created if needed) when they are
// missing. Files are written under a temporary name and renamed, so an interrupted run never leaves a
// partial dataset. Throws qs::Error naming the missing package file ("install it with: sudo apt-get
// install bible-kjv bible-kjv-text") when the text is not installed, and for unwritable cache_dir.
DemoAssets demo_prepare(const std::string& cache_dir, Progress& progress);

}  // namespace qs
