// The key/value cache: for every layer, the K and V rows of every position processed so far, for
// one sequence or several decoded together (n_seq slots of n_ctx positions each: a sequence only
// ever reads its own slot, which is its attention mask).
//
// Stored as F16 by default, like llama.cpp's default cache type (-ctk/-ctv f16), because the
// rounding of K and V to half precision is part of what llama.cpp computes; F32 is available
// for tests that compare against an exact reference.
#pragma once

#include <cstdint>
#include <vector>

namespace qs {

enum class KvCacheType { F16, F32 };

class KvCache {
public:
    // Room for n_seq sequences of n_ctx positions of n_embd_kv values (all KV heads) per layer.
    KvCache(int64_t n_layer, int64_t n_ctx, int64_t n_embd_kv, KvCacheType type, int64_t n_seq = 1);

    KvCacheType type() const { return type_; }
    int64_t n_ctx() const { return n_ctx_; }  // positions per sequence
    int64_t n_seq() const { return n_seq_; }

    // Writes rows for positions [pos, pos + n) of sequence seq: k and v are n rows of n_embd_kv floats.
    void store(int64_t layer, int64_t pos, int64_t n, const float* k, const float* v, int64_t seq = 0);
    // Reads positions [0, n_kv) of a layer's sequence seq back as f32 (the values the cache type
    // holds): k_out and v_out receive n_kv rows of n_embd_kv floats.
    void load(int64_t layer, int64_t n_kv, float* k_out, float* v_out, int64_t seq = 0) const;

private:
    KvCacheType type_;
    int64_t n_ctx_, n_embd_kv_, n_seq_;
    // Per layer, n_seq * n_ctx rows of n_embd_kv values (sequence s from row s * n_ctx): uint16
    // fp16 bits (F16) or float bits (F32).
    std::vector<std::vector<uint16_t>> k16_, v16_;
    std::vector<std::vector<float>> k32_, v32_;
};

}  // namespace qs
