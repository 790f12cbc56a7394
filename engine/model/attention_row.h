// One query row of ggml's reference CPU flash-attention kernel (flash_attn_ext_f16_one_chunk):
// the path of decoding (micro-batches under 64 rows) and of quantized KV caches.
//
// The softmax is online: keys are visited in order, and when a score exceeds the running maximum
// M the accumulator is rescaled by e^(M_old - M). With an f16 V cache ggml keeps the value
// accumulator in f16, rounded after every rescale and every multiply-add (unfused, as ggml's
// scalar tail); with a quantized V cache (read as floats) it is f32, one fused multiply-add per
// element (ggml_vec_mad_f32 on the SIMD machines the reference figures come from).
//
// attend_row_online is the kernel the forward pass runs: at the AVX2 and AVX-512 levels the f16
// accumulator is rounded 8 or 16 lanes at a time by F16C's conversions (round to nearest even,
// as core/fp16.h), with no fused multiply-add anywhere, so every level gives
// attend_row_online_reference's bits (tests/model/test_attention_row.cpp; NaN payloads aside).
// At a depth of 512 positions the element-by-element rounding was the largest single cost of
// decoding a token.
#pragma once

#include <cstdint>

#include "core/cpu_features.h"

namespace qs {

// out[d] = sum_j softmax(scores)[j] * V[j][d] for d < hd, j < n_vis, with V's rows v_ld floats
// apart. acc: hd floats of scratch. scores: n_vis finite or -inf values (not all -inf). isa: the
// level whose version runs (one that runs here: isa_supported).
void attend_row_online(const float* scores, const float* v_head, int64_t v_ld, int64_t n_vis, int64_t hd, bool f16_acc,
                       float* acc, float* out, Isa isa = cpu_best_isa());

// The scalar reference, element after element.
void attend_row_online_reference(const float* scores, const float* v_head, int64_t v_ld, int64_t n_vis, int64_t hd,
                                 bool f16_acc, float* acc, float* out);

}  // namespace qs
