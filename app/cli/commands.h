// The sub-commands of quantscope-cli. Each registers its flags on the app and runs when chosen;
// their flags and JSON keys are interfaces scripts rely on: extend, never rename.
#pragma once

#include <CLI/CLI.hpp>

namespace qs::cli {

// Options every command shares.
struct GlobalOptions {
    bool quiet = false;  // no progress bar
};

void add_info_command(CLI::App& app, const GlobalOptions& global);
void add_tokenize_command(CLI::App& app, const GlobalOptions& global);
void add_perplexity_command(CLI::App& app, const GlobalOptions& global);
void add_quantize_command(CLI::App& app, const GlobalOptions& global);
void add_convert_command(CLI::App& app, const GlobalOptions& global);  // cmd_convert.cpp
void add_eval_command(CLI::App& app, const GlobalOptions& global);   // cmd_eval.cpp
void add_bench_command(CLI::App& app, const GlobalOptions& global);  // cmd_bench.cpp
void add_cost_command(CLI::App& app, const GlobalOptions& global);   // cmd_cost.cpp
void add_demo_command(CLI::App& app, const GlobalOptions& global);   // cmd_demo.cpp
void add_history_command(CLI::App& app, const GlobalOptions& global);  // cmd_history.cpp
void add_generate_command(CLI::App& app, const GlobalOptions& global);  // cmd_generate.cpp
void add_check_task_command(CLI::App& app, const GlobalOptions& global);  // cmd_check_task.cpp
void add_report_command(CLI::App& app, const GlobalOptions& global);   // cmd_report.cpp
void add_dataset_command(CLI::App& app, const GlobalOptions& global);  // cmd_dataset.cpp
void add_imatrix_command(CLI::App& app, const GlobalOptions& global);  // cmd_imatrix.cpp
void add_serve_command(CLI::App& app, const GlobalOptions& global);    // cmd_serve.cpp
void add_detect_command(CLI::App& app, const GlobalOptions& global);   // cmd_detect.cpp
void add_monitor_command(CLI::App& app, const GlobalOptions& global);  // cmd_monitor.cpp
void add_sensitivity_command(CLI::App& app, const GlobalOptions& global);  // cmd_sensitivity.cpp
void add_calibration_command(CLI::App& app, const GlobalOptions& global);  // cmd_calibration.cpp
void add_recommend_command(CLI::App& app, const GlobalOptions& global);    // cmd_recommend.cpp

// Sets the OpenMP thread count; 0 means every core.
void set_threads(int n_threads);

}  // namespace qs::cli
