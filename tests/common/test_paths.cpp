#include "common/test_paths.h"

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

namespace fs = std::filesystem;

namespace qs::test {

std::string shared_path(const std::string& relative) {
    const char* env = std::getenv("QS_SHARED_DIR");
    const fs::path root = (env && *env) ? fs::path(env) : fs::path(QS_SHARED_DIR);
    const fs::path p = root / relative;
    std::error_code ec;
    if (!fs::exists(p, ec)) return {};
    return fs::weakly_canonical(p, ec).string();
}

std::string temp_dir() {
    static const std::string dir = [] {
        fs::path p = fs::temp_directory_path() / ("qs-test-" + std::to_string(::getpid()));
        fs::remove_all(p);
        fs::create_directories(p);
        // Removed when the test process exits, so test runs leave nothing behind in /tmp.
        std::atexit([] {
            std::error_code ec;
            fs::remove_all(fs::temp_directory_path() / ("qs-test-" + std::to_string(::getpid())), ec);
        });
        return p.string();
    }();
    return dir;
}

}  // namespace qs::test
