// The scale searches at AVX2 (qkx_search_simd.inc; a 16-lane vector is two ymm).
#define QKX_SEARCH_FN qkx_search_avx2
#define QX_SEARCH_FN qx_search_avx2
#include "quant/qkx_search_simd.inc"
