// Private to engine/quant: one reference row quantizer per type. Each takes k floats (k a multiple
// of the block size, already checked finite) and writes k / block_size blocks. They are ggml's
// quantize_row_<type>_ref algorithms; rows are independent, so a whole tensor can be passed at once.
#pragma once

#include <cstdint>

namespace qs::quant_detail {

// quantize_legacy.cpp: 32-element blocks, one scale (and min) per block.
void quantize_q4_0(const float* x, void* y, int64_t k);
void quantize_q4_1(const float* x, void* y, int64_t k);
void quantize_q5_0(const float* x, void* y, int64_t k);
void quantize_q5_1(const float* x, void* y, int64_t k);
void quantize_q8_0(const float* x, void* y, int64_t k);

// quantize_kquants.cpp: 256-element super-blocks with quantized sub-block scales.
void quantize_q2_K(const float* x, void* y, int64_t k);
void quantize_q3_K(const float* x, void* y, int64_t k);
void quantize_q4_K(const float* x, void* y, int64_t k);
void quantize_q5_K(const float* x, void* y, int64_t k);
void quantize_q6_K(const float* x, void* y, int64_t k);

void quantize_q6_K_with(const float* x, void* y, int64_t k, const float* qw);  // qw: null or per-element weights

// With an importance matrix: llama.cpp's quantize_row_<type>_impl, one row of n elements, qw its
// n importance weights (never null). quantize_legacy.cpp / quantize_kquants.cpp.
void quantize_row_q4_0_weighted(const float* x, void* y, int64_t n, const float* qw);
void quantize_row_q4_1_weighted(const float* x, void* y, int64_t n, const float* qw);
void quantize_row_q5_0_weighted(const float* x, void* y, int64_t n, const float* qw);
void quantize_row_q5_1_weighted(const float* x, void* y, int64_t n, const float* qw);
void quantize_row_q2_K_weighted(const float* x, void* y, int64_t n, const float* qw);
void quantize_row_q3_K_weighted(const float* x, void* y, int64_t n, const float* qw);
void quantize_row_q4_K_weighted(const float* x, void* y, int64_t n, const float* qw);
void quantize_row_q5_K_weighted(const float* x, void* y, int64_t n, const float* qw);
void quantize_row_q6_K_weighted(const float* x, void* y, int64_t n, const float* qw);

// quantize_iq.cpp: the IQ types, one row of n elements; qw may be null (a default weighting)
// except for iq2_xxs and iq2_xs, which throw qs::Error without it (as ggml asserts).
void quantize_row_iq4_nl(const float* x, void* y, int64_t n, const float* qw);
void quantize_row_iq4_xs(const float* x, void* y, int64_t n, const float* qw);
void quantize_row_iq3_xxs(const float* x, void* y, int64_t n, const float* qw);
void quantize_row_iq3_s(const float* x, void* y, int64_t n, const float* qw);
void quantize_row_iq2_xxs(const float* x, void* y, int64_t n, const float* qw);
void quantize_row_iq2_xs(const float* x, void* y, int64_t n, const float* qw);
void quantize_row_iq2_s(const float* x, void* y, int64_t n, const float* qw);

// quantize_extra.cpp: QuantScope's own formats (docs/formats.md). quantize_i8_row takes exactly
// one row (its scale is the row header); the others work block by block like the ggml ones.
void quantize_nf4(const float* x, void* y, int64_t k);
void quantize_fp8_e4m3(const float* x, void* y, int64_t k);
void quantize_fp8_e5m2(const float* x, void* y, int64_t k);
void quantize_i8_row(const float* x, void* y, int64_t k);
void quantize_i4_g128(const float* x, void* y, int64_t k);

}  // namespace qs::quant_detail
