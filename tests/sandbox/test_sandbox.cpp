// The sandbox's promises, each shown by a program that tries to break it (engine/sandbox/sandbox.h).
// Every property runs under each isolation this machine offers (bubblewrap; the kernel's own
// namespaces, Landlock and seccomp). A property the machine cannot enforce is SKIPPED with the
// sandbox's own explanation, never passed silently.
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <string>

#include "common/test_paths.h"
#include "core/error.h"
#include "sandbox/sandbox.h"

namespace qs {
namespace {

namespace fs = std::filesystem;

// A sleep duration no other process uses: `whole` seconds and this test process's id as the
// fraction, so two test processes (CTest runs them in parallel) never see each other's children.
std::string unique_marker(int whole) { return std::to_string(whole) + "." + std::to_string(getpid()); }

// Processes on the machine whose command line contains `marker` (a number no one else uses).
int processes_with(const std::string& marker) {
    int n = 0;
    DIR* proc = opendir("/proc");
    while (const dirent* e = proc ? readdir(proc) : nullptr) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        std::ifstream in(std::string("/proc/") + e->d_name + "/cmdline", std::ios::binary);
        std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (cmd.find(marker + '\0') != std::string::npos) ++n;  // a whole argument (each ends in NUL)
    }
    if (proc) closedir(proc);
    return n;
}

// Options with the given timeout, CPU seconds, address space, file size and process limits.
SandboxOptions limits(double timeout = 10, int cpu = 0, uint64_t as = uint64_t(2) << 30, uint64_t fsize = 16 << 20,
                      int processes = 32) {
    SandboxOptions o;
    o.timeout_seconds = timeout;
    o.cpu_seconds = cpu;
    o.address_space_bytes = as;
    o.file_size_bytes = fsize;
    o.max_processes = processes;
    return o;
}

SandboxOptions isolation(SandboxIsolation i, double timeout = 10) {
    SandboxOptions o = limits(timeout);
    o.isolation = i;
    return o;
}

class SandboxTest : public ::testing::TestWithParam<SandboxIsolation> {
protected:
    // A sandbox with the parameter's isolation, or a skip saying why this machine has none.
    std::unique_ptr<Sandbox> make(SandboxOptions o = {}) {
        o.isolation = GetParam();
        try {
            auto box = std::make_unique<Sandbox>(o);
            if (box->python().empty()) return nullptr;
            std::cout << "[ sandbox  ] " << box->guarantees().summary();
            return box;
        } catch (const Error& e) {
            std::cout << "[ sandbox  ] " << e.what() << "\n";
            return nullptr;
        }
    }
};

#define QS_SANDBOX_OR_SKIP(var, ...)                                                      \
    auto var = make(__VA_ARGS__);                                                         \
    if (!var) GTEST_SKIP() << "isolation " << sandbox_isolation_name(GetParam())          \
                           << " is not available here, or no python3 (see the line above)"

TEST_P(SandboxTest, RunsAProgramInAFreshDirectoryAndReturnsItsOutputAndStatus) {
    QS_SANDBOX_OR_SKIP(box);
    const SandboxResult r = box->run_python(
        "import os, sys\n"
        "print(sorted(os.listdir('.')))\n"
        "try:\n"
        "    open('data.txt')\n"
        "except OSError as e:\n"
        "    print(e.strerror)\n"
        "sys.stderr.write('to stderr')\n"
        "open('made.txt', 'w').write('x')\n"
        "sys.exit(3)\n");
    EXPECT_EQ(r.status, SandboxResult::Status::Exited);
    EXPECT_EQ(r.exit_code, 3);
    // Only program.py: nothing from an earlier run or the caller.
    EXPECT_EQ(r.stdout_text, "['program.py']\nNo such file or directory\n") << r.stderr_text;
    EXPECT_EQ(r.stderr_text, "to stderr");

    const SandboxResult r2 = box->run({box->python(), "-I", "prog.py"}, {{"prog.py", "print(open('data.txt').read())"}, {"data.txt", "hello"}});
    EXPECT_TRUE(r2.ok()) << r2.stderr_text;
    EXPECT_EQ(r2.stdout_text, "hello\n");
}

TEST_P(SandboxTest, InfiniteLoopIsKilledWithinTheTimeoutWithEverythingItStarted) {
    QS_SANDBOX_OR_SKIP(box, limits(2, 60));
    // A busy loop that also left a child behind: both must be gone when run() returns.
    const std::string marker = unique_marker(4242);
    const SandboxResult r = box->run_python(
        "import subprocess\n"
        "subprocess.Popen(['sleep', '" + marker + "'])\n"
        "while True: pass\n");
    EXPECT_EQ(r.status, SandboxResult::Status::Timeout) << sandbox_status_name(r.status) << " " << r.stderr_text;
    EXPECT_TRUE(r.timed_out());
    EXPECT_GE(r.seconds, 2.0);
    EXPECT_LT(r.seconds, 2.0 + 10.0);  // killed at the deadline (loose: the machine may be loaded)
    EXPECT_EQ(processes_with(marker), 0) << "a process the program started survived the run";
}

TEST_P(SandboxTest, CpuLimitEndsABusyLoopBeforeTheWallClock) {
    QS_SANDBOX_OR_SKIP(box, limits(120, 1));
    const SandboxResult r = box->run_python("while True: pass\n");
    EXPECT_TRUE(r.timed_out()) << sandbox_status_name(r.status) << " exit " << r.exit_code << " signal " << r.signal;
    EXPECT_NE(r.status, SandboxResult::Status::Timeout) << "RLIMIT_CPU should have ended it, not the wall clock";
}

TEST_P(SandboxTest, ForkBombIsContained) {
    QS_SANDBOX_OR_SKIP(box, limits(20, 0, uint64_t(2) << 30, 16 << 20, 16));
    if (!box->guarantees().processes) GTEST_SKIP() << box->guarantees().processes_how;
    // Bounded at 300 so that even a broken limit cannot hurt the machine; each child becomes a
    // marked sleep so we can check afterwards that none survived.
    const std::string marker = unique_marker(98);
    const SandboxResult r = box->run_python(
        "import os\n"
        "n = 0\n"
        "try:\n"
        "    for i in range(300):\n"
        "        if os.fork() == 0:\n"
        "            os.execv('/bin/sleep', ['sleep', '" + marker + "'])\n"
        "        n += 1\n"
        "    print('forked', n)\n"
        "except OSError as e:\n"
        "    print('refused after', n)\n");
    ASSERT_EQ(r.status, SandboxResult::Status::Exited) << r.stderr_text;
    EXPECT_EQ(r.stdout_text.rfind("refused after", 0), 0u) << r.stdout_text << r.stderr_text;
    // RLIMIT_NPROC counts every process of the user (nobody, for a root caller), so sandboxes
    // running at the same time (CTest runs tests in parallel; other runs on the machine) share
    // the margin: how many this bomb got varies, but it is refused well before its own bound.
    const int forked = std::atoi(r.stdout_text.substr(r.stdout_text.find_last_of(' ') + 1).c_str());
    EXPECT_LT(forked, 300) << "the bomb was never refused";
    EXPECT_EQ(processes_with(marker), 0) << "forked children survived the run";
}

TEST_P(SandboxTest, WritingOutsideTheTemporaryDirectoryFails) {
    QS_SANDBOX_OR_SKIP(box);
    if (!box->guarantees().filesystem) GTEST_SKIP() << box->guarantees().filesystem_how;
    // A directory anyone may write to, so only the sandbox can stop the write.
    const fs::path outside = fs::path(test::temp_dir()) / ("outside-" + std::string(sandbox_isolation_name(GetParam())));
    fs::create_directories(outside);
    fs::permissions(outside, fs::perms::all);
    const std::string target = (outside / "escaped.txt").string();
    const SandboxResult r = box->run_python(
        "try:\n"
        "    open('" + target + "', 'w').write('x')\n"
        "    print('written')\n"
        "except OSError as e:\n"
        "    print('refused', e.errno)\n"
        "open('inside.txt', 'w').write('fine')\n"
        "print(open('inside.txt').read())\n");
    EXPECT_TRUE(r.ok()) << r.stderr_text;
    EXPECT_EQ(r.stdout_text.rfind("refused", 0), 0u) << r.stdout_text;
    EXPECT_NE(r.stdout_text.find("fine"), std::string::npos) << "writing inside its own directory must work";
    EXPECT_FALSE(fs::exists(target));
}

// A TCP server on 127.0.0.1 of the host; returns its port (the socket stays open for the test).
int listen_locally(int& fd) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 16) != 0) return -1;
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    return ntohs(addr.sin_port);
}

