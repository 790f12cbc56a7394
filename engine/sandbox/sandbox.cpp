// The parent side of a sandbox run: probing what this machine can enforce, preparing the temporary
// directory and the child's plan, and supervising the child (output, deadline, group kill).
#include "sandbox/sandbox.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>

#include <fmt/format.h>

#include "core/error.h"
#include "sandbox/sandbox_confine.h"

namespace qs {
namespace fs = std::filesystem;
using namespace sandbox_detail;

namespace {

constexpr uid_t kNobodyUid = 65534;

// An executable on PATH (or the path itself when it has a '/'), or "".
std::string find_executable(const std::string& name) {
    if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : "";
    const char* path_env = std::getenv("PATH");
    std::string path = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
    size_t start = 0;
    while (start <= path.size()) {
        const size_t end = std::min(path.find(':', start), path.size());
        const std::string dir = path.substr(start, end - start);
        if (!dir.empty()) {
            const std::string candidate = dir + "/" + name;
            if (access(candidate.c_str(), X_OK) == 0) return candidate;
        }
        start = end + 1;
    }
    return "";
}

// Processes (and threads: RLIMIT_NPROC counts tasks) whose real uid is `uid`, from /proc.
int tasks_of_user(uid_t uid) {
    int count = 0;
    DIR* proc = opendir("/proc");
    if (!proc) return 0;
    while (const dirent* e = readdir(proc)) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        std::ifstream status(std::string("/proc/") + e->d_name + "/status");
        std::string key;
        long real = -1, threads = 1;
        while (status >> key) {
            if (key == "Uid:") status >> real;
            else if (key == "Threads:") status >> threads;
            status.ignore(1 << 12, '\n');
        }
        if (real == long(uid)) count += int(threads);
    }
    closedir(proc);
    return count;
}

// What the machine offers, probed once per process.
struct Probe {
    bool root = false;
    std::string bwrap;           // path of a bwrap that works here, or ""
    std::string bwrap_problem;   // why not
    bool netns = false;          // unshare(CLONE_NEWUSER | CLONE_NEWNET) works for the child's uid
    int landlock_abi = 0;
    bool seccomp = false;
};

std::vector<char*> c_strings(std::vector<std::string>& v) {
    std::vector<char*> out;
    for (std::string& s : v) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

double elapsed(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Keeps up to `limit` bytes of what a pipe delivers; reads and drops the rest.
struct Collected {
    std::string text;
    bool truncated = false;
    bool open = true;
};

void drain(int fd, Collected& c, size_t limit) {
    std::array<char, 8192> buf{};
    for (;;) {
        const ssize_t n = read(fd, buf.data(), buf.size());
        if (n > 0) {
            const size_t keep = std::min(size_t(n), limit - std::min(limit, c.text.size()));
            c.text.append(buf.data(), keep);
            if (keep < size_t(n)) c.truncated = true;
            continue;
        }
        if (n == 0) c.open = false;
        return;  // EAGAIN, or closed
    }
}

SandboxResult execute(const SandboxOptions& options, const Sandbox::Mechanism& m, const std::vector<std::string>& argv_in,
                      const std::vector<std::pair<std::string, std::string>>& files);

const Probe& machine_probe() {
    static Probe probe;
    static std::once_flag once;
    std::call_once(once, [] {
        probe.root = geteuid() == 0;
        // QS_SANDBOX_NO_NAMESPACES / QS_SANDBOX_NO_LANDLOCK make the sandbox behave as on a machine
        // without them (a container refusing user namespaces, an old kernel): the fallbacks and
        // their "NOT ENFORCED" reports can then be tested anywhere.
        const bool no_namespaces = std::getenv("QS_SANDBOX_NO_NAMESPACES") != nullptr;
        probe.landlock_abi = std::getenv("QS_SANDBOX_NO_LANDLOCK") ? 0 : probe_landlock_abi();
        probe.seccomp = probe_seccomp();
        probe.netns = !no_namespaces && probe_network_namespace(probe.root);
        if (no_namespaces) {
            probe.bwrap_problem = "user namespaces are disabled by QS_SANDBOX_NO_NAMESPACES";
            return;
        }
        const std::string bwrap = find_executable("bwrap");
        if (bwrap.empty()) {
            probe.bwrap_problem = "bwrap is not installed (Debian package bubblewrap)";
            return;
        }
        // Does it work here (user namespaces allowed)? Run the real thing on a no-op.
        SandboxOptions o;
        o.timeout_seconds = 20;
        Sandbox::Mechanism m;
        m.bwrap = bwrap;
        m.drop_to_nobody = probe.root;
        try {
            const SandboxResult r = execute(o, m, {"/bin/true"}, {});
            if (r.ok())
                probe.bwrap = bwrap;
            else
                probe.bwrap_problem = fmt::format("bwrap does not work here (exit {}: {})", r.exit_code, r.stderr_text);
        } catch (const Error& e) {
            probe.bwrap_problem = std::string("bwrap does not work here: ") + e.what();
        }
    });
    return probe;
}

}  // namespace

const char* sandbox_isolation_name(SandboxIsolation i) {
    switch (i) {
        case SandboxIsolation::Auto: return "auto";
        case SandboxIsolation::Bubblewrap: return "bubblewrap";
        case SandboxIsolation::Kernel: return "kernel";
        case SandboxIsolation::None: return "none";
    }
    return "?";
}

const char* sandbox_status_name(SandboxResult::Status s) {
    switch (s) {
        case SandboxResult::Status::Exited: return "exited";
        case SandboxResult::Status::Signaled: return "signaled";
        case SandboxResult::Status::Timeout: return "timeout";
    }
    return "?";
}

bool SandboxResult::timed_out() const {
    return status == Status::Timeout || (status == Status::Signaled && (signal == SIGXCPU || signal == SIGKILL)) ||
           (status == Status::Exited && (exit_code == 128 + SIGXCPU || exit_code == 128 + SIGKILL));
}

std::string SandboxGuarantees::summary() const {
    auto line = [](const char* what, bool ok, const std::string& how) {
        return fmt::format("{}: {}{}\n", what, ok ? "" : "NOT ENFORCED: ", how);
    };
    return fmt::format("isolation: {}\n", sandbox_isolation_name(isolation)) + line("network", network, network_how) +
           line("writes outside the temporary directory", filesystem, filesystem_how) +
           line("process limit", processes, processes_how);
}

Sandbox::Sandbox(SandboxOptions options) : options_(std::move(options)) {
    if (!(options_.timeout_seconds > 0)) throw Error("sandbox: the timeout must be positive");
    if (options_.max_processes < 1) throw Error("sandbox: max_processes must be at least 1");
    const Probe* probe = &machine_probe();

    SandboxIsolation iso = options_.isolation;
    if (iso == SandboxIsolation::Auto) iso = probe->bwrap.empty() ? SandboxIsolation::Kernel : SandboxIsolation::Bubblewrap;
    if (iso == SandboxIsolation::Bubblewrap && probe->bwrap.empty())
        throw Error("sandbox: bubblewrap isolation asked for, but " + probe->bwrap_problem);
    mechanism_.bwrap = iso == SandboxIsolation::Bubblewrap ? probe->bwrap : "";

    SandboxGuarantees& g = guarantees_;
    g.isolation = iso;
    g.privileges_dropped = probe->root;
    g.processes = true;
    g.processes_how = probe->root ? fmt::format("RLIMIT_NPROC: the program runs as nobody with at most {} more tasks", options_.max_processes)
                                  : fmt::format("RLIMIT_NPROC: at most {} more tasks than the user has", options_.max_processes);
    switch (iso) {
        case SandboxIsolation::Bubblewrap:
            g.network = g.filesystem = true;
            g.network_how = "a new network namespace (bubblewrap)";
            g.filesystem_how = "the root file system is bound read-only, only the temporary directory writable (bubblewrap)";
            break;
        case SandboxIsolation::Kernel:
            g.network = probe->netns || probe->seccomp;
            g.network_how = probe->netns     ? "a new network namespace (unshare)"
                            : probe->seccomp ? "seccomp: socket() refused for every family but AF_UNIX"
                                             : "no network namespace (user namespaces refused) and no seccomp";
            g.filesystem = probe->landlock_abi > 0;
            g.filesystem_how = g.filesystem ? fmt::format("Landlock (ABI {}): writes only beneath the temporary directory", probe->landlock_abi)
                                            : std::string("no bubblewrap and no Landlock: only the file permissions of ") +
                                                  (probe->root ? "nobody" : "this user");
            break;
        case SandboxIsolation::None:
        case SandboxIsolation::Auto:
            g.network_how = "isolation 'none' was chosen";
            g.filesystem_how = "isolation 'none' was chosen: only the file permissions apply";
            break;
    }
    // Kernel mode: use what the probe found, no more (the child fails loudly if it is refused).
    mechanism_.unshare_network = iso == SandboxIsolation::Kernel && probe->netns;
    mechanism_.seccomp_sockets = iso == SandboxIsolation::Kernel && !probe->netns && probe->seccomp;
    mechanism_.landlock = iso == SandboxIsolation::Kernel && probe->landlock_abi > 0;
    mechanism_.drop_to_nobody = probe->root;

    python_ = options_.python;
    if (python_.empty()) {
        const char* env = std::getenv("QS_PYTHON");
        if (env && *env) python_ = env;
    }
    if (python_.empty() && access("/usr/bin/python3", X_OK) == 0) python_ = "/usr/bin/python3";
    if (python_.empty()) python_ = find_executable("python3");
    if (!python_.empty()) {
        const std::string found = find_executable(python_);
        python_ = found;
    }
}

SandboxResult Sandbox::run_python(const std::string& source) const {
    if (python_.empty()) throw Error("sandbox: no python3 found (install python3, or set QS_PYTHON)");
    return run({python_, "-I", "-B", "program.py"}, {{"program.py", source}});
}

SandboxResult Sandbox::run(const std::vector<std::string>& argv,
                           const std::vector<std::pair<std::string, std::string>>& files) const {
    return execute(options_, mechanism_, argv, files);
}

namespace {

SandboxResult execute(const SandboxOptions& options_, const Sandbox::Mechanism& m, const std::vector<std::string>& argv_in,
                      const std::vector<std::pair<std::string, std::string>>& files) {
    if (argv_in.empty()) throw Error("sandbox: nothing to run");
    const std::string exe = find_executable(argv_in[0]);
    if (exe.empty()) throw Error("sandbox: '" + argv_in[0] + "' is not an executable on PATH");

    // The fresh temporary directory, owned by the user the program runs as.
    std::string tmpl = (fs::temp_directory_path() / "qs-sandbox-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw Error(fmt::format("sandbox: cannot create a temporary directory: {}", std::strerror(errno)));
    const std::string workdir = tmpl;
    struct Cleanup {
        std::string dir;
        ~Cleanup() {
            std::error_code ec;
            fs::remove_all(dir, ec);
        }
    } cleanup{workdir};
    for (const auto& [name, content] : files) {
        if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
            throw Error("sandbox: file name '" + name + "' must be a plain name");
        std::ofstream out(workdir + "/" + name, std::ios::binary);
        out << content;
        if (!out) throw Error("sandbox: cannot write " + workdir + "/" + name);
    }
    if (m.drop_to_nobody) {
        if (chown(workdir.c_str(), kNobodyUid, kNobodyUid) != 0)
            throw Error(fmt::format("sandbox: cannot give {} to nobody: {}", workdir, std::strerror(errno)));
        for (const auto& f : files) (void)chown((workdir + "/" + f.first).c_str(), kNobodyUid, kNobodyUid);
    }

    // What the child executes: the program itself, or bwrap around it.
    std::vector<std::string> args;
    std::string path = exe;
    if (!m.bwrap.empty()) {
        path = m.bwrap;
        args = {"bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                "--tmpfs", "/tmp", "--bind", workdir, workdir, "--chdir", workdir, "--", exe};
    } else {
        args = {exe};
    }
    args.insert(args.end(), argv_in.begin() + 1, argv_in.end());
    std::vector<std::string> env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + workdir, "TMPDIR=" + workdir,
                                    "LANG=C.UTF-8", "PYTHONDONTWRITEBYTECODE=1", "PYTHONHASHSEED=0"};
    std::vector<char*> argv = c_strings(args), envp = c_strings(env);

    int out_pipe[2], err_pipe[2], status_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0) throw Error(fmt::format("sandbox: pipe: {}", std::strerror(errno)));
    if (pipe2(err_pipe, O_CLOEXEC) != 0) {
        close(out_pipe[0]), close(out_pipe[1]);
        throw Error(fmt::format("sandbox: pipe: {}", std::strerror(errno)));
    }
    if (pipe2(status_pipe, O_CLOEXEC) != 0) {
        for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) close(fd);
        throw Error(fmt::format("sandbox: pipe: {}", std::strerror(errno)));
    }

    ConfinePlan plan;
    plan.stdout_fd = out_pipe[1];
    plan.stderr_fd = err_pipe[1];
    plan.status_fd = status_pipe[1];
    plan.workdir = workdir.c_str();
    plan.drop_to_nobody = m.drop_to_nobody;
    const int cpu = options_.cpu_seconds > 0 ? options_.cpu_seconds : int(std::ceil(options_.timeout_seconds)) + 1;
    plan.cpu_seconds = rlim_t(cpu);
    plan.address_space = rlim_t(options_.address_space_bytes);
    plan.file_size = rlim_t(options_.file_size_bytes);
    plan.processes = rlim_t(tasks_of_user(m.drop_to_nobody ? kNobodyUid : getuid()) + options_.max_processes);
    plan.unshare_network = m.unshare_network;
    plan.seccomp_filter = m.seccomp_sockets ? seccomp_socket_filter() : nullptr;
    plan.landlock = m.landlock;
    plan.path = path.c_str();
    plan.argv = argv.data();
    plan.envp = envp.data();

    const auto t0 = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid < 0) {
        for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1], status_pipe[0], status_pipe[1]}) close(fd);
        throw Error(fmt::format("sandbox: fork: {}", std::strerror(errno)));
    }
    if (pid == 0) confine_and_exec(plan);
    setpgid(pid, pid);  // also done by the child; whichever runs first
    close(out_pipe[1]);
    close(err_pipe[1]);
    close(status_pipe[1]);
    for (int fd : {out_pipe[0], err_pipe[0]}) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);

    SandboxResult result;
    Collected out, err;
    const double deadline = options_.timeout_seconds;
    int status = 0;
    bool reaped = false, timed_out = false;
    for (;;) {
        if (!reaped) {
            const pid_t w = waitpid(pid, &status, WNOHANG);
            if (w == pid) {
                reaped = true;
                kill(-pid, SIGKILL);  // whatever it left behind in its group
            }
        }
        if (!reaped && elapsed(t0) >= deadline) {
            timed_out = true;
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            reaped = true;
        }
        if (reaped && !out.open && !err.open) break;
        // Once the program has ended, its output is whatever is already in the pipes (a child that
        // escaped the group could hold them open: do not wait for it).
        if (reaped && elapsed(t0) >= deadline + 1.0) break;
        pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
        const int wait_ms = reaped ? 50 : 10;
        if (poll(fds, 2, wait_ms) > 0 || reaped) {
            if (out.open) drain(out_pipe[0], out, options_.max_output_bytes);
            if (err.open) drain(err_pipe[0], err, options_.max_output_bytes);
        }
        if (reaped && (out.open || err.open)) {
            // One more pass then stop: the group is dead, only an escaped process keeps a pipe open.
            pollfd again[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
            if (poll(again, 2, 100) <= 0) break;
        }
    }
    close(out_pipe[0]);
    close(err_pipe[0]);
    unsigned char setup_failure = 0;  // the child's kExit* code when it never ran the program
    const bool failed_setup = read(status_pipe[0], &setup_failure, 1) == 1;
    close(status_pipe[0]);
    if (failed_setup)
        throw Error(fmt::format("sandbox: the child could not {} (code {})",
                                setup_failure == kExitIsolationFailed ? "isolate itself (namespace, Landlock or seccomp refused)"
                                : setup_failure == kExitExecFailed   ? "execute " + argv_in[0]
                                                                     : "set up its directory, limits or user",
                                int(setup_failure)));
    result.seconds = elapsed(t0);
    result.stdout_text = std::move(out.text);
    result.stderr_text = std::move(err.text);
    result.output_truncated = out.truncated || err.truncated;
    if (timed_out) {
        result.status = SandboxResult::Status::Timeout;
    } else if (WIFSIGNALED(status)) {
        result.status = SandboxResult::Status::Signaled;
        result.signal = WTERMSIG(status);
    } else {
        result.status = SandboxResult::Status::Exited;
        result.exit_code = WEXITSTATUS(status);
    }
    return result;
}

}  // namespace

}  // namespace qs
