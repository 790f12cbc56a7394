// `--task NAME=FILE` and `--format NAME=FORMAT`, as `eval` and `dataset` take them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "jobs/job_matrix.h"

namespace qs::cli {

// "NAME=VALUE" split at the first '='; throws qs::Error("<command>: <flag> expects NAME=VALUE ...").
std::pair<std::string, std::string> split_name_value(const std::string& arg, const char* command, const char* flag);

// The tasks the flags name, each --format applied to its task (an unknown NAME is an error).
std::vector<TaskSpec> parse_task_args(const std::vector<std::string>& task_args, const std::vector<std::string>& format_args,
                                      const char* command);

}  // namespace qs::cli
