// API keys come only from the environment: a flag names the variable (--api-key-env VAR), never
// the key itself, so the key is not in shell history, process lists, logs or stored settings.
#pragma once

#include <string>

namespace qs::cli {

// The value of `var` ("" when var is ""). Throws qs::Error naming the variable (never a value)
// when it is unset or empty.
std::string api_key_from_env(const std::string& var, const char* command);

}  // namespace qs::cli
