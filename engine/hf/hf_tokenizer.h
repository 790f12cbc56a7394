// A checkpoint's tokenizer (tokenizer.json, tokenizer_config.json) as GGUF tokenizer.* metadata,
// the way convert_hf_to_gguf.py writes it, so the tokenizer module (and llama.cpp) read it like
// any GGUF vocabulary:
//   - byte-level BPE (Llama 3, Qwen, SmolLM, GPT-2) as "gpt2": its pre-tokenizer recognised from
//     the tokenizer.json structure, merges as "a b" strings, added special tokens CONTROL;
//   - SentencePiece-style BPE (byte_fallback: Llama 2, Mistral, TinyLlama) as "llama" (SPM), as
//     gguf-py's LlamaHfVocab reads it: <0xNN> byte tokens BYTE, special tokens CONTROL, the space
//     prefix from the normalizer / Metaspace pre-tokenizer, and scores derived from the merge ranks
//     so that the SPM tokenizer merges as Hugging Face's BPE does (see spm_scores_from_merges);
// tokens padded to the model's vocab_size as "[PAD<id>]" (UNUSED), special ids and
// add_bos_token from tokenizer_config.json (else config.json), the chat template.
#pragma once

#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "hf/hf_config.h"

namespace qs {

// Throws qs::Error naming the file for a missing file, invalid JSON, a tokenizer model,
// normalizer or pre-tokenizer QuantScope does not know, merges that are missing or not a
// SentencePiece model's, a byte_fallback vocabulary without its byte tokens, or inconsistent ids.
std::vector<GgufMetadataEntry> hf_tokenizer_metadata(const std::string& dir, const HfConfig& config);

}  // namespace qs
