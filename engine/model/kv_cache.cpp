#include "model/kv_cache.h"

#include <algorithm>
#include <cassert>

#include "core/cpu_features.h"
#include "core/fp16.h"

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define QS_KV_F16C 1
#endif

namespace qs {
namespace {

// Half-precision conversions of whole rows. With AVX2 (F16C) / AVX-512 the hardware converts 8 / 16
// values per instruction (round to nearest even, like fp32_to_fp16; K and V are never NaN); the scalar
// functions do the rest and the other ISAs. Rounding K and V through f16 is what llama.cpp does.
#if QS_KV_F16C
// GCC 12's _mm512_cvtps_ph/_mm512_cvtph_ps expand to a self-initialised temporary and warns (GCC bug 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
__attribute__((target("avx512f"))) void to_f16_avx512(const float* x, uint16_t* y, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), _mm512_cvtps_ph(_mm512_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; ++i) y[i] = fp32_to_fp16(x[i]);
}

__attribute__((target("avx512f"))) void from_f16_avx512(const uint16_t* x, float* y, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i))));
    for (; i < n; ++i) y[i] = fp16_to_fp32(x[i]);
}
#pragma GCC diagnostic pop

__attribute__((target("avx2,f16c"))) void to_f16_avx2(const float* x, uint16_t* y, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; ++i) y[i] = fp32_to_fp16(x[i]);
}

__attribute__((target("avx2,f16c"))) void from_f16_avx2(const uint16_t* x, float* y, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i))));
    for (; i < n; ++i) y[i] = fp16_to_fp32(x[i]);
}
#endif

void to_f16(const float* x, uint16_t* y, size_t n) {
#if QS_KV_F16C
    if (cpu_best_isa() == Isa::Avx512) return to_f16_avx512(x, y, n);
    if (cpu_best_isa() == Isa::Avx2) return to_f16_avx2(x, y, n);
#endif
    for (size_t i = 0; i < n; ++i) y[i] = fp32_to_fp16(x[i]);
}

void from_f16(const uint16_t* x, float* y, size_t n) {
#if QS_KV_F16C
    if (cpu_best_isa() == Isa::Avx512) return from_f16_avx512(x, y, n);
    if (cpu_best_isa() == Isa::Avx2) return from_f16_avx2(x, y, n);
#endif
    for (size_t i = 0; i < n; ++i) y[i] = fp16_to_fp32(x[i]);
}

}  // namespace

KvCache::KvCache(int64_t n_layer, int64_t n_ctx, int64_t n_embd_kv, KvCacheType type, int64_t n_seq)
    : type_(type), n_ctx_(n_ctx), n_embd_kv_(n_embd_kv), n_seq_(n_seq) {
    const size_t per_layer = size_t(n_seq) * size_t(n_ctx) * size_t(n_embd_kv);
    if (type == KvCacheType::F16) {
        k16_.assign(size_t(n_layer), std::vector<uint16_t>(per_layer));
        v16_.assign(size_t(n_layer), std::vector<uint16_t>(per_layer));
    } else {
        k32_.assign(size_t(n_layer), std::vector<float>(per_layer));
        v32_.assign(size_t(n_layer), std::vector<float>(per_layer));
    }
}

void KvCache::store(int64_t layer, int64_t pos, int64_t n, const float* k, const float* v, int64_t seq) {
    assert(pos >= 0 && pos + n <= n_ctx_ && seq >= 0 && seq < n_seq_);
    const size_t off = (size_t(seq) * size_t(n_ctx_) + size_t(pos)) * size_t(n_embd_kv_);
    const size_t count = size_t(n) * size_t(n_embd_kv_);
    if (type_ == KvCacheType::F16) {
        to_f16(k, k16_[size_t(layer)].data() + off, count);
        to_f16(v, v16_[size_t(layer)].data() + off, count);
    } else {
        std::copy(k, k + count, k32_[size_t(layer)].data() + off);
        std::copy(v, v + count, v32_[size_t(layer)].data() + off);
    }
}

void KvCache::load(int64_t layer, int64_t n_kv, float* k_out, float* v_out, int64_t seq) const {
    assert(n_kv <= n_ctx_ && seq >= 0 && seq < n_seq_);
    const size_t count = size_t(n_kv) * size_t(n_embd_kv_);
    const size_t off = size_t(seq) * size_t(n_ctx_) * size_t(n_embd_kv_);
    if (type_ == KvCacheType::F16) {
        from_f16(k16_[size_t(layer)].data() + off, k_out, count);
        from_f16(v16_[size_t(layer)].data() + off, v_out, count);
    } else {
        std::copy(k32_[size_t(layer)].data() + off, k32_[size_t(layer)].data() + off + count, k_out);
        std::copy(v32_[size_t(layer)].data() + off, v32_[size_t(layer)].data() + off + count, v_out);
    }
}

}  // namespace qs
