#include "model/kv_cache.h"

#include <algorithm>
#include <cassert>

#include "core/fp16.h"

namespace qs {

KvCache::KvCache(int64_t n_layer, int64_t n_ctx, int64_t n_embd_kv, KvCacheType type)
    : type_(type), n_ctx_(n_ctx), n_embd_kv_(n_embd_kv) {
    const size_t per_layer = size_t(n_ctx) * size_t(n_embd_kv);
    if (type == KvCacheType::F16) {
        k16_.assign(size_t(n_layer), std::vector<uint16_t>(per_layer));
        v16_.assign(size_t(n_layer), std::vector<uint16_t>(per_layer));
    } else {
        k32_.assign(size_t(n_layer), std::vector<float>(per_layer));
        v32_.assign(size_t(n_layer), std::vector<float>(per_layer));
    }
}

void KvCache::store(int64_t layer, int64_t pos, int64_t n, const float* k, const float* v) {
    assert(pos >= 0 && pos + n <= n_ctx_);
    const size_t off = size_t(pos) * size_t(n_embd_kv_);
    const size_t count = size_t(n) * size_t(n_embd_kv_);
    if (type_ == KvCacheType::F16) {
        uint16_t* kd = k16_[size_t(layer)].data() + off;
        uint16_t* vd = v16_[size_t(layer)].data() + off;
        for (size_t i = 0; i < count; ++i) {
            kd[i] = fp32_to_fp16(k[i]);
            vd[i] = fp32_to_fp16(v[i]);
        }
    } else {
        std::copy(k, k + count, k32_[size_t(layer)].data() + off);
        std::copy(v, v + count, v32_[size_t(layer)].data() + off);
    }
}

void KvCache::load(int64_t layer, int64_t n_kv, float* k_out, float* v_out) const {
    assert(n_kv <= n_ctx_);
    const size_t count = size_t(n_kv) * size_t(n_embd_kv_);
    if (type_ == KvCacheType::F16) {
        const uint16_t* kd = k16_[size_t(layer)].data();
        const uint16_t* vd = v16_[size_t(layer)].data();
        for (size_t i = 0; i < count; ++i) {
            k_out[i] = fp16_to_fp32(kd[i]);
            v_out[i] = fp16_to_fp32(vd[i]);
        }
    } else {
        std::copy(k32_[size_t(layer)].data(), k32_[size_t(layer)].data() + count, k_out);
        std::copy(v32_[size_t(layer)].data(), v32_[size_t(layer)].data() + count, v_out);
    }
}

}  // namespace qs
