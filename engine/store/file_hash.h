// Content hashes of model and dataset files, so results can say exactly which bytes they measured.
//
// What is hashed: every byte of the file, SHA-256 (OpenSSL libcrypto), hex, the same digest
// `sha256sum FILE` prints, so a user can check it by hand. Multi-GB models are read in 4 MiB
// blocks (constant memory); with the CPU's SHA extensions that is ~1.5 GB/s, without ~0.4 GB/s,
// so ResultsStore::file_hash remembers digests by (path, size, mtime) to hash a model once.
#pragma once

#include <string>

#include "core/progress.h"

namespace qs {

// Throws qs::Error naming the file when it cannot be read. Progress (optional) counts bytes and
// check_cancel() is honoured between blocks.
std::string file_sha256(const std::string& path, Progress* progress = nullptr);

}  // namespace qs
