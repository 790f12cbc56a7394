// Writing a file whole or not at all. The bytes go to a temporary beside the target
// ("<path>.tmp"), are flushed to disk, and the temporary is renamed over the target: a crash,
// a full disk or an exception part way leaves the previous file (or none), never half a file
// under the final name, and no stray temporary.
//
// Every engine and CLI writer of a user-visible file (GGUF, CSV, JSON, demo assets) goes
// through this; the Qt exports use QSaveFile, which does the same.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace qs {

class AtomicFile {
public:
    // Creates the temporary. Throws qs::Error naming `path` when its folder is not writable.
    explicit AtomicFile(std::string path);
    ~AtomicFile();  // removes the temporary unless commit() succeeded
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    // Appends bytes. Throws qs::Error naming `path` on a write error (disk full, file too large).
    void write(const void* p, size_t n);
    void write(std::string_view s) { write(s.data(), s.size()); }
    uint64_t written() const { return written_; }

    // Flushes, syncs and renames the temporary into place. Throws qs::Error naming `path`.
    void commit();

    const std::string& path() const { return path_; }

private:
    [[noreturn]] void fail(const char* what) const;
    std::string path_, tmp_;
    std::FILE* f_ = nullptr;
    uint64_t written_ = 0;
    bool committed_ = false;
};

// The whole file at once.
void write_file_atomic(const std::string& path, std::string_view bytes);

}  // namespace qs
