// Writing GGUF version 3 files that llama.cpp loads: metadata in insertion order, tensor infos,
// then tensor data, each tensor aligned to general.alignment (32 unless the metadata sets it).
//
// llama.cpp compatibility: tensor names longer than 63 bytes and empty keys are refused here because
// llama.cpp refuses them. Arrays of arrays are written (GgufFile reads them back) but llama.cpp's
// loader does NOT accept them: do not put nested arrays in files meant for llama.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "gguf/gguf_value.h"
#include "tensor/ggml_type.h"

namespace qs {

class GgufWriter {
public:
    // Sets or replaces a metadata key (replacing keeps the key's first position).
    void set(const std::string& key, GgufValue value);
    void remove(const std::string& key);
    // Adds a tensor; `data` must hold exactly the tensor's bytes (row_size(type, ne[0]) * rows)
    // and stay valid until write(). Throws qs::Error on a size mismatch or a duplicate name.
    void add_tensor(const std::string& name, GgmlType type, std::vector<int64_t> ne, const void* data, size_t nbytes);
    // A tensor whose bytes are made when write() reaches it: `stream` must pass exactly nbytes
    // bytes to the sink, in as many calls as it likes, before it returns (write() throws otherwise).
    // Lets a tensor be produced, written and forgotten one at a time (quantize_model_to_file holds
    // one slice of one tensor, not the whole output). Exceptions from `stream` leave no file.
    using TensorSink = std::function<void(const void* data, size_t n)>;
    using TensorStream = std::function<void(const TensorSink& sink)>;
    void add_tensor_streamed(const std::string& name, GgmlType type, std::vector<int64_t> ne, size_t nbytes,
                             TensorStream stream);
    // Writes the file whole or not at all (core/atomic_file.h: path + ".tmp", synced, renamed).
    // Tensor data goes out in add order, each streamed tensor's stream called once.
    void write(const std::string& path) const;

private:
    struct Tensor {
        std::string name;
        GgmlType type;
        std::vector<int64_t> ne;
        TensorStream stream;
        size_t nbytes;
    };
    std::vector<std::pair<std::string, GgufValue>> kv_;
    std::vector<Tensor> tensors_;
};

}  // namespace qs
