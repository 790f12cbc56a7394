// Runs the built quantscope-cli (QS_CLI_PATH, compiled in) as a user would, through the shell, and
// gives back its exit code and what it printed.
#pragma once

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include "common/test_paths.h"

namespace qs::test {

struct CliOutput {
    int exit_code = -1;
    std::string out, err;
};

inline std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// `command` is run by the shell as it is (quote paths); its stdout and stderr are captured.
inline CliOutput run_shell(const std::string& command) {
    const std::string dir = temp_dir();
    const std::string out = dir + "/cmd.out", err = dir + "/cmd.err";
    const int status = std::system((command + " >'" + out + "' 2>'" + err + "'").c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}

// quantscope-cli with `args` (already quoted for the shell).
inline CliOutput run_cli(const std::string& args) { return run_shell("'" + std::string(QS_CLI_PATH) + "' " + args); }

}  // namespace qs::test
