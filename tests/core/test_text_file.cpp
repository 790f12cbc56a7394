#include <gtest/gtest.h>

#include <fstream>

#include "common/test_paths.h"
#include "core/error.h"
#include "core/text_file.h"

using namespace qs;

namespace {
std::string write_temp(const std::string& name, const std::string& bytes) {
    const std::string path = test::temp_dir() + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
}
std::string error_of(const std::string& path) {
    try {
        text_file_read(path);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}
}  // namespace

TEST(Utf8, AcceptsValidAndFindsFirstInvalidSequence) {
    EXPECT_FALSE(utf8_first_invalid("plain ascii"));
    EXPECT_FALSE(utf8_first_invalid("caf\xC3\xA9 \xE2\x96\x81 \xF0\x9F\x98\x80"));
    EXPECT_EQ(utf8_first_invalid("ab\xFF"), 2u);             // never valid
    EXPECT_EQ(utf8_first_invalid("a\xC3"), 1u);              // truncated sequence
    EXPECT_EQ(utf8_first_invalid("\xC0\xAF"), 0u);           // overlong '/'
    EXPECT_EQ(utf8_first_invalid("x\xED\xA0\x80"), 1u);      // UTF-16 surrogate
    EXPECT_EQ(utf8_first_invalid("\xF4\x90\x80\x80"), 0u);   // above U+10FFFF
    EXPECT_EQ(utf8_first_invalid("\xE2\x28\xA1"), 0u);       // bad continuation
}

TEST(TextFile, ReadsValidFileAsIs) {
    const std::string text = "line one\nline two\n";
    EXPECT_EQ(text_file_read(write_temp("ok.txt", text)), text);
}

TEST(TextFile, EmptyMissingAndNonUtf8FilesGiveErrorsNamingTheFile) {
    const std::string empty = write_temp("empty.txt", "");
    EXPECT_NE(error_of(empty).find(empty), std::string::npos);
    EXPECT_NE(error_of(empty).find("empty"), std::string::npos);

    const std::string missing = test::temp_dir() + "/does-not-exist.txt";
    EXPECT_NE(error_of(missing).find(missing), std::string::npos);

    const std::string latin1 = write_temp("latin1.txt", "first\nsecond caf\xE9\n");
    const std::string msg = error_of(latin1);
    EXPECT_NE(msg.find(latin1), std::string::npos);
    EXPECT_NE(msg.find("UTF-8"), std::string::npos);
    EXPECT_NE(msg.find("line 2"), std::string::npos) << msg;
}
