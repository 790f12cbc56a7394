// A Hugging Face checkpoint directory opened directly, as the GGUF model convert_hf_to_gguf.py
// would make of it: config.json -> <arch>.* metadata, tokenizer.json/tokenizer_config.json ->
// tokenizer.* metadata (hf_tokenizer.h), model.safetensors or the shards listed in
// model.safetensors.index.json -> GGUF-named tensors. The 2-D weights stay in their BF16/F16/F32
// bytes inside the memory-mapped safetensors files; only what the converter changes is copied:
// 1-D tensors (norms, biases) become F32, and llama's q_proj/k_proj rows are permuted to the
// interleaved RoPE layout (LlamaModel.permute). Everything downstream (model, tokenizer,
// quantizer, GGUF writer) then reads it like a GGUF file.
#pragma once

#include <string>

#include "gguf/gguf_file.h"

namespace qs {

// Throws qs::Error naming the directory or file for a missing file, a hostile safetensors header,
// a missing config key, an unknown model type, tokenizer or tensor name.
GgufFile hf_checkpoint_open(const std::string& dir);

// True when `path` is a directory (a Hugging Face checkpoint) rather than a GGUF file.
bool is_hf_checkpoint(const std::string& path);

// A model path as users give it: a Hugging Face checkpoint directory, or a GGUF file.
GgufFile model_file_open(const std::string& path);

}  // namespace qs
