// Running the built quantscope-cli from a test as a user would (QS_CLI_PATH is compiled into each
// CLI test): exit code, stdout and stderr.
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

// `args` are pasted into a shell command line: quote paths with '...'.
inline CliOutput run_cli(const std::string& args) {
    const std::string dir = temp_dir();
    const std::string out = dir + "/cli.out", err = dir + "/cli.err";
    const int status = std::system(("'" + std::string(QS_CLI_PATH) + "' " + args + " >'" + out + "' 2>'" + err + "'").c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}

}  // namespace qs::test
