// The importance matrix reader (llama-imatrix's GGUF: `quantize --imatrix`, `eval --imatrix`), on
// an arbitrary file. It is a path-taking reader (the GGUF is memory-mapped), so each input is
// written to the scratch folder first.
#include <cmath>
#include <cstdlib>

#include "core/error.h"
#include "fuzz_support.h"
#include "fuzz_target.h"
#include "quant/imatrix.h"

QS_FUZZ_TARGET(imatrix) {
    const std::string path = qs::fuzz::write_scratch("fuzz.imatrix.gguf", data, size);
    try {
        const qs::ImportanceMatrix m = qs::imatrix_read(path);
        // What the reader promises the quantizers: every entry's sums are n_mat rows of n_per_row
        // finite values, its counts finite, and its weights as many values as its sums.
        for (const auto& [name, e] : m.entries) {
            if (e.n_per_row <= 0 || e.counts.empty() || e.sums.size() != size_t(e.n_mat() * e.n_per_row)) std::abort();
            for (float v : e.sums)
                if (!std::isfinite(v)) std::abort();
            for (float c : e.counts)
                if (!std::isfinite(c)) std::abort();
            if (m.weights_for(name).size() != e.sums.size()) std::abort();
        }
    } catch (const qs::Error&) {
    }
}