std::string connect_program(int port) {
    return "import socket\n"
           "try:\n"
           "    socket.create_connection(('127.0.0.1', " + std::to_string(port) + "), timeout=3)\n"
           "    print('connected')\n"
           "except OSError as e:\n"
           "    print('refused', e.errno)\n";
}

TEST_P(SandboxTest, NetworkConnectionFails) {
    QS_SANDBOX_OR_SKIP(box);
    if (!box->guarantees().network) GTEST_SKIP() << box->guarantees().network_how;
    int fd = -1;
    const int port = listen_locally(fd);
    ASSERT_GT(port, 0);
    const SandboxResult r = box->run_python(connect_program(port));
    close(fd);
    EXPECT_TRUE(r.ok()) << r.stderr_text;
    EXPECT_EQ(r.stdout_text.rfind("refused", 0), 0u) << r.stdout_text;
}

// Where namespaces are refused the network goes through the seccomp filter: every socket family
// but AF_UNIX is refused with EACCES (not only the TCP connect above), while AF_UNIX, which Python
// itself and test programs use, still works.
TEST_P(SandboxTest, SeccompFilterRefusesEverySocketFamilyButUnix) {
    QS_SANDBOX_OR_SKIP(box);
    if (box->guarantees().network_how.rfind("seccomp", 0) != 0)
        GTEST_SKIP() << "the network is held by " << box->guarantees().network_how << ", not the seccomp filter";
    const SandboxResult r = box->run_python(
        "import socket\n"
        "a, b = socket.socketpair(socket.AF_UNIX)\n"
        "a.send(b'ok'); print(b.recv(2).decode())\n"
        "for family in (socket.AF_INET, socket.AF_INET6, socket.AF_NETLINK, socket.AF_PACKET):\n"
        "    try:\n"
        "        socket.socket(family, socket.SOCK_RAW if family == socket.AF_PACKET else socket.SOCK_DGRAM)\n"
        "        print(family.name, 'opened')\n"
        "    except OSError as e:\n"
        "        print(family.name, e.errno)\n");
    EXPECT_TRUE(r.ok()) << r.stderr_text;
    EXPECT_EQ(r.stdout_text, "ok\nAF_INET 13\nAF_INET6 13\nAF_NETLINK 13\nAF_PACKET 13\n") << r.stderr_text;
}

