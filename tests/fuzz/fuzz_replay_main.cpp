// The replay executable: runs registered harnesses over files, once each, without libFuzzer.
//   fuzz_replay --list
//   fuzz_replay NAME FILE_OR_DIR...     every regular file (directories: their files, sorted)
//   fuzz_replay NAME                    the empty input only
// Exits non-zero on a missing target or unreadable input; a finding aborts (or a sanitizer
// reports), which fails the CTest test that runs the corpus.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "fuzz_target.h"

namespace fs = std::filesystem;

namespace qs::fuzz {

static std::map<std::string, TargetFn>& registry() {
    static std::map<std::string, TargetFn> targets;
    return targets;
}

bool register_target(const std::string& name, TargetFn fn) {
    registry().emplace(name, std::move(fn));
    return true;
}

}  // namespace qs::fuzz

int main(int argc, char** argv) {
    auto& targets = qs::fuzz::registry();
    if (argc == 2 && std::string(argv[1]) == "--list") {
        for (const auto& [name, fn] : targets) std::printf("%s\n", name.c_str());
        return 0;
    }
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s --list | NAME [FILE_OR_DIR...]\n", argv[0]);
        return 2;
    }
    const auto it = targets.find(argv[1]);
    if (it == targets.end()) {
        std::fprintf(stderr, "fuzz_replay: no harness named '%s' (see --list)\n", argv[1]);
        return 2;
    }
    std::vector<fs::path> inputs;
    for (int i = 2; i < argc; ++i) {
        if (fs::is_directory(argv[i])) {
            std::vector<fs::path> files;
            for (const auto& e : fs::directory_iterator(argv[i]))
                if (e.is_regular_file()) files.push_back(e.path());
            std::sort(files.begin(), files.end());
            inputs.insert(inputs.end(), files.begin(), files.end());
        } else {
            inputs.emplace_back(argv[i]);
        }
    }
    if (argc == 2) {
        it->second(nullptr, 0);
        std::printf("%s: the empty input, no finding\n", argv[1]);
        return 0;
    }
    for (const fs::path& p : inputs) {
        std::ifstream in(p, std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "fuzz_replay: cannot read %s\n", p.c_str());
            return 2;
        }
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::fprintf(stderr, "%s: %s (%zu bytes)\n", argv[1], p.filename().c_str(), bytes.size());
        it->second(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    }
    std::printf("%s: %zu inputs, no finding\n", argv[1], inputs.size());
    return 0;
}
