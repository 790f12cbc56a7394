// Runs a shell command for the tests that drive the built quantscope-cli: stdout and stderr
// appended to `out`, the exit status returned (-1 when it could not run or did not exit).
#pragma once

#include <cstdio>
#include <string>
#include <sys/wait.h>

namespace qs::test {

inline int run_command(const std::string& cmd, std::string& out) {
    FILE* pipe = popen((cmd + " 2>&1").c_str(), "r");
    if (!pipe) return -1;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
    const int status = pclose(pipe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace qs::test
