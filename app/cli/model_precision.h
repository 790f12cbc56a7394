// A model at a precision the user names on the command line: the file as stored ("file"), or a
// precision recipe (F16, Q4_K_M, Q4_K_M+ffn_down=q8_0, ...) quantized in memory, no file written.
#pragma once

#include <memory>
#include <string>

namespace qs {
class Model;
}

namespace qs::cli {

inline constexpr const char* kAsLoaded = "file";  // precision name meaning "the model as stored"

// The model at `precision`: `base` itself for "file", else quantized in memory from it with a
// progress bar on stderr (unless quiet). quantize_seconds receives the time spent quantizing.
// Throws qs::Error for an unknown recipe or one the model cannot take.
std::shared_ptr<const Model> model_at(const std::shared_ptr<const Model>& base, const std::string& precision,
                                      int threads, bool quiet, double& quantize_seconds);

}  // namespace qs::cli
