// AtomicFile: a file is replaced whole or not at all, whatever happens part way.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/test_paths.h"
#include "core/atomic_file.h"
#include "core/error.h"

namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

TEST(AtomicFile, ReplacesTheFileAndLeavesNoTemporary) {
    const std::string path = qs::test::temp_dir() + "/a.txt";
    std::ofstream(path) << "old";
    qs::write_file_atomic(path, "new contents");
    EXPECT_EQ(slurp(path), "new contents");
    EXPECT_FALSE(fs::exists(path + ".tmp"));
}

TEST(AtomicFile, AnInterruptedWriteKeepsTheOldFile) {
    const std::string path = qs::test::temp_dir() + "/b.txt";
    std::ofstream(path) << "old";
    {
        qs::AtomicFile f(path);
        f.write("half of the new ");
        EXPECT_TRUE(fs::exists(path + ".tmp"));
        // No commit: an exception left the writer here.
    }
    EXPECT_EQ(slurp(path), "old");
    EXPECT_FALSE(fs::exists(path + ".tmp"));
}

// A full disk, simulated by a file size limit in a child process: the write fails with a message
// naming the file, and the file under the final name is the old one.
TEST(AtomicFile, AFullDiskFailsClearlyAndKeepsTheOldFile) {
    const std::string path = qs::test::temp_dir() + "/c.bin";
    std::ofstream(path) << "old";
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    std::fflush(nullptr);  // or the child's exit would print the parent's pending output again
    const pid_t pid = fork();
    if (pid == 0) {
        std::signal(SIGXFSZ, SIG_IGN);
        const rlimit limit{4096, 4096};
        setrlimit(RLIMIT_FSIZE, &limit);
        std::string msg = "no error";
        try {
            qs::write_file_atomic(path, std::string(1 << 20, 'x'));
        } catch (const qs::Error& e) {
            msg = e.what();
        }
        (void)!write(fds[1], msg.data(), msg.size());
        _exit(0);
    }
    close(fds[1]);
    std::string msg;
    char buf[512];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) msg.append(buf, size_t(n));
    close(fds[0]);
    waitpid(pid, nullptr, 0);
    EXPECT_NE(msg.find(path + ": write failed"), std::string::npos) << msg;
    EXPECT_NE(msg.find("File too large"), std::string::npos) << msg;
    EXPECT_EQ(slurp(path), "old");
    EXPECT_FALSE(fs::exists(path + ".tmp"));
}

TEST(AtomicFile, AMissingFolderNamesTheFile) {
    const std::string path = qs::test::temp_dir() + "/no/such/folder/d.csv";
    try {
        qs::write_file_atomic(path, "x");
        FAIL() << "wrote into a missing folder";
    } catch (const qs::Error& e) {
        EXPECT_NE(std::string(e.what()).find(path + ": cannot create"), std::string::npos) << e.what();
    }
}

}  // namespace
