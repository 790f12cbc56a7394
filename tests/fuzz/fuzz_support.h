// What the harnesses share: a scratch directory for the files a path-taking reader needs, and
// where ../shared is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace qs::fuzz {

// A private directory for this process, on tmpfs (/dev/shm) when there is one so that writing an
// input per execution costs no disk I/O. Removed at exit.
const std::string& scratch_dir();

// Writes bytes to scratch_dir()/relative (creating parent folders) and returns the path.
std::string write_scratch(const std::string& relative, std::string_view bytes);
inline std::string write_scratch(const std::string& relative, const uint8_t* data, size_t size) {
    return write_scratch(relative, std::string_view(reinterpret_cast<const char*>(data), size));
}

// Absolute path of shared/<relative> ($QS_SHARED_DIR, else the build's ../shared), "" if absent.
std::string shared_file(const std::string& relative);

// Splits an input at its first NUL byte: the harnesses that need two files (a dataset and its
// labels) take them from one input. `second` is empty when there is no NUL.
struct TwoParts {
    std::string_view first, second;
    bool has_second = false;
};
TwoParts split_at_nul(const uint8_t* data, size_t size);

}  // namespace qs::fuzz
