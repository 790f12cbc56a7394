// A checkpoint's tokenizer (tokenizer.json, tokenizer_config.json) as GGUF tokenizer.* metadata,
// the way convert_hf_to_gguf.py writes it, so the tokenizer module (and llama.cpp) read it like
// any GGUF vocabulary: byte-level BPE (Llama 3, Qwen, SmolLM, GPT-2) with its pre-tokenizer
// recognised from the tokenizer.json structure, tokens padded to the model's vocab_size as
// "[PAD<id>]" (UNUSED), added special tokens CONTROL, merges as "a b" strings, special ids and
// add_bos_token from tokenizer_config.json (else config.json), the chat template.
#pragma once

#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "hf/hf_config.h"

namespace qs {

// Throws qs::Error naming the file for a missing file, invalid JSON, a tokenizer model or
// pre-tokenizer QuantScope does not know, or inconsistent ids.
std::vector<GgufMetadataEntry> hf_tokenizer_metadata(const std::string& dir, const HfConfig& config);

}  // namespace qs
