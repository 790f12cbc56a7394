// Reading safetensors files (Hugging Face's weight format), memory-mapped.
//
// Layout: an 8-byte little-endian header length N, N bytes of JSON ({"name": {"dtype", "shape",
// "data_offsets": [begin, end]}, ..., optional "__metadata__"}), then the data; offsets count from
// the end of the header. Everything is checked before use: the header length against the file,
// the JSON, every dtype, shape and offset pair, that each tensor's byte count equals its shape
// times its element size, that no tensor reaches past the end or overlaps another. A hostile file
// gives a qs::Error naming the file and the tensor, never a crash.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/mapped_file.h"
#include "tensor/ggml_type.h"

namespace qs {

struct SafetensorsTensor {
    std::string name;
    std::string dtype;           // as written: "BF16", "F16", "F32", "I64", ...
    bool float_type = false;     // BF16, F16 or F32: the types QuantScope reads (then `type` is set)
    GgmlType type = GgmlType::F32;
    std::vector<int64_t> shape;  // outermost first (PyTorch order; ggml's ne is the reverse)
    const uint8_t* data = nullptr;
    size_t nbytes = 0;

    int64_t n_elements() const;
};

// The header of a safetensors image of `size` bytes at `bytes` (validated as described above);
// tensors come in name order and point into `bytes`. `label` names the source in errors.
std::vector<SafetensorsTensor> safetensors_parse(const std::string& label, const uint8_t* bytes, size_t size);

class SafetensorsFile {
public:
    static SafetensorsFile open(const std::string& path);

    const std::string& path() const { return file_->path(); }
    uint64_t size() const { return file_->size(); }
    const std::vector<SafetensorsTensor>& tensors() const { return tensors_; }
    // Keeps the mapping alive (the tensors' data points into it).
    std::shared_ptr<const MappedFile> mapping() const { return file_; }

private:
    std::shared_ptr<const MappedFile> file_;
    std::vector<SafetensorsTensor> tensors_;
};

}  // namespace qs
