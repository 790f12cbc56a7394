// The scale searches at AVX-512 (qkx_search_simd.inc; a 16-lane vector is one zmm).
#define QKX_SEARCH_FN qkx_search_avx512
#define QX_SEARCH_FN qx_search_avx512
#include "quant/qkx_search_simd.inc"
