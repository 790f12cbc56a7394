#include "demo/demo_assets.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "demo/kjv_text.h"
#include "demo/next_word_task.h"

#ifndef QS_DEMO_MODEL_PATH
#error "QS_DEMO_MODEL_PATH must be defined by engine/demo/CMakeLists.txt"
#endif

namespace qs {
namespace fs = std::filesystem;

namespace {

// Bump when the generation rules change, so caches made by older rules are not reused.
constexpr const char* kCorpusName = "kjv-heldout-v1.txt";
constexpr const char* kTaskName = "kjv-next-word-v1.jsonl";

int64_t count_lines(const std::string& s) {
    int64_t n = 0;
    for (char c : s) n += c == '\n';
    return n;
}

}  // namespace

std::string demo_model_path() {
    const char* env = std::getenv("QS_DEMO_MODEL");
    std::string path = env && *env ? env : QS_DEMO_MODEL_PATH;
    if (!fs::exists(path)) fail_file(path, "the demo model is missing (set QS_DEMO_MODEL to its path)");
    return path;
}

DemoAssets demo_prepare(const std::string& cache_dir, Progress& progress) {
    DemoAssets out;
    out.model_path = demo_model_path();
    out.text_program = kjv_program_path();
    out.text_data = kKjvDataPath;
    fs::path dir(cache_dir);
    out.corpus_path = (dir / kCorpusName).string();
    out.task_path = (dir / kTaskName).string();

    progress.begin(3, "demo datasets");
    if (!fs::exists(out.corpus_path) || !fs::exists(out.task_path)) {
        std::error_code ec;
        fs::create_directories(dir, ec);
        if (ec) fail_file(cache_dir, "cannot create the cache directory: {}", ec.message());
        std::vector<KjvBook> held = kjv_select(kjv_read(), true);
        progress.advance();
        progress.check_cancel();
        write_file_atomic(out.corpus_path, kjv_books_text(held));
        progress.advance();
        write_file_atomic(out.task_path, next_word_task_jsonl(held));
        progress.advance();
        out.generated = true;
    } else {
        progress.advance(3);
    }
    out.corpus_bytes = int64_t(fs::file_size(out.corpus_path));
    std::ifstream f(out.task_path, std::ios::binary);
    std::string task((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    out.task_items = count_lines(task);
    return out;
}

}  // namespace qs
