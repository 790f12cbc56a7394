// bzip2 decompression, so that task files shipped as .bz2 (llama.cpp's HellaSwag file) load as is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace qs::datasets {

// The decompressed content of a .bz2 file (concatenated streams included), or only its first
// max_bytes or a little more (format sniffing needs no more). Throws qs::Error naming the file
// when it cannot be read or is not valid bzip2 data.
std::string bz2_read_file(const std::string& path, size_t max_bytes = SIZE_MAX);

}  // namespace qs::datasets
