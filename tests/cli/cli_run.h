// Runs the built quantscope-cli (QS_CLI_PATH) through the shell and collects what it printed.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

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

// `command` is run by the shell as it is (quote paths); `tag` names the files stdout and stderr go
// to, so tests running at once do not share them.
inline CliOutput run_shell(const std::string& command, const std::string& tag) {
    const std::string dir = temp_dir();
    const std::string out = dir + "/" + tag + ".out", err = dir + "/" + tag + ".err";
    const int status = std::system((command + " >'" + out + "' 2>'" + err + "'").c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}

// quantscope-cli with `args` appended as they are (quote paths with spaces).
inline CliOutput run_cli(const std::string& args, const std::string& tag) {
    return run_shell("'" + std::string(QS_CLI_PATH) + "' " + args, tag);
}

}  // namespace qs::test
