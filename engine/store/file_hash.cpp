#include "store/file_hash.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include <openssl/evp.h>

#include "core/error.h"

namespace qs {

std::string file_sha256(const std::string& path, Progress* progress) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail_file(path, "cannot open for hashing: {}", std::strerror(errno));
    in.seekg(0, std::ios::end);
    const int64_t size = int64_t(in.tellg());
    in.seekg(0);
    if (progress) progress->begin(size, "hash");

    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) fail_file(path, "SHA-256 unavailable");
    std::vector<char> block(size_t(4) << 20);
    while (in) {
        in.read(block.data(), std::streamsize(block.size()));
        const std::streamsize got = in.gcount();
        if (got <= 0) break;
        EVP_DigestUpdate(ctx.get(), block.data(), size_t(got));
        if (progress) {
            progress->advance(got);
            progress->check_cancel();
        }
    }
    if (in.bad()) fail_file(path, "read error while hashing");
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx.get(), digest, &n);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < n; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

}  // namespace qs
