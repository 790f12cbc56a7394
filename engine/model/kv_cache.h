// The key/value cache: for every layer, the K and V rows of every position processed so far.
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
    // Room for n_ctx positions of n_embd_kv values (all KV heads) per layer.
    KvCache(int64_t n_layer, int64_t n_ctx, int64_t n_embd_kv, KvCacheType type);

    KvCacheType type() const { return type_; }
    int64_t n_ctx() const { return n_ctx_; }

    // Writes rows for positions [pos, pos + n): k and v are n rows of n_embd_kv floats.
    void store(int64_t layer, int64_t pos, int64_t n, const float* k, const float* v);
    // Reads positions [0, n_kv) of a layer back as f32 (the values the cache type holds):
    // k_out and v_out receive n_kv rows of n_embd_kv floats.
    void load(int64_t layer, int64_t n_kv, float* k_out, float* v_out) const;

private:
    KvCacheType type_;
    int64_t n_ctx_, n_embd_kv_;
    // Per layer, n_ctx rows of n_embd_kv values: uint16 fp16 bits (F16) or float bits (F32).
    std::vector<std::vector<uint16_t>> k16_, v16_;
    std::vector<std::vector<float>> k32_, v32_;
};

}  // namespace qs
