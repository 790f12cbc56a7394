// Random rows of any base type for kernel tests and benchmarks: random bytes for the quantized
// payload with fp16 scale fields forced to finite values (a random byte pattern could be Inf/NaN,
// which no real file contains and for which "equal results" is meaningless).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "core/cpu_features.h"
#include "core/fp16.h"
#include "tensor/blocks.h"
#include "tensor/ggml_type.h"

namespace qs::test {

// How the fp16 scales (d, m, s) of generated blocks are chosen.
enum class ScaleMode {
    Typical,    // |scale| in about [1e-3, 1], random sign
    Max,        // +-65504, the largest finite fp16
    TinyNormal, // +-2^-14, the smallest normal fp16
    Subnormal,  // random fp16 subnormals
    Zero,       // every scale 0 (whole block is zero)
};

inline const char* scale_mode_name(ScaleMode m) {
    switch (m) {
        case ScaleMode::Typical: return "typical";
        case ScaleMode::Max: return "max";
        case ScaleMode::TinyNormal: return "tiny-normal";
        case ScaleMode::Subnormal: return "subnormal";
        case ScaleMode::Zero: return "zero";
    }
    return "?";
}

inline fp16_t random_scale(std::mt19937& rng, ScaleMode mode) {
    const fp16_t sign = (rng() & 1) ? 0x8000 : 0;
    switch (mode) {
        case ScaleMode::Typical: {
            std::uniform_real_distribution<float> mag(1e-3f, 1.0f);
            return fp16_t(fp32_to_fp16(mag(rng)) | sign);
        }
        case ScaleMode::Max: return fp16_t(0x7BFF | sign);
        case ScaleMode::TinyNormal: return fp16_t(0x0400 | sign);
        case ScaleMode::Subnormal: return fp16_t((1 + rng() % 0x3FF) | sign);
        case ScaleMode::Zero: return 0;
    }
    return 0;
}

// Offsets of the fp16 scale fields inside one block of t (the legacy block types).
inline std::vector<size_t> scale_offsets(GgmlType t) {
    switch (t) {
        case GgmlType::Q4_0: case GgmlType::Q5_0: case GgmlType::Q8_0: return {0};
        case GgmlType::Q4_1: case GgmlType::Q5_1: case GgmlType::Q8_1: return {0, 2};
        case GgmlType::Q2_K: return {80, 82};
        case GgmlType::Q3_K: return {108};
        case GgmlType::Q4_K: case GgmlType::Q5_K: return {0, 2};
        case GgmlType::Q6_K: return {208};
        case GgmlType::IQ2_XXS: case GgmlType::IQ2_XS: case GgmlType::IQ2_S: case GgmlType::IQ3_XXS:
        case GgmlType::IQ3_S: case GgmlType::IQ1_S: case GgmlType::IQ4_NL: case GgmlType::IQ4_XS: return {0};
        default: return {};
    }
}

// A row of n elements of type t. Float types get random finite values (ScaleMode::Zero: zeros).
inline std::vector<uint8_t> random_row(GgmlType t, int64_t n, std::mt19937& rng, ScaleMode mode = ScaleMode::Typical) {
    std::vector<uint8_t> row(row_size(t, n));
    std::normal_distribution<float> normal(0.0f, 1.0f);
    const bool zero = mode == ScaleMode::Zero;
    switch (t) {
        case GgmlType::F32:
            for (int64_t i = 0; i < n; ++i) {
                const float v = zero ? 0.0f : normal(rng);
                std::memcpy(row.data() + 4 * i, &v, 4);
            }
            return row;
        case GgmlType::F16: case GgmlType::BF16:
            for (int64_t i = 0; i < n; ++i) {
                const float v = zero ? 0.0f : normal(rng);
                const uint16_t h = t == GgmlType::F16 ? fp32_to_fp16(v) : fp32_to_bf16(v);
                std::memcpy(row.data() + 2 * i, &h, 2);
            }
            return row;
        default: break;
    }
    for (auto& b : row) b = uint8_t(zero ? 0 : rng());
    const size_t bytes = type_traits(t).type_size;
    if (t == GgmlType::Q8_K) {  // f32 scale
        for (size_t off = 0; off < row.size(); off += bytes) {
            const float d = zero ? 0.0f : fp16_to_fp32(random_scale(rng, mode));
            std::memcpy(row.data() + off, &d, 4);
        }
        return row;
    }
    if (t == GgmlType::IQ1_M) {  // the fp16 scale is spread over the top nibbles of 4 uint16 at byte 48
        for (size_t off = 0; off < row.size(); off += bytes) {
            const fp16_t s = random_scale(rng, mode);
            for (int k = 0; k < 4; ++k) {
                uint16_t w;
                std::memcpy(&w, row.data() + off + 48 + 2 * k, 2);
                w = uint16_t((w & 0x0fff) | (((s >> (4 * k)) & 0xf) << 12));
                std::memcpy(row.data() + off + 48 + 2 * k, &w, 2);
            }
        }
        return row;
    }
    for (size_t off = 0; off < row.size(); off += bytes)
        for (size_t field : scale_offsets(t)) {
            const fp16_t s = random_scale(rng, mode);
            std::memcpy(row.data() + off + field, &s, 2);
        }
    return row;
}

// SIMD levels this CPU can run (the scalar one is the reference every test compares against).
inline std::vector<Isa> simd_levels() {
    std::vector<Isa> out;
    for (Isa isa : {Isa::Avx2, Isa::Avx512})
        if (int(isa) <= int(cpu_best_isa())) out.push_back(isa);
    return out;
}

inline std::vector<float> random_floats(int64_t n, std::mt19937& rng, float scale = 1.0f) {
    std::normal_distribution<float> normal(0.0f, scale);
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& x : v) x = normal(rng);
    return v;
}

}  // namespace qs::test
