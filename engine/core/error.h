// Errors the engine reports to its callers.
//
// Every failure that a user can cause (a bad file, a bad flag, a bad dataset line) is thrown as
// qs::Error with a message that names the file and what is wrong, so that the CLI and the GUI can
// show it as is. Programming errors use assert/QS_ASSERT and never reach users in a release build.
#pragma once

#include <stdexcept>
#include <string>
#include <fmt/format.h>

namespace qs {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// The user cancelled long work (a job, a quantization). Not a failure: callers keep what is done.
class Cancelled : public std::runtime_error {
public:
    Cancelled() : std::runtime_error("cancelled") {}
};

// Throws qs::Error("<file>: <message>").
template <class... Args>
[[noreturn]] void fail_file(const std::string& file, fmt::format_string<Args...> f, Args&&... args) {
    throw Error(file + ": " + fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace qs