TEST_P(SandboxTest, HugeAllocationFailsCleanlyInsideTheProgram) {
    QS_SANDBOX_OR_SKIP(box, limits(10, 0, uint64_t(1) << 30));
    const SandboxResult r = box->run_python("x = bytearray(8 * 1024**3)\nprint('allocated')\n");
    EXPECT_EQ(r.status, SandboxResult::Status::Exited);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_EQ(r.stdout_text, "");
    EXPECT_NE(r.stderr_text.find("MemoryError"), std::string::npos) << r.stderr_text;
}

TEST_P(SandboxTest, FileSizeLimitStopsAHugeWrite) {
    QS_SANDBOX_OR_SKIP(box, limits(10, 0, uint64_t(2) << 30, 1 << 20));
    const SandboxResult r = box->run_python(
        "import signal\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "try:\n"
        "    open('big.bin', 'wb').write(b'x' * (4 << 20))\n"
        "    print('written')\n"
        "except OSError as e:\n"
        "    print('refused', e.errno)\n");
    EXPECT_TRUE(r.ok()) << r.stderr_text;
    EXPECT_EQ(r.stdout_text.rfind("refused", 0), 0u) << r.stdout_text;
}

INSTANTIATE_TEST_SUITE_P(Isolations, SandboxTest,
                         ::testing::Values(SandboxIsolation::Bubblewrap, SandboxIsolation::Kernel),
                         [](const auto& info) { return std::string(sandbox_isolation_name(info.param)); });

// The network test above can fail: without isolation the same program connects.
TEST(SandboxControl, WithoutIsolationTheSameProgramConnects) {
    Sandbox box(isolation(SandboxIsolation::None));
    if (box.python().empty()) GTEST_SKIP() << "no python3";
    EXPECT_FALSE(box.guarantees().network);
    int fd = -1;
    const int port = listen_locally(fd);
    ASSERT_GT(port, 0);
    const SandboxResult r = box.run_python(connect_program(port));
    close(fd);
    EXPECT_EQ(r.stdout_text, "connected\n") << r.stderr_text;
}

TEST(SandboxControl, SummaryNamesWhatIsNotEnforced) {
    Sandbox box(isolation(SandboxIsolation::None));
    const std::string s = box.guarantees().summary();
    EXPECT_NE(s.find("network: NOT ENFORCED"), std::string::npos) << s;
    EXPECT_NE(s.find("writes outside the temporary directory: NOT ENFORCED"), std::string::npos) << s;
}

TEST(SandboxControl, BadRequestsAreErrors) {
    Sandbox box(isolation(SandboxIsolation::None));
    EXPECT_THROW(box.run({}), Error);
    EXPECT_THROW(box.run({"/nonexistent/program"}), Error);
    EXPECT_THROW(box.run({"/bin/true"}, {{"../escape.txt", "x"}}), Error);
    EXPECT_THROW(Sandbox(limits(0)), Error);
}

}  // namespace
}  // namespace qs
