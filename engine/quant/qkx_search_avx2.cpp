// The candidate-scale search at AVX2 (qkx_search_simd.inc; 32 lanes = four ymm per vector).
#define QKX_SEARCH_FN qkx_search_avx2
#include "quant/qkx_search_simd.inc"
