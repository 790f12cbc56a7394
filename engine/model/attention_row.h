// One query row of ggml's reference CPU flash-attention kernel (flash_attn_ext_f16_one_chunk):
// the path of decoding (micro-batches under 64 rows) and of quantized KV caches.
//
// The softmax is online: keys are visited in order, and when a score exceeds the running maximum
// M the accumulator is rescaled by e^(M_old - M). With an f16 V cache ggml keeps the value
// accumulator in f16, rounded after every rescale and every multiply-add (unfused, as ggml's
// scalar tail); with a quantized V cache (read as floats) it is f32, one fused multiply-add per
// element (ggml_vec_mad_f32 on the SIMD machines the reference figures come from).
//
// attend_row_online is the kernel the forward pass runs: the f16 accumulator is rounded 16 lanes
// at a time with the integer and float operations of core/fp16.h's scalar conversions (no fused
// multiply-add), so it gives attend_row_online_reference's bits on every instruction set
// (tests/model/test_attention_row.cpp). At a depth of 512 positions that rounding was the
// largest single cost of decoding a token.
#pragma once

#include <cstdint>

namespace qs {

// out[d] = sum_j softmax(scores)[j] * V[j][d] for d < hd, j < n_vis, with V's rows v_ld floats
// apart. acc: hd floats of scratch. scores: n_vis finite or -inf values (not all -inf).
void attend_row_online(const float* scores, const float* v_head, int64_t v_ld, int64_t n_vis, int64_t hd, bool f16_acc,
                       float* acc, float* out);

// The scalar reference, element after element.
void attend_row_online_reference(const float* scores, const float* v_head, int64_t v_ld, int64_t n_vis, int64_t hd,
                                 bool f16_acc, float* acc, float* out);

}  // namespace qs
