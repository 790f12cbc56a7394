// Reading GGUF files (versions 2 and 3), memory-mapped.
//
// GgufFile::open validates the whole header before anything uses it: magic, version, counts,
// every string and array length, tensor dimensions and types, offsets and alignment, and that
// every tensor's bytes lie inside the file. Any problem throws qs::Error naming the file and the
// field ("model.gguf: tensor 'blk.0.attn_q.weight': data [..] extends past end of file (...)").
// Tensor data is then used in place from the mapping.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/mapped_file.h"
#include "gguf/gguf_value.h"
#include "tensor/ggml_type.h"

namespace qs {

constexpr int GGUF_MAX_DIMS = 4;
constexpr uint64_t GGUF_DEFAULT_ALIGNMENT = 32;

struct GgufTensorInfo {
    std::string name;
    std::vector<int64_t> ne;     // dimensions, ne[0] is the row length (fastest varying)
    GgmlType type;
    uint64_t offset = 0;         // from the start of the data section
    const uint8_t* data = nullptr;  // into the mapping
    size_t nbytes = 0;

    int64_t n_elements() const;
    int64_t rows() const { return ne.empty() ? 0 : n_elements() / ne[0]; }
};

struct GgufMetadataEntry {
    std::string key;
    GgufValue value;
};

class GgufFile {
public:
    // Maps and validates `path`. Throws qs::Error on any problem.
    static GgufFile open(const std::string& path);

    // A model assembled in memory in GGUF terms (e.g. a Hugging Face checkpoint mapped to GGUF
    // names and metadata, hf/hf_checkpoint.h): every tensor's `data` points into memory that
    // `owners` keep alive (mapped safetensors files, converted copies). `label` names it in errors
    // (the checkpoint directory); `source_bytes` is what file_size() reports. Throws qs::Error for a
    // duplicate key or tensor name.
    static GgufFile from_parts(std::string label, std::vector<GgufMetadataEntry> metadata,
                               std::vector<GgufTensorInfo> tensors, std::vector<std::shared_ptr<const void>> owners,
                               uint64_t source_bytes);

    const std::string& path() const { return file_ ? file_->path() : label_; }
    uint32_t version() const { return version_; }
    uint64_t file_size() const { return file_ ? file_->size() : source_bytes_; }
    uint64_t alignment() const { return alignment_; }
    uint64_t data_offset() const { return data_offset_; }

    // Metadata in file order.
    const std::vector<GgufMetadataEntry>& metadata() const { return metadata_; }
    const GgufValue* find(const std::string& key) const;

    // Typed lookups. The *_or forms return the fallback when the key is absent; all forms throw
    // qs::Error naming the file and key when the key holds a value of the wrong type.
    std::string get_string(const std::string& key) const;                     // throws if absent
    std::string get_string_or(const std::string& key, const std::string& fallback) const;
    int64_t get_int(const std::string& key) const;                            // throws if absent
    int64_t get_int_or(const std::string& key, int64_t fallback) const;
    double get_float_or(const std::string& key, double fallback) const;       // float or integer
    bool get_bool_or(const std::string& key, bool fallback) const;
    // Arrays of strings / numbers; empty optional when absent.
    std::optional<std::vector<std::string>> get_string_array(const std::string& key) const;
    std::optional<std::vector<float>> get_float_array(const std::string& key) const;
    std::optional<std::vector<int64_t>> get_int_array(const std::string& key) const;

    const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
    const GgufTensorInfo* find_tensor(const std::string& name) const;
    // MappedFile::drop_pages for bytes of this file's mapping (tensor data copied elsewhere).
    void drop_pages(const void* p, size_t n) const {
        if (file_) file_->drop_pages(p, n);
    }

private:
    GgufFile() = default;
    std::shared_ptr<MappedFile> file_;     // null for a model assembled by from_parts
    std::string label_;                    // from_parts: what path() returns
    uint64_t source_bytes_ = 0;            // from_parts: what file_size() returns
    std::vector<std::shared_ptr<const void>> owners_;  // from_parts: keep the tensors' memory alive
    uint32_t version_ = 0;
    uint64_t alignment_ = GGUF_DEFAULT_ALIGNMENT;
    uint64_t data_offset_ = 0;
    std::vector<GgufMetadataEntry> metadata_;
    std::unordered_map<std::string, size_t> metadata_index_;
    std::vector<GgufTensorInfo> tensors_;
    std::unordered_map<std::string, size_t> tensor_index_;
    friend class GgufParser;
};

}  // namespace qs
