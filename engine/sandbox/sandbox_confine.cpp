#include "sandbox/sandbox_confine.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <vector>

namespace qs::sandbox_detail {
namespace {

constexpr uid_t kNobody = 65534;

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
    if (p.seccomp_filter && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, p.seccomp_filter) != 0) fail(p, kExitIsolationFailed);
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

const sock_fprog* seccomp_socket_filter() {
    // Built once, in the parent: libseccomp allocates, which a forked child of a multi-threaded
    // process must not. The rules: socket() fails with EACCES for every family but AF_UNIX;
    // io_uring_setup (io_uring can open sockets itself) fails with ENOSYS; a system call of a
    // foreign ABI (i386's int 0x80, x32) kills the process, so no second socket() entry bypasses it.
    static std::vector<sock_filter> code;
    static sock_fprog program{};
    static const bool built = [] {
        const scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        if (!ctx) return false;
        const int fd = memfd_create("qs-sandbox-seccomp", MFD_CLOEXEC);
        bool ok = fd >= 0 && seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) == 0 &&
                  seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_NE, AF_UNIX)) == 0 &&
                  seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(io_uring_setup), 0) == 0 &&
                  seccomp_export_bpf(ctx, fd) == 0;
        const off_t bytes = ok ? lseek(fd, 0, SEEK_END) : 0;
        ok = ok && bytes > 0 && bytes % off_t(sizeof(sock_filter)) == 0;
        if (ok) {
            code.resize(size_t(bytes) / sizeof(sock_filter));
            ok = pread(fd, code.data(), size_t(bytes), 0) == ssize_t(bytes);
        }
        if (fd >= 0) close(fd);
        seccomp_release(ctx);
        program = {static_cast<unsigned short>(code.size()), code.data()};
        return ok;
    }();
    return built ? &program : nullptr;
}

bool probe_seccomp() {
    const sock_fprog* filter = seccomp_socket_filter();
    return filter && in_child(false, [filter] {
        return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, filter) == 0;
    });
}

}  // namespace qs::sandbox_detail
