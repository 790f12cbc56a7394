// quantscope-cli bench: being written (issue 4). Registered so the command list is stable.
#include "commands.h"
#include "core/error.h"

namespace qs::cli {

void add_bench_command(CLI::App& app, const GlobalOptions&) {
    auto* cmd = app.add_subcommand("bench", "(not yet available)");
    cmd->callback([] { throw qs::Error("quantscope-cli bench: not available in this build yet"); });
}

}  // namespace qs::cli
