// Running untrusted programs (model-generated code and its tests) without trusting them.
//
//   qs::Sandbox sandbox({.timeout_seconds = 10});
//   qs::SandboxResult r = sandbox.run_python(program);   // r.status, r.exit_code, r.stderr_text
//   sandbox.guarantees().summary();                       // what this machine actually enforced
//
// Every run:
//   - is a separate process (fork + exec) in its OWN PROCESS GROUP, started in a FRESH TEMPORARY
//     DIRECTORY (removed afterwards) with a clean environment and stdin from /dev/null;
//   - has a WALL-CLOCK TIMEOUT: at the deadline the whole process group is killed (SIGKILL), and it
//     is killed again once the program ends, so no child it left behind survives the run;
//   - has setrlimit limits: CPU seconds (RLIMIT_CPU), address space (RLIMIT_AS: a huge allocation
//     fails inside the program), file size (RLIMIT_FSIZE), processes (RLIMIT_NPROC: the processes
//     its user already has plus max_processes, so a fork bomb stops there), no core files;
//   - never runs as root: a root caller drops the child to nobody (65534) first, because root is
//     exempt from RLIMIT_NPROC and may write anywhere;
//   - has NO NETWORK and can WRITE ONLY IN ITS TEMPORARY DIRECTORY, by the first mechanism that works:
//       Bubblewrap  bwrap (Debian package bubblewrap): new user, PID, network, IPC and UTS
//                   namespaces, the root file system bound read-only, a private /tmp, /proc and
//                   /dev, the temporary directory bound writable; the PID namespace dies with it.
//       Kernel      without bwrap: unshare(CLONE_NEWUSER | CLONE_NEWNET) for the network, or, where
//                   namespaces are refused (containers), a seccomp filter that makes socket()
//                   fail for every family but AF_UNIX (and io_uring, which could open sockets);
//                   Landlock (Linux >= 5.13) for the file system: writes only beneath the
//                   temporary directory and to /dev/null.
//     What was enforced is reported (SandboxGuarantees), never assumed: a machine without any of
//     these says "NOT ENFORCED" for that property, and the tests skip it saying so. The
//     environment variables QS_SANDBOX_NO_NAMESPACES and QS_SANDBOX_NO_LANDLOCK make a machine
//     behave as one without them (to test the fallbacks).
//
// Known limits: a program that calls setsid() leaves the process group; under Bubblewrap the PID
// namespace still kills it, without it only its CPU limit bounds it. Memory is bounded per
// process (RLIMIT_AS), not per group.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace qs {

enum class SandboxIsolation {
    Auto,        // Bubblewrap when bwrap works on this machine, else Kernel
    Bubblewrap,  // bwrap, or qs::Error when it does not work here
    Kernel,      // namespaces / seccomp / Landlock from the process itself
    None,        // limits, process group and privilege drop only (for comparisons in tests)
};
const char* sandbox_isolation_name(SandboxIsolation i);  // "auto", "bubblewrap", "kernel", "none"

struct SandboxOptions {
    double timeout_seconds = 10;            // wall clock
    int cpu_seconds = 0;                    // RLIMIT_CPU; 0 = the timeout rounded up, plus 1
    uint64_t address_space_bytes = uint64_t(2) << 30;  // RLIMIT_AS
    uint64_t file_size_bytes = uint64_t(16) << 20;     // RLIMIT_FSIZE
    int max_processes = 32;                 // processes (and threads) the program may add
    size_t max_output_bytes = 64 << 10;     // stdout and stderr kept, each (the rest is read and dropped)
    SandboxIsolation isolation = SandboxIsolation::Auto;
    std::string python;                     // interpreter for run_python; "" = $QS_PYTHON, else
                                            // /usr/bin/python3, else python3 on PATH
};

// What a Sandbox enforces on this machine, property by property, in words a person can check.
struct SandboxGuarantees {
    SandboxIsolation isolation = SandboxIsolation::None;  // resolved (never Auto)
    bool network = false;          // no network connection can be made
    std::string network_how;
    bool filesystem = false;       // nothing outside the temporary directory can be written
    std::string filesystem_how;
    bool processes = false;        // RLIMIT_NPROC holds (the child is not root)
    std::string processes_how;
    bool privileges_dropped = false;  // a root caller's child runs as nobody
    std::string summary() const;   // one line per property, "NOT ENFORCED" where it does not hold
};

struct SandboxResult {
    enum class Status {
        Exited,    // the program ended by itself (exit_code)
        Signaled,  // a signal ended it (signal): SIGXCPU/SIGKILL at the CPU limit, SIGSEGV, ...
        Timeout,   // the wall-clock deadline passed; its process group was killed
    };
    Status status = Status::Exited;
    int exit_code = -1;            // Exited: the program's exit status (under bwrap, 128 + n for signal n)
    int signal = 0;                // Signaled
    double seconds = 0;            // wall clock
    std::string stdout_text, stderr_text;  // at most max_output_bytes each
    bool output_truncated = false;
    bool ok() const { return status == Status::Exited && exit_code == 0; }
    // CPU limit reached (SIGXCPU, or SIGKILL at the hard limit) or wall-clock timeout.
    bool timed_out() const;
};
const char* sandbox_status_name(SandboxResult::Status s);  // "exited", "signaled", "timeout"

class Sandbox {
public:
    // Resolves the isolation (probing bwrap and the kernel once per process) and the interpreter.
    // Throws qs::Error when Bubblewrap is asked for and does not work, or no python3 is found.
    explicit Sandbox(SandboxOptions options = {});

    const SandboxOptions& options() const { return options_; }
    const SandboxGuarantees& guarantees() const { return guarantees_; }
    const std::string& python() const { return python_; }

    // Runs argv (argv[0]: an absolute path, or a name looked up on PATH) in a fresh temporary
    // directory holding `files` (relative name, content). Thread-safe. Throws qs::Error only when
    // the run cannot be set up (no temporary directory, fork failure); whatever the program does
    // is in the result.
    SandboxResult run(const std::vector<std::string>& argv,
                      const std::vector<std::pair<std::string, std::string>>& files = {}) const;

    // python3 -I -B program.py, with `source` as program.py.
    SandboxResult run_python(const std::string& source) const;

    // How a run is carried out (resolved from the options and the machine probe).
    struct Mechanism {
        std::string bwrap;            // bwrap's path when isolation is Bubblewrap
        bool unshare_network = false; // Kernel: a user + network namespace
        bool seccomp_sockets = false; // Kernel without namespaces: the socket filter
        bool landlock = false;        // Kernel: Landlock write confinement
        bool drop_to_nobody = false;  // the caller is root
    };

private:
    SandboxOptions options_;
    SandboxGuarantees guarantees_;
    std::string python_;
    Mechanism mechanism_;
};

}  // namespace qs
