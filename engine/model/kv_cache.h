// The key/value cache: for every layer, the K and V rows of every position processed so far, for
// one sequence or several decoded together (n_seq slots of n_ctx positions each: a sequence only
// ever reads its own slot, which is its attention mask).
//
// Stored as F16 by default, like llama.cpp's default cache type (-ctk/-ctv f16), because the
// rounding of K and V to half precision is part of what llama.cpp computes; F32 is available
// for tests that compare against an exact reference. K and V may also be quantized, as llama.cpp
// does with -ctk/-ctv and flash attention (q8_0, q4_0, q4_1, q5_0, q5_1, iq4_nl): each token's row
// of every KV head is quantized as it is stored (ggml_set_rows, the type's from_float), in blocks
// of 32 along the head, so the head size must be a multiple of 32.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tensor/ggml_type.h"

namespace qs {

enum class KvCacheType { F16, F32, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL };

GgmlType kv_cache_ggml_type(KvCacheType t);
std::string kv_cache_type_name(KvCacheType t);  // "f16", "q8_0", as llama.cpp's -ctk takes it
// The type named (case-insensitive); throws qs::Error listing the valid names otherwise.
KvCacheType kv_cache_type_parse(std::string_view name);
inline bool kv_cache_type_quantized(KvCacheType t) { return t != KvCacheType::F16 && t != KvCacheType::F32; }
// Bytes of n values of type t (n a multiple of the block size for a quantized type).
uint64_t kv_cache_row_bytes(KvCacheType t, int64_t n);

// Quantizes n floats into a row of a quantized cache type. The quantizers live in engine/quant
// (which depends on this module), so a quantized cache is handed one by whoever chose its type
// (quant/kv_cache_quant.h: kv_row_quantize).
using KvRowQuantizeFn = void (*)(GgmlType type, const float* x, void* y, int64_t n);

class KvCache {
public:
    // Room for n_seq sequences of n_ctx positions of n_embd_kv values (all KV heads) per layer.
    KvCache(int64_t n_layer, int64_t n_ctx, int64_t n_embd_kv, KvCacheType type, int64_t n_seq = 1)
        : KvCache(n_layer, n_ctx, n_embd_kv, type, type, n_seq, nullptr) {}
    // K and V in their own types; `quantize` is required when either is quantized.
    KvCache(int64_t n_layer, int64_t n_ctx, int64_t n_embd_kv, KvCacheType k_type, KvCacheType v_type, int64_t n_seq,
            KvRowQuantizeFn quantize);

    KvCacheType type() const { return k_type_; }  // K's (the two agree unless set apart)
    KvCacheType k_type() const { return k_type_; }
    KvCacheType v_type() const { return v_type_; }
    bool quantized() const { return kv_cache_type_quantized(k_type_) || kv_cache_type_quantized(v_type_); }
    int64_t n_ctx() const { return n_ctx_; }  // positions per sequence
    int64_t n_seq() const { return n_seq_; }

    // Writes rows for positions [pos, pos + n) of sequence seq: k and v are n rows of n_embd_kv floats.
    void store(int64_t layer, int64_t pos, int64_t n, const float* k, const float* v, int64_t seq = 0);
    // Reads positions [0, n_kv) of a layer's sequence seq back as f32 (the values the cache type
    // holds): k_out and v_out receive n_kv rows of n_embd_kv floats.
    void load(int64_t layer, int64_t n_kv, float* k_out, float* v_out, int64_t seq = 0) const;
    // A quantized K cache as stored: row j of a layer's sequence at k_rows(...) + j * k_row_bytes().
    const uint8_t* k_rows(int64_t layer, int64_t seq = 0) const;
    uint64_t k_row_bytes() const { return kv_cache_row_bytes(k_type_, n_embd_kv_); }

private:
    KvCacheType k_type_, v_type_;
    int64_t n_ctx_, n_embd_kv_, n_seq_;
    KvRowQuantizeFn quantize_;
    // Per layer, n_seq * n_ctx rows of n_embd_kv values (sequence s from row s * n_ctx), as bytes of
    // the cache type (fp16 bits, floats, or blocks).
    std::vector<std::vector<uint8_t>> k_, v_;
};

}  // namespace qs
