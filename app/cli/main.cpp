// quantscope-cli: the QuantScope engine without a window, for scripts and CI.
#include <csignal>
#include <cstdio>
#include <exception>

#include "commands.h"
#include "core/error.h"
#include "core/openmp_env.h"

int main(int argc, char** argv) {
    qs::openmp_env_defaults(argv);  // before OpenMP starts (see core/openmp_env.h)
    // Under a file size limit (RLIMIT_FSIZE, ulimit -f) a write past it would kill the process;
    // ignored, the write fails (EFBIG) and is reported like a full disk, the database intact.
    std::signal(SIGXFSZ, SIG_IGN);
    CLI::App app{"QuantScope: what does quantizing this LLM cost in quality, and what does it buy?", "quantscope-cli"};
    app.require_subcommand(1);
    app.fallthrough();  // global flags such as --quiet may follow the sub-command
    app.set_version_flag("--version", "quantscope-cli 0.1.0");
    qs::cli::GlobalOptions global;
    app.add_flag("-q,--quiet", global.quiet, "No progress bar on stderr");

    qs::cli::add_info_command(app, global);
    qs::cli::add_tokenize_command(app, global);
    qs::cli::add_perplexity_command(app, global);
    qs::cli::add_quantize_command(app, global);
    qs::cli::add_convert_command(app, global);
    qs::cli::add_imatrix_command(app, global);
    qs::cli::add_eval_command(app, global);
    qs::cli::add_bench_command(app, global);
    qs::cli::add_cost_command(app, global);
    qs::cli::add_demo_command(app, global);
    qs::cli::add_history_command(app, global);
    qs::cli::add_generate_command(app, global);
    qs::cli::add_check_task_command(app, global);
    qs::cli::add_report_command(app, global);
    qs::cli::add_dataset_command(app, global);
    qs::cli::add_serve_command(app, global);
    qs::cli::add_detect_command(app, global);
    qs::cli::add_monitor_command(app, global);
    qs::cli::add_sensitivity_command(app, global);
    qs::cli::add_calibration_command(app, global);
    qs::cli::add_recommend_command(app, global);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const qs::Cancelled&) {
        std::fprintf(stderr, "quantscope-cli: cancelled\n");
        return 130;
    } catch (const qs::Error& e) {
        std::fprintf(stderr, "quantscope-cli: error: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "quantscope-cli: internal error: %s\n", e.what());
        return 3;
    }
    return 0;
}
