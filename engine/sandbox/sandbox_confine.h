// The child side of a sandbox run: what the forked process does to itself between fork() and
// exec(). Internal to the sandbox module.
//
// Everything here runs after fork() in a possibly multi-threaded parent, so it may only make
// system calls (no allocation, no locks, no stdio): every string and table is prepared in the
// parent, in a ConfinePlan, before fork().
#pragma once

#include <linux/filter.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <cstdint>

namespace qs::sandbox_detail {

struct ConfinePlan {
    int stdout_fd = -1, stderr_fd = -1;  // pipe ends the child writes to
    int status_fd = -1;                  // close-on-exec pipe: one byte (a kExit* code) if setup fails
    const char* workdir = nullptr;       // the temporary directory
    bool drop_to_nobody = false;         // the caller is root: become uid/gid 65534 first
    rlim_t cpu_seconds = 0, address_space = 0, file_size = 0, processes = 0;
    bool unshare_network = false;        // unshare(CLONE_NEWUSER | CLONE_NEWNET), or fail
    const sock_fprog* seccomp_filter = nullptr;  // seccomp_socket_filter(), or nullptr for none
    bool landlock = false;               // writes only beneath workdir (and /dev/null), or fail
    const char* path = nullptr;          // executable
    char* const* argv = nullptr;
    char* const* envp = nullptr;
};

// Why a child could not run the program: written as one byte to status_fd before it exits with
// the same code (a successful exec closes status_fd unwritten).
inline constexpr int kExitSetupFailed = 121;    // fds, directory, limits, privilege drop
inline constexpr int kExitIsolationFailed = 122;// unshare / Landlock / seccomp asked for and refused
inline constexpr int kExitExecFailed = 127;     // execve failed (as a shell reports it)

// In the forked child: applies the plan and execs; never returns.
[[noreturn]] void confine_and_exec(ConfinePlan plan);  // a copy: it renumbers the status fd

// Probes, each in a forked child (nothing changes in the caller): can this process create a user +
// network namespace; what Landlock ABI the kernel offers (0 = none); can seccomp filters be set.
bool probe_network_namespace(bool drop_to_nobody);
int probe_landlock_abi();
bool probe_seccomp();

// The network filter for machines without namespaces, compiled by libseccomp (nullptr when it
// cannot be built here): socket() refused for every family but AF_UNIX, io_uring refused,
// foreign system-call ABIs kill. Built once, before any fork.
const sock_fprog* seccomp_socket_filter();

}  // namespace qs::sandbox_detail
