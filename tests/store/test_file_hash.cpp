#include <gtest/gtest.h>

#include <fstream>

#include "core/error.h"
#include "store/file_hash.h"
#include "common/test_paths.h"

namespace {

void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

// FIPS 180-2 test vectors.
TEST(FileHash, KnownVectors) {
    const std::string dir = qs::test::temp_dir();
    write_file(dir + "/abc", "abc");
    EXPECT_EQ(qs::file_sha256(dir + "/abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    write_file(dir + "/empty", "");
    EXPECT_EQ(qs::file_sha256(dir + "/empty"), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    // One million 'a': more than one 4 MiB block is not needed to cross block boundaries of SHA itself.
    write_file(dir + "/million", std::string(1000000, 'a'));
    EXPECT_EQ(qs::file_sha256(dir + "/million"), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(FileHash, MissingFileNamesIt) {
    try {
        qs::file_sha256("/nonexistent/model.gguf");
        FAIL();
    } catch (const qs::Error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/model.gguf"), std::string::npos);
    }
}

}  // namespace
