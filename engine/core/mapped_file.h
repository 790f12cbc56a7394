// A read-only memory mapping of a whole file. Model weights are used in place from the mapping,
// as llama.cpp does, so loading costs no copy and the page cache is shared between runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace qs {

class MappedFile {
public:
    MappedFile() = default;
    // Throws qs::Error naming the path if the file cannot be opened or mapped. An empty file maps
    // to an empty span (callers report "empty file" in their own terms).
    explicit MappedFile(const std::string& path);
    ~MappedFile();
    MappedFile(MappedFile&& other) noexcept;
    MappedFile& operator=(MappedFile&& other) noexcept;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const std::string& path() const { return path_; }
    std::span<const uint8_t> bytes() const { return {data_, size_}; }
    const uint8_t* data() const { return data_; }
    size_t size() const { return size_; }

    // Lets the kernel drop this process's resident pages of [p, p + n) (the whole pages inside it;
    // nothing if the range is outside the mapping). The bytes stay readable: a later access reads
    // them again from the page cache. For data that has been copied elsewhere (packed weights), so
    // it does not count twice in the resident set.
    void drop_pages(const void* p, size_t n) const;

private:
    void release();
    std::string path_;
    const uint8_t* data_ = nullptr;
    size_t size_ = 0;
};

}  // namespace qs
