// bzip2 and gzip decompression, so that task files shipped compressed (llama.cpp's HellaSwag .bz2,
// OpenAI's HumanEval.jsonl.gz) load as is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace qs::datasets {

// The decompressed content of a .bz2 file (concatenated streams included), or only its first
// max_bytes or a little more (format sniffing needs no more). Throws qs::Error naming the file
// when it cannot be read or is not valid bzip2 data.
std::string bz2_read_file(const std::string& path, size_t max_bytes = SIZE_MAX);

// The same for a .gz file (gzip, concatenated members included), with zlib.
std::string gz_read_file(const std::string& path, size_t max_bytes = SIZE_MAX);

// Whether the path ends in ".bz2" or ".gz"; compressed_read_file picks the decoder by that suffix.
bool is_compressed_path(const std::string& path);
std::string compressed_read_file(const std::string& path, size_t max_bytes = SIZE_MAX);

}  // namespace qs::datasets
