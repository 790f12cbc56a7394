#include "fuzz_support.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace qs::fuzz {

const std::string& scratch_dir() {
    // Never destroyed: the exit handler that removes the directory runs after static destructors.
    static const std::string* dir = [] {
        std::error_code ec;
        const fs::path base = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
        const fs::path p = base / ("qs-fuzz-" + std::to_string(::getpid()));
        fs::remove_all(p, ec);
        fs::create_directories(p);
        auto* s = new std::string(p.string());
        std::atexit([] {
            std::error_code e;
            fs::remove_all(scratch_dir(), e);
        });
        return s;
    }();
    return *dir;
}

std::string write_scratch(const std::string& relative, std::string_view bytes) {
    const fs::path path = fs::path(scratch_dir()) / relative;
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    if (!out) std::abort();  // the harness's own plumbing failed: not a finding about the reader
    return path.string();
}

std::string shared_file(const std::string& relative) {
    const char* env = std::getenv("QS_SHARED_DIR");
    const fs::path root = (env && *env) ? fs::path(env) : fs::path(QS_SHARED_DIR);
    std::error_code ec;
    return fs::exists(root / relative, ec) ? (root / relative).string() : std::string();
}

TwoParts split_at_nul(const uint8_t* data, size_t size) {
    const std::string_view all(reinterpret_cast<const char*>(data), size);
    const size_t nul = all.find('\0');
    if (nul == std::string_view::npos) return {all, {}, false};
    return {all.substr(0, nul), all.substr(nul + 1), true};
}

}  // namespace qs::fuzz
