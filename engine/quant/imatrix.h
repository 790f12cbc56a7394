// An importance matrix: per weight matrix, the sum over calibration tokens of each input column's
// squared activation, in llama-imatrix's GGUF format, and the per-column weights llama-quantize
// derives from it.
//
// File format (llama.cpp b9928, tools/imatrix):
//   metadata  general.type = "imatrix", imatrix.datasets = [path, ...] (string array),
//             imatrix.chunk_count (u32, chunks seen), imatrix.chunk_size (u32, tokens per chunk)
//   tensors   per weight matrix W, in name order: "W.in_sum2" f32 [n_per_row, n_mat] (sums of x^2
//             per input column; n_mat = number of experts, 1 for dense matrices, dimension dropped
//             when 1) and "W.counts" f32 [1, n_mat] (tokens summed per matrix).
// The weights of a tensor are in_sum2 / count per matrix (1 for a matrix that never saw a token),
// exactly as llama-quantize's load_imatrix computes them.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace qs {

struct ImatrixEntry {
    int64_t n_per_row = 0;       // input columns of the weight matrix (its ne[0])
    std::vector<float> sums;     // [n_mat][n_per_row] sums of squared activations
    std::vector<float> counts;   // [n_mat] tokens summed
    int64_t n_mat() const { return int64_t(counts.size()); }
};

struct ImportanceMatrix {
    std::vector<std::string> datasets;  // calibration text paths, as given
    uint32_t chunk_count = 0;           // chunks of calibration text processed
    uint32_t chunk_size = 0;            // tokens per chunk (the context used)
    std::map<std::string, ImatrixEntry> entries;  // by weight tensor name

    // llama-quantize's importance weights of a tensor: n_mat * n_per_row values; empty when the
    // matrix has no entry.
    std::vector<float> weights_for(const std::string& tensor_name) const;
};

// Reads a GGUF imatrix. Throws qs::Error naming the file for anything malformed (not an imatrix,
// missing keys, in_sum2 without counts, sizes that disagree, non-finite values).
ImportanceMatrix imatrix_read(const std::string& path);

// Writes the GGUF imatrix llama-imatrix writes (same keys, tensor order and shapes).
void imatrix_write(const ImportanceMatrix& m, const std::string& path);

}  // namespace qs
