#include "core/atomic_file.h"

#include <cerrno>
#include <cstring>
#include <unistd.h>

#include "core/error.h"

namespace qs {

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp") {
    f_ = std::fopen(tmp_.c_str(), "wb");
    if (!f_) fail_file(path_, "cannot create '{}': {}", tmp_, std::strerror(errno));
}

AtomicFile::~AtomicFile() {
    if (f_) std::fclose(f_);
    if (!committed_) std::remove(tmp_.c_str());
}

void AtomicFile::fail(const char* what) const {
    fail_file(path_, "{}: {}", what, std::strerror(errno));
}

void AtomicFile::write(const void* p, size_t n) {
    if (n && std::fwrite(p, 1, n, f_) != n) fail("write failed");
    written_ += n;
}

void AtomicFile::commit() {
    if (std::fflush(f_) != 0) fail("write failed");
    if (::fsync(::fileno(f_)) != 0 && errno != EINVAL) fail("write failed while syncing");
    const int rc = std::fclose(f_);
    f_ = nullptr;
    if (rc != 0) fail("write failed while closing");
    if (std::rename(tmp_.c_str(), path_.c_str()) != 0) fail_file(path_, "cannot rename '{}' into place: {}", tmp_, std::strerror(errno));
    committed_ = true;
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
    AtomicFile f(path);
    f.write(bytes);
    f.commit();
}

}  // namespace qs
