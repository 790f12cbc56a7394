// Row quantizers of the quantized KV cache types; see kv_cache_quant.h.
#include "quant/kv_cache_quant.h"

#include <fmt/format.h>

#include "core/error.h"
#include "quant/quantize_rows.h"

namespace qs {

void kv_row_quantize(GgmlType type, const float* x, void* y, int64_t n) {
    using namespace quant_detail;
    switch (type) {
        case GgmlType::Q8_0: return quantize_q8_0(x, y, n);
        case GgmlType::Q4_0: return quantize_q4_0(x, y, n);
        case GgmlType::Q4_1: return quantize_q4_1(x, y, n);
        case GgmlType::Q5_0: return quantize_q5_0(x, y, n);
        case GgmlType::Q5_1: return quantize_q5_1(x, y, n);
        case GgmlType::IQ4_NL: return quantize_row_iq4_nl(x, y, n, nullptr);
        default: throw Error(fmt::format("{} is not a KV cache type", type_name(type)));
    }
}

ContextOptions kv_context_options(KvCacheType k, KvCacheType v, ContextOptions base) {
    base.kv_type = k;
    base.v_type = v;
    base.kv_quantize = &kv_row_quantize;
    return base;
}

}  // namespace qs
