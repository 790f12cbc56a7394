#include "datasets/decompress.h"

#include <bzlib.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string_view>

#include "core/error.h"

namespace qs::datasets {

namespace {

// The compressed bytes of a file, which must exist and not be empty.
std::string read_packed(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail_file(path, "cannot open: {}", std::strerror(errno));
    std::string packed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) fail_file(path, "read error");
    if (packed.empty()) fail_file(path, "file is empty");
    return packed;
}

}  // namespace

std::string bz2_read_file(const std::string& path, size_t max_bytes) {
    const std::string packed = read_packed(path);

    std::string out;
    char buffer[1 << 16];
    size_t consumed = 0;
    // A .bz2 file may hold several concatenated streams (pbzip2, `cat a.bz2 b.bz2`): decode each.
    while (consumed < packed.size() && out.size() < max_bytes) {
        bz_stream stream{};
        if (BZ2_bzDecompressInit(&stream, 0, 0) != BZ_OK) fail_file(path, "bzip2: cannot initialise decoder");
        stream.next_in = const_cast<char*>(packed.data() + consumed);
        stream.avail_in = static_cast<unsigned>(packed.size() - consumed);
        int rc = BZ_OK;
        while (rc == BZ_OK && out.size() < max_bytes) {
            stream.next_out = buffer;
            stream.avail_out = sizeof(buffer);
            rc = BZ2_bzDecompress(&stream);
            out.append(buffer, sizeof(buffer) - stream.avail_out);
            if (rc == BZ_OK && stream.avail_in == 0 && stream.avail_out != 0) rc = BZ_UNEXPECTED_EOF;
        }
        consumed = packed.size() - stream.avail_in;
        BZ2_bzDecompressEnd(&stream);
        if (out.size() >= max_bytes) break;
        if (rc == BZ_UNEXPECTED_EOF) fail_file(path, "bzip2: truncated data");
        if (rc != BZ_STREAM_END) fail_file(path, "bzip2: corrupt data (code {})", rc);
    }
    return out;
}

std::string gz_read_file(const std::string& path, size_t max_bytes) {
    const std::string packed = read_packed(path);

    std::string out;
    char buffer[1 << 16];
    size_t consumed = 0;
    while (consumed < packed.size() && out.size() < max_bytes) {
        z_stream stream{};
        if (inflateInit2(&stream, 15 + 16) != Z_OK) fail_file(path, "gzip: cannot initialise decoder");  // +16: gzip header
        stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data() + consumed));
        stream.avail_in = static_cast<uInt>(packed.size() - consumed);
        int rc = Z_OK;
        while (rc == Z_OK && out.size() < max_bytes) {
            stream.next_out = reinterpret_cast<Bytef*>(buffer);
            stream.avail_out = sizeof(buffer);
            rc = inflate(&stream, Z_NO_FLUSH);
            out.append(buffer, sizeof(buffer) - stream.avail_out);
            if (rc == Z_BUF_ERROR || (rc == Z_OK && stream.avail_in == 0 && stream.avail_out != 0)) rc = Z_BUF_ERROR;
        }
        consumed = packed.size() - stream.avail_in;
        inflateEnd(&stream);
        if (out.size() >= max_bytes) break;
        if (rc == Z_BUF_ERROR) fail_file(path, "gzip: truncated data");
        if (rc != Z_STREAM_END) fail_file(path, "gzip: corrupt data (code {})", rc);
    }
    return out;
}

namespace {
bool has_suffix(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

bool is_compressed_path(const std::string& path) { return has_suffix(path, ".bz2") || has_suffix(path, ".gz"); }

std::string compressed_read_file(const std::string& path, size_t max_bytes) {
    return has_suffix(path, ".gz") ? gz_read_file(path, max_bytes) : bz2_read_file(path, max_bytes);
}

}  // namespace qs::datasets
