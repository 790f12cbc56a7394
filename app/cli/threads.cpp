#include <omp.h>
#include <thread>

#include "commands.h"

namespace qs::cli {

void set_threads(int n_threads) {
    if (n_threads <= 0) n_threads = int(std::max(1u, std::thread::hardware_concurrency()));
    omp_set_num_threads(n_threads);
}

}  // namespace qs::cli
