// Quantizing a whole model to a mix, as llama-quantize does (tools/quantize, llama_model_quantize_impl
// in src/llama-quant.cpp, b9928), either into memory (for Model::with_weights: no temporary file)
// or into a GGUF file byte-identical with llama-quantize's for the same source, mix, options and
// importance matrix.
//
// What llama-quantize does and we reproduce:
//   - tensors are visited in llama_tensor_order (non-block tensors first, then block by block,
//     ties by name) and written in that order; MixContext picks each tensor's type;
//   - a tensor is quantized only if MixContext says so and the new type differs from its own;
//     otherwise its bytes are copied as they are;
//   - non-F32 sources (f16, bf16, q8_0, ...) are dequantized to f32 first, then quantized;
//   - metadata: every key of the source in order, then "general.quantization_version" = 2 (u32)
//     and "general.file_type" = the mix's llama_ftype (u32), each removed from its old place and
//     appended (ggml's gguf_set_val_* removes and re-appends), and llama.cpp's split keys dropped.
// The output bytes do not depend on the thread count.
//
// The source is a GgufFile: pass model->file() for a loaded Model. (A Model made by
// Model::with_weights still reports its base file, so quantizing it quantizes the base weights.)
// Memory: the file output is written as it is made, a chunk of about 4M elements at a time, and
// the source pages read are dropped from the process (madvise; they stay in the page cache), so
// peak RSS is a few chunks, not the model. In memory, each converted tensor is held once (no f32
// copy of a whole tensor is made: rows are dequantized a cache-sized slice at a time).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/progress.h"
#include "model/model.h"
#include "quant/quant_mix.h"
#include "tensor/ggml_type.h"

namespace qs {

class GgufFile;

// llama.cpp's enum llama_ftype value of a mix (LLAMA_FTYPE_MOSTLY_Q4_K_M = 15, ...), the value
// llama-quantize stores in general.file_type.
uint32_t quant_mix_llama_ftype(QuantMix mix);

// llama.cpp's GGML_QNT_VERSION, stored as general.quantization_version.
constexpr uint32_t GGML_QUANTIZATION_VERSION = 2;

// One tensor of the result, in llama.cpp's order.
struct QuantizedTensorInfo {
    std::string name;
    std::vector<int64_t> ne;      // dimensions, ne[0] the row length
    GgmlType source_type = GgmlType::F32;
    GgmlType type = GgmlType::F32;  // its type in the result
    bool converted = false;       // false: bytes copied from the source unchanged
    uint64_t source_bytes = 0;
    uint64_t bytes = 0;
    std::string fallback_warning;  // MixContext's warning when the row length forced a fallback type
};

struct ImportanceMatrix;

struct QuantizeModelOptions {
    MixOptions mix;  // mix.has_imatrix is set from `imatrix` below
    // llama-quantize --imatrix: tensors with an entry are quantized with its weights (quantize.h).
    // The file output then records imatrix_path (as given, like llama-quantize's command line) and
    // the matrix's first dataset, entry count and chunk count in quantize.imatrix.* metadata.
    const ImportanceMatrix* imatrix = nullptr;
    std::string imatrix_path;
    int n_threads = 0;  // 0: every hardware thread
    // Called after each tensor (on the calling thread), index in [0, total): CLI per-tensor lines.
    std::function<void(const QuantizedTensorInfo& tensor, size_t index, size_t total)> on_tensor;
};

struct QuantizeModelReport {
    std::vector<QuantizedTensorInfo> tensors;  // llama.cpp's order
    uint64_t input_bytes = 0;    // tensor data of the source (unpadded, as llama-quantize's "model size")
    uint64_t output_bytes = 0;   // tensor data of the result (unpadded, llama-quantize's "quant size")
    int64_t n_elements = 0;      // of every tensor
    uint32_t file_type = 0;      // llama_ftype written as general.file_type
    double seconds = 0;          // wall time, planning to the file's rename (as llama-quantize's "quantize time")

    double input_bits_per_weight() const;
    double output_bits_per_weight() const;
    std::map<std::string, int> type_counts() const;  // ggml type name -> tensors of the result
};

struct QuantizedWeights {
    // Only the tensors whose type changed (converted == true): pass to Model::with_weights with
    // the source model; the others are identical to the source's.
    std::map<std::string, OwnedTensor> tensors;
    QuantizeModelReport report;
};

// Progress counts source tensor bytes (stage "quantize"); check_cancel is called between tensors
// and between row chunks of large tensors and throws qs::Cancelled.
// Errors (a type that cannot be dequantized or produced, a row length that fits no type, a NaN
// weight, a bad override regex, an IQ2 / Q2_K_S mix or an iq2/iq3_xxs tensor without importance
// data, an imatrix entry of the wrong size) throw qs::Error naming the source file and the tensor.
QuantizedWeights quantize_model_in_memory(const GgufFile& source, const QuantizeModelOptions& options,
                                          Progress& progress);

// Quantizes and writes out_path (through out_path + ".tmp" renamed at the end: a failure or a
// cancellation never leaves a file at out_path). out_path must differ from the source's path.
QuantizeModelReport quantize_model_to_file(const GgufFile& source, const std::string& out_path,
                                           const QuantizeModelOptions& options, Progress& progress);

}  // namespace qs
