#include "core/openmp_env.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace qs {

void openmp_env_defaults(char** argv) {
    const char* off = std::getenv("QS_OPENMP_DEFAULTS");
    if (off && std::strcmp(off, "0") == 0) return;
    if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;  // the user's choice, or already done
    if (setenv("OMP_WAIT_POLICY", kDefaultWaitPolicy, 1) != 0) return;
    execv("/proc/self/exe", argv);
    // execv returned: no /proc (or no permission); run on with libgomp's defaults, and do not leave
    // a variable that claims otherwise to child processes.
    unsetenv("OMP_WAIT_POLICY");
}

}  // namespace qs
