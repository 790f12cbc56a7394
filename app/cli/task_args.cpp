#include "task_args.h"

#include <fmt/format.h>

#include "core/error.h"

namespace qs::cli {

std::pair<std::string, std::string> split_name_value(const std::string& arg, const char* command, const char* flag) {
    const size_t eq = arg.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size())
        throw Error(fmt::format("{}: {} expects NAME=VALUE, got '{}'", command, flag, arg));
    return {arg.substr(0, eq), arg.substr(eq + 1)};
}

std::vector<TaskSpec> parse_task_args(const std::vector<std::string>& task_args, const std::vector<std::string>& format_args,
                                      const char* command) {
    std::vector<TaskSpec> tasks;
    for (const std::string& a : task_args) {
        auto [name, path] = split_name_value(a, command, "--task");
        tasks.push_back({name, path, ""});
    }
    for (const std::string& a : format_args) {
        auto [name, format] = split_name_value(a, command, "--format");
        bool found = false;
        for (TaskSpec& t : tasks)
            if (t.name == name) t.format = format, found = true;
        if (!found) throw Error(fmt::format("{}: --format names task '{}', which no --task gives", command, name));
    }
    return tasks;
}

}  // namespace qs::cli
