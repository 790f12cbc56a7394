// The row quantizer a quantized KV cache needs (model/kv_cache.h), and context options with it:
// what llama.cpp's ggml_set_rows does when it stores K and V in a quantized cache (the type's
// CPU from_float: ggml's reference quantizer, iq4_nl's without an importance matrix).
#pragma once

#include <cstdint>

#include "model/model.h"

namespace qs {

// Quantizes n floats (a multiple of 32) into one row of a KV cache type (q8_0, q4_0, q4_1, q5_0,
// q5_1, iq4_nl). Throws qs::Error for any other type.
void kv_row_quantize(GgmlType type, const float* x, void* y, int64_t n);

// `base` with K and V in the given types and the quantizer they need.
ContextOptions kv_context_options(KvCacheType k, KvCacheType v, ContextOptions base = {});

}  // namespace qs
