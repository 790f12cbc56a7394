// The candidate-scale search at AVX-512 (qkx_search_simd.inc; 32 lanes = two zmm per vector).
#define QKX_SEARCH_FN qkx_search_avx512
#include "quant/qkx_search_simd.inc"
