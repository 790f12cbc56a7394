#include "model/kv_cache.h"

#include <algorithm>
#include <cassert>

#include "core/cpu_features.h"
#include "core/error.h"
#include "core/fp16.h"
#include "kernels/kernels.h"

#include <cctype>
#include <cstring>

#include <fmt/format.h>

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

void store_rows(KvCacheType type, KvRowQuantizeFn quantize, const float* x, uint8_t* y, int64_t rows, int64_t n) {
    const size_t count = size_t(rows) * size_t(n);
    switch (type) {
        case KvCacheType::F16: to_f16(x, reinterpret_cast<uint16_t*>(y), count); return;
        case KvCacheType::F32: std::memcpy(y, x, count * sizeof(float)); return;
        default: {
            const uint64_t rb = kv_cache_row_bytes(type, n);
            for (int64_t r = 0; r < rows; ++r) quantize(kv_cache_ggml_type(type), x + r * n, y + uint64_t(r) * rb, n);
        }
    }
}

void load_rows(KvCacheType type, const uint8_t* x, float* y, int64_t rows, int64_t n) {
    const size_t count = size_t(rows) * size_t(n);
    switch (type) {
        case KvCacheType::F16: from_f16(reinterpret_cast<const uint16_t*>(x), y, count); return;
        case KvCacheType::F32: std::memcpy(y, x, count * sizeof(float)); return;
        default: kernels_get(kv_cache_ggml_type(type)).to_f32(x, y, int64_t(count)); return;  // rows are whole blocks
    }
}

struct KvTypeName {
    KvCacheType type;
    GgmlType ggml;
    const char* name;
};
constexpr KvTypeName kKvTypes[] = {
    {KvCacheType::F16, GgmlType::F16, "f16"},       {KvCacheType::F32, GgmlType::F32, "f32"},
    {KvCacheType::Q8_0, GgmlType::Q8_0, "q8_0"},    {KvCacheType::Q4_0, GgmlType::Q4_0, "q4_0"},
    {KvCacheType::Q4_1, GgmlType::Q4_1, "q4_1"},    {KvCacheType::Q5_0, GgmlType::Q5_0, "q5_0"},
    {KvCacheType::Q5_1, GgmlType::Q5_1, "q5_1"},    {KvCacheType::IQ4_NL, GgmlType::IQ4_NL, "iq4_nl"},
};

}  // namespace

GgmlType kv_cache_ggml_type(KvCacheType t) {
    for (const KvTypeName& k : kKvTypes)
        if (k.type == t) return k.ggml;
    throw Error("unknown KV cache type");
}

std::string kv_cache_type_name(KvCacheType t) {
    for (const KvTypeName& k : kKvTypes)
        if (k.type == t) return k.name;
    throw Error("unknown KV cache type");
}

KvCacheType kv_cache_type_parse(std::string_view name) {
    std::string lower(name);
    for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
    std::string names;
    for (const KvTypeName& k : kKvTypes) {
        if (lower == k.name) return k.type;
        names += names.empty() ? k.name : std::string(", ") + k.name;
    }
    throw Error(fmt::format("unknown KV cache type '{}' (use one of {})", name, names));
}

uint64_t kv_cache_row_bytes(KvCacheType t, int64_t n) { return row_size(kv_cache_ggml_type(t), n); }

KvCache::KvCache(int64_t n_layer, int64_t n_ctx, int64_t n_embd_kv, KvCacheType k_type, KvCacheType v_type, int64_t n_seq,
                 KvRowQuantizeFn quantize)
    : k_type_(k_type), v_type_(v_type), n_ctx_(n_ctx), n_embd_kv_(n_embd_kv), n_seq_(n_seq), quantize_(quantize) {
    for (KvCacheType t : {k_type, v_type}) {
        if (!kv_cache_type_quantized(t)) continue;
        if (!quantize) throw Error(fmt::format("KV cache type {} needs a quantizer (quant/kv_cache_quant.h)", kv_cache_type_name(t)));
        const int64_t block = type_traits(kv_cache_ggml_type(t)).block_size;
        if (n_embd_kv % block != 0)
            throw Error(fmt::format("KV cache type {} needs rows that are a multiple of {} values; this model's are {}",
                                    kv_cache_type_name(t), block, n_embd_kv));
    }
    const uint64_t rows = uint64_t(n_seq) * uint64_t(n_ctx);
    k_.assign(size_t(n_layer), std::vector<uint8_t>(rows * kv_cache_row_bytes(k_type, n_embd_kv)));
    v_.assign(size_t(n_layer), std::vector<uint8_t>(rows * kv_cache_row_bytes(v_type, n_embd_kv)));
}

void KvCache::store(int64_t layer, int64_t pos, int64_t n, const float* k, const float* v, int64_t seq) {
    assert(pos >= 0 && pos + n <= n_ctx_ && seq >= 0 && seq < n_seq_);
    const uint64_t row = uint64_t(seq) * uint64_t(n_ctx_) + uint64_t(pos);
    store_rows(k_type_, quantize_, k, k_[size_t(layer)].data() + row * k_row_bytes(), n, n_embd_kv_);
    store_rows(v_type_, quantize_, v, v_[size_t(layer)].data() + row * kv_cache_row_bytes(v_type_, n_embd_kv_), n, n_embd_kv_);
}

void KvCache::load(int64_t layer, int64_t n_kv, float* k_out, float* v_out, int64_t seq) const {
    assert(n_kv <= n_ctx_ && seq >= 0 && seq < n_seq_);
    const uint64_t row = uint64_t(seq) * uint64_t(n_ctx_);
    load_rows(k_type_, k_[size_t(layer)].data() + row * k_row_bytes(), k_out, n_kv, n_embd_kv_);
    load_rows(v_type_, v_[size_t(layer)].data() + row * kv_cache_row_bytes(v_type_, n_embd_kv_), v_out, n_kv, n_embd_kv_);
}

const uint8_t* KvCache::k_rows(int64_t layer, int64_t seq) const {
    return k_[size_t(layer)].data() + uint64_t(seq) * uint64_t(n_ctx_) * k_row_bytes();
}

}  // namespace qs
