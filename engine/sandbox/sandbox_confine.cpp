#include "sandbox/sandbox_confine.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstddef>

namespace qs::sandbox_detail {
namespace {

constexpr uid_t kNobody = 65534;

#if defined(__x86_64__)
constexpr uint32_t kAuditArch = AUDIT_ARCH_X86_64;
constexpr bool kSeccompSupported = true;
#elif defined(__aarch64__)
constexpr uint32_t kAuditArch = AUDIT_ARCH_AARCH64;
constexpr bool kSeccompSupported = true;
#else
constexpr uint32_t kAuditArch = 0;
constexpr bool kSeccompSupported = false;
#endif

bool set_limit(int resource, rlim_t soft, rlim_t hard) {
    const rlimit r{soft, hard};
    return setrlimit(resource, &r) == 0;
}

bool drop_privileges() {
    if (setgroups(0, nullptr) != 0 || setgid(kNobody) != 0 || setuid(kNobody) != 0) return false;
    return getuid() == kNobody && geteuid() == kNobody && setuid(0) != 0;  // and no way back
}

// The Landlock write rights this kernel knows (ABI 1: create/remove/write, 2: + rename/link across
// directories, 3: + truncate).
__u64 landlock_write_rights(int abi) {
    __u64 rights = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
                   LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
                   LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
                   LANDLOCK_ACCESS_FS_MAKE_SYM;
#ifdef LANDLOCK_ACCESS_FS_REFER
    if (abi >= 2) rights |= LANDLOCK_ACCESS_FS_REFER;
#endif
#ifdef LANDLOCK_ACCESS_FS_TRUNCATE
    if (abi >= 3) rights |= LANDLOCK_ACCESS_FS_TRUNCATE;
#endif
    return rights;
}

bool add_landlock_rule(int ruleset, const char* path, __u64 rights) {
    const int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) return false;
    landlock_path_beneath_attr rule{};
    rule.allowed_access = rights;
    rule.parent_fd = fd;
    const bool ok = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) == 0;
    close(fd);
    return ok;
}

// Writes (create, remove, write, truncate, rename) only beneath workdir, plus writing /dev/null.
// Reading and executing stay as the file permissions allow.
bool apply_landlock(const char* workdir) {
    const int abi = int(syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION));
    if (abi < 1) return false;
    const __u64 rights = landlock_write_rights(abi);
    landlock_ruleset_attr attr{};
    attr.handled_access_fs = rights;
    const int ruleset = int(syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0));
    if (ruleset < 0) return false;
    __u64 file_rights = LANDLOCK_ACCESS_FS_WRITE_FILE;
#ifdef LANDLOCK_ACCESS_FS_TRUNCATE
    if (abi >= 3) file_rights |= LANDLOCK_ACCESS_FS_TRUNCATE;
#endif
    const bool ok = add_landlock_rule(ruleset, workdir, rights) && add_landlock_rule(ruleset, "/dev/null", file_rights) &&
                    syscall(SYS_landlock_restrict_self, ruleset, 0) == 0;
    close(ruleset);
    return ok;
}

// A seccomp filter: socket() fails with EACCES for every family but AF_UNIX; io_uring (which can
// open sockets itself) fails with ENOSYS; syscalls of a foreign ABI (x32, i386) kill the process.
bool apply_seccomp_sockets() {
    if (!kSeccompSupported) return false;
    constexpr uint32_t kDenySocket = SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA);
    constexpr uint32_t kDenyUring = SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA);
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kAuditArch, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
#if defined(__x86_64__)
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u /* __X32_SYSCALL_BIT */, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, kDenyUring),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0])),  // the family (low word)
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, kDenySocket),
    };
    sock_fprog prog{static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

void reset_signals() {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; ++s)
        if (s != SIGKILL && s != SIGSTOP) sigaction(s, &dfl, nullptr);  // fails harmlessly for reserved ones
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
}

void close_from(int first) {
    if (syscall(SYS_close_range, first, ~0u, 0) == 0) return;
    for (int fd = first; fd < 4096; ++fd) close(fd);
}

// Runs fn in a forked child (dropping to nobody first when asked) and reports whether it returned true.
template <class Fn>
bool in_child(bool drop_to_nobody, Fn fn) {
    const pid_t pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
        if (drop_to_nobody && !drop_privileges()) _exit(1);
        _exit(fn() ? 0 : 1);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

[[noreturn]] void fail(const ConfinePlan& p, int code) {
    const unsigned char c = static_cast<unsigned char>(code);
    if (write(p.status_fd, &c, 1) < 0) {
        // nothing more to do: the exit code says it too
    }
    _exit(code);
}

}  // namespace

void confine_and_exec(ConfinePlan p) {
    const pid_t parent = getppid();
    setpgid(0, 0);
    reset_signals();
    const int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(p.stdout_fd, 1) < 0 || dup2(p.stderr_fd, 2) < 0) fail(p, kExitSetupFailed);
    // Keep only 0-2 and the status pipe (close-on-exec).
    if (p.status_fd != 3 && (dup2(p.status_fd, 3) < 0 || fcntl(3, F_SETFD, FD_CLOEXEC) < 0)) _exit(kExitSetupFailed);
    p.status_fd = 3;
    close_from(4);
    if (chdir(p.workdir) != 0) fail(p, kExitSetupFailed);
    if (p.drop_to_nobody && !drop_privileges()) fail(p, kExitSetupFailed);
    if (!set_limit(RLIMIT_CORE, 0, 0) || !set_limit(RLIMIT_CPU, p.cpu_seconds, p.cpu_seconds + 1) ||
        !set_limit(RLIMIT_AS, p.address_space, p.address_space) || !set_limit(RLIMIT_FSIZE, p.file_size, p.file_size) ||
        !set_limit(RLIMIT_NPROC, p.processes, p.processes))
        fail(p, kExitSetupFailed);
    // After the privilege drop, which clears it; and the parent may already be gone.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) fail(p, kExitSetupFailed);
    if (p.unshare_network && unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) fail(p, kExitIsolationFailed);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail(p, kExitIsolationFailed);
    if (p.landlock && !apply_landlock(p.workdir)) fail(p, kExitIsolationFailed);
    if (p.seccomp_sockets && !apply_seccomp_sockets()) fail(p, kExitIsolationFailed);
    execve(p.path, p.argv, p.envp);
    fail(p, kExitExecFailed);
}

bool probe_network_namespace(bool drop_to_nobody) {
    return in_child(drop_to_nobody, [] { return unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0; });
}

int probe_landlock_abi() {
    const long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
    return abi > 0 ? int(abi) : 0;
}

bool probe_seccomp() {
    return in_child(false, [] { return apply_seccomp_sockets(); });
}

}  // namespace qs::sandbox_detail
