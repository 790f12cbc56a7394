#include "api_key_env.h"

#include <cstdlib>

#include "core/error.h"

namespace qs::cli {

std::string api_key_from_env(const std::string& var, const char* command) {
    if (var.empty()) return "";
    const char* value = std::getenv(var.c_str());
    if (!value || !*value) throw Error(fmt::format("{}: --api-key-env: the environment variable {} is not set", command, var));
    return value;
}

}  // namespace qs::cli
